# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller as lab hosts see it: its identity for the labels of the runs it starts there, and which of its
ansible-playbook processes still run (so that the reaper there knows which of those runs are orphaned)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.lazy_module_utils import module_utils


def controller_id(_input=None):
    """'<pid>:<start>@<hostname>' of the ansible-playbook process running this play."""
    return "%s@%s" % (module_utils("runstate").controller(), socket.gethostname())


def live_controllers(_input=None):
    """{'host': <this hostname>, 'live': ['<pid>:<start>', ...]} of the ansible-playbook processes here."""
    return {"host": socket.gethostname(), "live": module_utils("runstate").live_controllers()}


class FilterModule(object):
    def filters(self):
        return {"controller_id": controller_id, "live_controllers": live_controllers}
