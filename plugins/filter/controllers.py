# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller as lab hosts see it: its identity for the labels of the runs it starts there, and which of its
ansible-playbook processes still run (so that the reaper there knows which of those runs are orphaned)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

# Imported on first use, not with this file: to find one filter of the collection, Ansible imports every filter
# file in every worker process that templates one (plugins/loader.py, Jinja2Loader).
def _runstate():
    from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
    return runstate


def controller_id(_input=None):
    """'<pid>:<start>@<hostname>' of the ansible-playbook process running this play."""
    return "%s@%s" % (_runstate().controller(), socket.gethostname())


def live_controllers(_input=None):
    """{'host': <this hostname>, 'live': ['<pid>:<start>', ...]} of the ansible-playbook processes here."""
    return {"host": socket.gethostname(), "live": _runstate().live_controllers()}


class FilterModule(object):
    def filters(self):
        return {"controller_id": controller_id, "live_controllers": live_controllers}
