# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""summary_text and the summary's state (module_utils/gotest/summary.py), on real `go test -json` captures.

How failure messages and excerpts appear in it is tested with the failures (test_failures.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from gotest_captures import ALL_FIXTURES, fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_text


DS = "example.com/m/test/integration/datastorage"


def parsed(name):
    stdout, rc = fixture(name)
    return parse_go_test_json(stdout, rc)


def test_summary_text_for_ginkgo_failures():
    text = summary_text(parsed("ginkgo_mixed"), title="datastorage", max_names=2)
    assert text == "\n".join([
        "datastorage: FAILED - 9 tests: 2 passed, 4 failed, 3 skipped in 0.21s (exit code 1)",
        "  failed:",
        "    - " + DS + " Datastorage embeddings [It] rejects wrong dimension",
        "        Expected <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] to have length 384",
        "    - " + DS + " Datastorage audit events validates the event type [It] bogus",
        "        Expected <bool>: false to equal <bool>: true",
        "    ... and 2 more",
    ])


def test_summary_text_states():
    assert summary_text(parsed("plain_pass")) == "go test: PASSED - 5 tests: 4 passed, 0 failed, 1 skipped in 0.00s"
    assert summary_text(parsed("no_test_files"), "unit") == (
        "unit: NO TESTS - 0 tests: 0 passed, 0 failed, 0 skipped in 0.00s")
    assert summary_text(parsed("build_fail"), "unit") == "\n".join([
        "unit: BUILD FAILED - 0 tests: 0 passed, 0 failed, 0 skipped in 0.00s (exit code 1)",
        "  build failed:",
        "    - example.com/m/broken",
        "  build errors:",
        "    # example.com/m/broken [example.com/m/broken.test]",
        "    broken/broken.go:4:9: undefined: undefinedThing",
    ])
    assert summary_text(parsed("timeout"), "slow") == "\n".join([
        "slow: TIMED OUT - 2 tests: 1 passed, 1 failed, 0 skipped in 2.01s (exit code 1)",
        "  failed:",
        "    - example.com/m/slow.TestSleepsForever/waiting_for_postgres",
        "        panic: test timed out after 2s",
        "  timed out:",
        "    - example.com/m/slow",
    ])


def test_summary_text_shows_other_output_when_nothing_ran():
    summary = parse_go_test_json("go: cannot find main module, but found .git/config", 1)
    assert summary_text(summary, "x") == "\n".join([
        "x: NO TESTS - 0 tests: 0 passed, 0 failed, 0 skipped in 0.00s (exit code 1)",
        "  other output:",
        "    go: cannot find main module, but found .git/config",
    ])


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_summary_text_is_ascii(name):
    summary_text(parsed(name)).encode("ascii")
    summary_text(parsed(name), details=True).encode("ascii")


def test_summary_text_tolerates_empty_and_bad_arguments():
    assert summary_text({}) == "go test: NO TESTS - 0 tests: 0 passed, 0 failed, 0 skipped in 0.00s"
    assert summary_text(None, max_names="x").startswith("go test: NO TESTS")
    assert summary_text(parsed("ginkgo_mixed"), max_names="0").splitlines()[1:] == ["  failed:", "    ... and 4 more"]
