# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Podman calls and the JSON they answer with, shared by the modules: ``container`` (inspect data, state, log
tail)."""
