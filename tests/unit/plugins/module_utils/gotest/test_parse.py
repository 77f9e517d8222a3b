# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Counting (module_utils/gotest/parse.py and events.py) against real `go test -json` captures.

The fixtures in tests/unit/fixtures/gotest/ were produced by capture.sh from
the throwaway module in fixtures/gotest/src (Go 1.26, Ginkgo v2.34.0).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
from gotest_captures import ALL_FIXTURES, FIXTURES, fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_text

M = "example.com/m/"
DS = M + "test/integration/datastorage"
DS_FAILURES = [
    DS + " Datastorage embeddings [It] rejects wrong dimension",
    DS + " Datastorage audit events validates the event type [It] bogus",
    DS + " Datastorage audit events [It] panics on a nil map",
    DS + " Datastorage audit events [It] waits for the database",
]
SUMMARY_KEYS = {"passed", "failed", "skipped", "total", "failed_names", "failures", "packages", "build_failed",
                "build_errors", "no_tests", "timed_out", "duration", "ok", "non_json", "rc", "state"}
PACKAGE_KEYS = {"name", "framework", "passed", "failed", "skipped", "elapsed", "build_failed",
                "no_tests", "timed_out"}


def parsed(name):
    stdout, rc = fixture(name)
    return parse_go_test_json(stdout, rc)


def pkg_row(pkg):
    return (pkg["name"], pkg["framework"], pkg["passed"], pkg["failed"], pkg["skipped"],
            pkg["build_failed"], pkg["no_tests"], pkg["timed_out"])


# name: (rc, passed, failed, skipped, total, ok, build_failed, timed_out, no_tests, state, duration)
EXPECTED = {
    "plain_pass": (0, 4, 0, 1, 5, True, False, False, False, "PASSED", 0.003),
    "plain_fail": (1, 4, 2, 1, 7, False, False, False, False, "FAILED", 0.004),
    "ginkgo_pass": (0, 3, 0, 0, 3, True, False, False, False, "PASSED", 0.02),
    "ginkgo_mixed": (1, 2, 4, 3, 9, False, False, False, False, "FAILED", 0.214),
    "ginkgo_mixed_verbose": (1, 2, 4, 3, 9, False, False, False, False, "FAILED", 0.215),
    "ginkgo_focus": (1, 1, 1, 2, 4, False, False, False, False, "FAILED", 0.01),
    "ginkgo_before_suite": (1, 0, 1, 2, 3, False, False, False, False, "FAILED", 0.008),
    "build_fail": (1, 0, 0, 0, 0, False, True, False, True, "BUILD FAILED", 0.0),
    "build_fail_text": (1, 4, 0, 1, 5, False, True, False, False, "BUILD FAILED", 0.004),
    "setup_fail": (1, 0, 0, 0, 0, False, True, False, True, "BUILD FAILED", 0.0),
    "no_test_files": (0, 0, 0, 0, 0, False, False, False, True, "NO TESTS", 0.0),
    "timeout": (1, 1, 1, 0, 2, False, False, True, False, "TIMED OUT", 2.007),
    "mixed": (1, 15, 8, 10, 33, False, True, False, False, "BUILD FAILED", 0.292),
    "extra_failures": (1, 1, 8, 0, 9, False, False, False, False, "FAILED", 0.122),
    "extra_ginkgo_vv": (1, 0, 5, 0, 5, False, False, False, False, "FAILED", 0.112),
    "examples_no_database": (1, 0, 1, 12, 13, False, False, False, False, "FAILED", 0.011),
}


def test_every_fixture_has_expectations_and_is_small():
    assert sorted(EXPECTED) == ALL_FIXTURES
    for name in ALL_FIXTURES:
        assert os.path.getsize(os.path.join(FIXTURES, name + ".json")) < 100 * 1024


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_totals(name):
    rc, passed, failed, skipped, total, ok, build_failed, timed_out, no_tests, state, duration = EXPECTED[name]
    stdout, fixture_rc = fixture(name)
    assert fixture_rc == rc
    summary = parse_go_test_json(stdout, fixture_rc)
    assert set(summary) == SUMMARY_KEYS
    got = (summary["passed"], summary["failed"], summary["skipped"], summary["total"], summary["ok"],
           summary["build_failed"], summary["timed_out"], summary["no_tests"], summary["state"])
    assert got == (passed, failed, skipped, total, ok, build_failed, timed_out, no_tests, state)
    assert summary["duration"] == pytest.approx(duration)
    assert summary["rc"] == rc
    assert len(summary["failed_names"]) == failed
    assert [f["name"] for f in summary["failures"]] == summary["failed_names"]
    for pkg in summary["packages"]:
        assert set(pkg) == PACKAGE_KEYS
        assert isinstance(pkg["elapsed"], float)


