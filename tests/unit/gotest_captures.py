# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The real ``go test -json`` captures in fixtures/gotest/ (made by its capture.sh from the throwaway module in
fixtures/gotest/src, Go 1.26, Ginkgo v2.34.0), for the tests of the parser and of the reports made from it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

UNIT = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(UNIT, "fixtures", "gotest")
ALL_FIXTURES = sorted(f[:-5] for f in os.listdir(FIXTURES) if f.endswith(".json"))


def fixture(name):
    """Return (stdout, rc) of a captured run."""
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        stdout = handle.read()
    with open(os.path.join(FIXTURES, name + ".rc")) as handle:
        return stdout, int(handle.read().strip())
