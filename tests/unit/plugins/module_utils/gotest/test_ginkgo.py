# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ginkgo v2's report and spec names (module_utils/gotest/ginkgo.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.ginkgo import (
    ginkgo_spec_name,
    parse_ginkgo_report,
)


GINKGO_FLAKY = """Running Suite: X
Summarizing 1 Failure:
  [FAIL] [AfterSuite]
  /x/suite_test.go:20

Ran 3 of 5 Specs in 1.000 seconds
FAIL! -- 3 Passed | 0 Failed | 1 Flaked | 1 Pending | 1 Skipped
"""


def test_ginkgo_report_flaked_and_after_suite():
    # Flaked specs are already among Passed; the AfterSuite failure is extra.
    assert parse_ginkgo_report(GINKGO_FLAKY) == {
        "passed": 3, "failed": 1, "skipped": 2, "total": 6, "failed_names": ["[AfterSuite]"]}


def test_ginkgo_report_missing_counts_are_filled_from_ran_line():
    text = "Ran 1 of 4 Specs in 0.1 seconds\nSUCCESS! -- 1 Passed | 0 Failed | 0 Pending | 0 Skipped\n"
    assert parse_ginkgo_report(text)["skipped"] == 3


def test_ginkgo_report_absent():
    assert parse_ginkgo_report("Running Suite: X\n SUCCESS! 1.2ms \n") is None
    assert parse_ginkgo_report("") is None


def test_ginkgo_report_counts_on_the_line_after_several_failure_reasons():
    text = ("Ran 2 of 3 Specs in 1.000 seconds\n"
            "FAIL! - Interrupted by User, Detected Programmatic Focus\n"
            "1 Passed | 1 Failed | 0 Pending | 1 Skipped\n")
    assert parse_ginkgo_report(text) == {
        "passed": 1, "failed": 1, "skipped": 1, "total": 3, "failed_names": []}


def test_ginkgo_report_pending_counts_as_skipped():
    # Not topped up from "Ran N of M": M here already equals the counted specs.
    text = "Ran 1 of 4 Specs in 0.1 seconds\nSUCCESS! -- 1 Passed | 0 Failed | 3 Pending | 0 Skipped\n"
    assert parse_ginkgo_report(text)["skipped"] == 3


@pytest.mark.parametrize("text,name", [
    ("Datastorage embeddings [It] rejects wrong dimension", "Datastorage embeddings rejects wrong dimension"),
    ("Audit store with a migrated schema [BeforeEach] lists events [db]",
     "Audit store with a migrated schema lists events [db]"),
    ("TOP-LEVEL [BeforeEach] Audit store lists events", "Audit store lists events"),
    ("Ctx [DeferCleanup (Each)] leaf", "Ctx leaf"),
    ("[BeforeSuite] ", "[BeforeSuite]"),
    ("[AfterSuite] cleanup", "[AfterSuite] cleanup"),
    ("plain spec text [It]ems", "plain spec text [It]ems"),
    ("  spaced   out  ", "spaced out"),
])
def test_ginkgo_spec_name(text, name):
    assert ginkgo_spec_name(text) == name