def test_plain_pass_counts_subtests_and_skip():
    summary = parsed("plain_pass")
    # TestAdd + 3 TestTable subtests pass (TestTable itself is not counted); TestNeedsDocker skips.
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "plainpass", "testing", 4, 0, 1, False, False, False)]
    assert summary["failed_names"] == []
    assert summary["packages"][0]["elapsed"] == pytest.approx(0.003)
    assert summary["non_json"] == []
    assert summary["build_errors"] == []


def test_plain_pass_ok_depends_on_rc():
    stdout, _ = fixture("plain_pass")
    assert parse_go_test_json(stdout)["ok"] is True
    assert parse_go_test_json(stdout, "0")["ok"] is True
    assert parse_go_test_json(stdout, 2)["ok"] is False
    assert parse_go_test_json(stdout, 2)["state"] == "FAILED"
    assert parse_go_test_json(stdout, "not a number")["rc"] is None


def test_plain_fail_names_leaf_failures_only():
    summary = parsed("plain_fail")
    # TestTable failed only because TestTable/bad_case did: the parent is not a separate failure.
    # TestPrintsJSONLike prints a fake {"Action":"fail"} line and "=== RUN   TestFake": neither counts.
    assert summary["failed_names"] == [M + "plainfail.TestBroken", M + "plainfail.TestTable/bad_case"]
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "plainfail", "testing", 4, 2, 1, False, False, False)]


@pytest.mark.parametrize("name", ["ginkgo_mixed", "ginkgo_mixed_verbose"])
def test_ginkgo_counts_specs_not_go_tests(name):
    summary = parsed(name)
    # "Ran 6 of 9 Specs" / "FAIL! -- 2 Passed | 4 Failed | 1 Pending | 2 Skipped":
    # the 2 skipped are one Skip() and one spec filtered out by the label filter "!slow".
    assert [pkg_row(p) for p in summary["packages"]] == [(DS, "ginkgo", 2, 4, 3, False, False, False)]
    assert summary["failed_names"] == DS_FAILURES


def test_ginkgo_pass():
    summary = parsed("ginkgo_pass")
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "test/integration/cache", "ginkgo", 3, 0, 0, False, False, False)]
    assert summary["failed_names"] == []


def test_ginkgo_without_colours_gives_the_same_result():
    stdout, rc = fixture("ginkgo_mixed")
    plain = re.sub(r"\\u001b\[[0-9;]*m", "", stdout)
    assert "\\u001b" not in plain
    coloured = parse_go_test_json(stdout, rc)
    uncoloured = parse_go_test_json(plain, rc)
    assert uncoloured["failed_names"] == coloured["failed_names"] == DS_FAILURES
    assert (uncoloured["passed"], uncoloured["failed"], uncoloured["skipped"]) == (2, 4, 3)


def test_ginkgo_before_suite_failure_counts_once_and_skips_all_specs():
    summary = parsed("ginkgo_before_suite")
    assert summary["failed_names"] == [M + "test/integration/setupfail [BeforeSuite]"]
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "test/integration/setupfail", "ginkgo", 0, 1, 2, False, False, False)]


def test_ginkgo_programmatic_focus_fails_the_package():
    # Ginkgo prints "PASS | FOCUSED" and exits 197 before "--- PASS: TestFocused".
    summary = parsed("ginkgo_focus")
    assert summary["failed_names"] == [M + "test/integration/focused [programmatic focus]"]
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "test/integration/focused", "ginkgo", 1, 1, 2, False, False, False)]


def test_build_fail_go124_events():
    summary = parsed("build_fail")
    assert summary["build_errors"] == [
        "# example.com/m/broken [example.com/m/broken.test]",
        "broken/broken.go:4:9: undefined: undefinedThing",
    ]
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "broken", "testing", 0, 0, 0, True, False, False)]
    assert summary["failed_names"] == []
    assert summary["non_json"] == []


