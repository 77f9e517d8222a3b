# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes manifest paths: a directory stands for the .yaml, .yml and .json files in it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def files_in(path):
    """The manifest files ``path`` stands for, sorted: itself if a file, the manifest files in it if a directory,
    none if it does not exist."""
    if os.path.isdir(path):
        return [os.path.join(path, name) for name in sorted(os.listdir(path)) if name.endswith(MANIFEST_SUFFIXES)]
    return [path] if os.path.isfile(path) else []
