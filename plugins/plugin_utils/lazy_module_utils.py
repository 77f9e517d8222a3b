# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's module_utils for its filter plugins, imported on first use rather than with the filter file.

To find one filter of a collection, Ansible imports every filter file of it, in every worker process that templates
one (plugins/loader.py, Jinja2Loader): imports at the top of a filter file are paid by each such worker, whichever
filter it needed (the Go test parser's regular expressions alone cost ~0.12 s per run)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

PACKAGE = "ansible_collections.kubernaut.testinfra.plugins.module_utils."


def module_utils(name):
    """``plugins/module_utils/<name>`` (dotted, e.g. ``plan.selection``), imported now if it was not already."""
    return importlib.import_module(PACKAGE + name)