def test_build_fail_plain_text_lines():
    # GODEBUG=gotestjsonbuildtext=1 and 2>&1: the compiler output is not JSON.
    summary = parsed("build_fail_text")
    expected = [
        "# example.com/m/broken [example.com/m/broken.test]",
        "broken/broken.go:4:9: undefined: undefinedThing",
    ]
    assert summary["build_errors"] == expected
    assert summary["non_json"] == expected
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "broken", "testing", 0, 0, 0, True, False, False),
        (M + "plainpass", "testing", 4, 0, 1, False, False, False),
    ]


def test_setup_fail_missing_import():
    summary = parsed("setup_fail")
    assert summary["build_errors"] == [
        "# example.com/m/badimport",
        "badimport/x_test.go:6:2: no required module provides package example.com/m/doesnotexist; to add it:",
        "\tgo get example.com/m/doesnotexist",
    ]
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "badimport", "testing", 0, 0, 0, True, False, False)]


def test_no_test_files():
    summary = parsed("no_test_files")
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "notests", "testing", 0, 0, 0, False, True, False)]
    assert summary["failed_names"] == []


def test_timeout_names_the_running_leaf_test():
    summary = parsed("timeout")
    assert summary["failed_names"] == [M + "slow.TestSleepsForever/waiting_for_postgres"]
    assert [pkg_row(p) for p in summary["packages"]] == [(M + "slow", "testing", 1, 1, 0, False, False, True)]
    assert summary["packages"][0]["elapsed"] == pytest.approx(2.007)


def test_mixed_run_of_many_packages():
    summary = parsed("mixed")
    assert [pkg_row(p) for p in summary["packages"]] == [
        (M + "badimport", "testing", 0, 0, 0, True, False, False),
        (M + "broken", "testing", 0, 0, 0, True, False, False),
        (M + "notests", "testing", 0, 0, 0, False, True, False),
        (M + "plainfail", "testing", 4, 2, 1, False, False, False),
        (M + "plainpass", "testing", 4, 0, 1, False, False, False),
        (M + "slow", "testing", 1, 0, 1, False, False, False),
        (M + "test/integration/cache", "ginkgo", 3, 0, 0, False, False, False),
        (DS, "ginkgo", 2, 4, 3, False, False, False),
        (M + "test/integration/focused", "ginkgo", 1, 1, 2, False, False, False),
        (M + "test/integration/setupfail", "ginkgo", 0, 1, 2, False, False, False),
    ]
    assert summary["failed_names"] == (
        [M + "plainfail.TestBroken", M + "plainfail.TestTable/bad_case"] + DS_FAILURES
        + [M + "test/integration/focused [programmatic focus]", M + "test/integration/setupfail [BeforeSuite]"])
    assert summary["build_errors"] == [
        "# example.com/m/badimport",
        "badimport/x_test.go:6:2: no required module provides package example.com/m/doesnotexist; to add it:",
        "\tgo get example.com/m/doesnotexist",
        "# example.com/m/broken [example.com/m/broken.test]",
        "broken/broken.go:4:9: undefined: undefinedThing",
    ]


def _events_by_package(stdout):
    groups = {}
    for line in stdout.splitlines():
        event = json.loads(line)
        groups.setdefault(event.get("Package") or event.get("ImportPath"), []).append(line)
    return list(groups.values())


def test_interleaved_packages_give_the_same_counts():
    stdout, rc = fixture("mixed")
    groups = _events_by_package(stdout)
    interleaved = []
    while any(groups):
        for group in groups:
            if group:
                interleaved.append(group.pop(0))
    assert interleaved != stdout.splitlines()
    original = parse_go_test_json(stdout, rc)
    shuffled = parse_go_test_json("\n".join(interleaved), rc)
    for key in ("passed", "failed", "skipped", "total", "build_failed", "timed_out", "ok"):
        assert shuffled[key] == original[key]
    assert sorted(shuffled["failed_names"]) == sorted(original["failed_names"])
    assert sorted(map(pkg_row, shuffled["packages"])) == sorted(map(pkg_row, original["packages"]))


def test_accepts_bytes_and_stdout_lines():
    stdout, rc = fixture("ginkgo_mixed")
    expected = parse_go_test_json(stdout, rc)
    assert parse_go_test_json(stdout.encode("utf-8"), rc) == expected
    assert parse_go_test_json(stdout.splitlines(), rc) == expected


