# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Generic container backends as data (role ``container``, module ``container_ready``): ``entry`` (an entry of
``testinfra_backends`` checked and planned, and the role's result), ``ready`` (its readiness probe spec) and
``templates`` (the ``${field}`` templates of its exports)."""
