# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The real inputs in fixtures/envtest/ (see its README.md) of the envtest_binaries helpers' tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "envtest")


def fixture(name):
    """The text of a captured input."""
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()
