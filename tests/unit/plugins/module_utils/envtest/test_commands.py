# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Command helpers of the binary resolution (module_utils/envtest/commands.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import tail


def test_tail():
    assert tail("\n".join(str(i) for i in range(30)), 3) == "27\n28\n29"
    assert tail(None) == ""
