# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options of the modules that reap on a lab host, where the controller's processes cannot be seen."""

    DOCUMENTATION = r"""
options:
  controller_host:
    description:
      - On a lab host, the name of the controller the play runs on. Runs whose controller label is
        C(<pid>:<start>@<controller_host>) (runs that controller started here over SSH) count as orphaned when that
        process is not in O(live_controllers). Empty - such runs count as live until they expire.
    type: str
    default: ""
  live_controllers:
    description: With O(controller_host), the C(<pid>:<start>) of the ansible-playbook processes running on the controller.
    type: list
    elements: str
    default: []
"""
