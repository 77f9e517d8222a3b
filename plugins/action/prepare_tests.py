# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the module prepare_tests in the worker process when the target is the controller (plugin_utils/in_process.py)."""
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import InProcessAction as ActionModule  # noqa: F401