@pytest.mark.parametrize("stdout", [None, "", "\n\n", [], b""])
def test_empty_input(stdout):
    summary = parse_go_test_json(stdout)
    assert (summary["total"], summary["ok"], summary["no_tests"], summary["state"]) == (0, False, True, "NO TESTS")
    assert summary["packages"] == [] and summary["failed_names"] == [] and summary["non_json"] == []
    assert summary["failures"] == []


def test_garbage_is_reported_as_non_json_and_ignored():
    lines = ["go: downloading github.com/onsi/ginkgo/v2 v2.34.0", "null", "42", "[1, 2]", '"text"',
             "{not json", '{"no": "action"}', '{"Action": 5}', '{"a":' + "[" * 100000 + "]" * 100000 + "}",
             '{"Action":"output","Package":"p","Output":7}', '{"Action":"pass","Package":"p","Elapsed":"x"}']
    summary = parse_go_test_json("\n".join(lines), 0)
    assert summary["non_json"] == lines[:9]
    assert [pkg_row(p) for p in summary["packages"]] == [("p", "testing", 0, 0, 0, False, True, False)]
    assert summary["packages"][0]["elapsed"] == 0.0
    assert summary["build_errors"] == []


def test_non_json_is_capped_at_40_lines():
    summary = parse_go_test_json("\n".join("line %d" % i for i in range(100)))
    assert summary["non_json"] == ["line %d" % i for i in range(40)]


def test_build_errors_are_capped_at_40_lines():
    lines = ["# example.com/m/big"] + ["big.go:%d:1: undefined: x%d" % (i, i) for i in range(1, 100)]
    summary = parse_go_test_json("\n".join(lines))
    assert len(summary["build_errors"]) == 40
    assert summary["build_errors"][:2] == ["# example.com/m/big", "big.go:1:1: undefined: x1"]


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_truncated_output_never_crashes(name):
    stdout, rc = fixture(name)
    lines = stdout.splitlines(True)
    for cut in range(len(lines) + 1):
        head = "".join(lines[:cut])
        for text in (head, head + lines[cut][: len(lines[cut]) // 2] if cut < len(lines) else head):
            summary = parse_go_test_json(text, None)
            assert summary["total"] == summary["passed"] + summary["failed"] + summary["skipped"]
            assert min(summary["passed"], summary["failed"], summary["skipped"]) >= 0
            assert [f["name"] for f in summary["failures"]] == summary["failed_names"]
            summary_text(summary, details=True)


def test_truncated_ginkgo_run_counts_the_unfinished_suite_as_failed():
    stdout, _ = fixture("ginkgo_mixed")
    lines = stdout.splitlines()
    cut = next(i for i, line in enumerate(lines) if "Summarizing" in line)
    summary = parse_go_test_json("\n".join(lines[:cut]))
    assert [pkg_row(p) for p in summary["packages"]] == [(DS, "ginkgo", 0, 1, 0, False, False, False)]
    assert summary["failed_names"] == [DS + ".TestDatastorage"]
    assert summary["ok"] is False


def _event(action, test=None, output=None, pkg="example.com/p", elapsed=None):
    event = {"Action": action, "Package": pkg}
    if test:
        event["Test"] = test
    if output is not None:
        event["Output"] = output
    if elapsed is not None:
        event["Elapsed"] = elapsed
    return json.dumps(event)


def test_parent_failing_on_its_own_is_counted():
    lines = [_event("run", "TestP"), _event("run", "TestP/a"), _event("pass", "TestP/a"),
             _event("run", "TestP/b"), _event("pass", "TestP/b"), _event("fail", "TestP"),
             _event("fail", elapsed=0.5)]
    summary = parse_go_test_json("\n".join(lines), 1)
    assert (summary["passed"], summary["failed"], summary["skipped"]) == (2, 1, 0)
    assert summary["failed_names"] == ["example.com/p.TestP"]


def test_package_failure_without_failed_tests_is_counted():
    lines = [_event("run", "TestA"), _event("pass", "TestA"), _event("output", output="FAIL\n"),
             _event("fail", elapsed=0.1)]
    summary = parse_go_test_json("\n".join(lines))
    assert (summary["passed"], summary["failed"]) == (1, 1)
    assert summary["failed_names"] == ["example.com/p [package failed]"]
