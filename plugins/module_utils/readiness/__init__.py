# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting until something answers: ``wait`` (the bounded retry loop of every readiness check), ``backend``
(a backend in a Podman container: versions, check mode, failures with its log, reuse of a kept container) and
``probes`` (the Redis PING and the PostgreSQL login with SELECT 1, with their errors told apart)."""
