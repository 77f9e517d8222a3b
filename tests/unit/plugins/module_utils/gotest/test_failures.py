# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``failures`` details (module_utils/gotest/failures.py) and how summary_text prints them (real `go test -json`
captures)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest
from gotest_captures import ALL_FIXTURES, fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_text

M = "example.com/m/"
DS = M + "test/integration/datastorage"
DS_SRC = "/tmp/parser-dev/gotest/src/test/integration/datastorage/embeddings_test.go"
MORE = "example.com/more/"
MORE_SRC = "/work/main/tests/unit/fixtures/gotest/src/more/"
EXAMPLES_DS = "github.com/kubernaut/testinfra/examples/test/integration/datastorage"
MISSING_DB = ("DATABASE_URL/PGHOST not set: run through kubernaut.testinfra (make test-integration-datastorage), "
              "or export DATABASE_URL=postgres://user:pass@host:port/db")


def parsed(name):
    stdout, rc = fixture(name)
    return parse_go_test_json(stdout, rc)


def messages(summary):
    return [(f["name"], f["message"]) for f in summary["failures"]]


def outputs(summary):
    return [f["output"].splitlines() for f in summary["failures"]]


# --------------------------------------------------------------------------- shape, every fixture

@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_failures_match_failed_names_and_are_bounded(name):
    summary = parsed(name)
    assert [f["name"] for f in summary["failures"]] == summary["failed_names"]
    for failure in summary["failures"]:
        assert set(failure) == {"name", "package", "message", "output"}
        assert failure["name"].startswith(failure["package"])
        assert isinstance(failure["message"], str) and isinstance(failure["output"], str)
        assert "\n" not in failure["message"] and len(failure["message"]) <= 500
        assert failure["message"] == failure["message"].strip()
        assert len(failure["output"].splitlines()) <= 30
        assert "\x1b" not in failure["message"] + failure["output"]
        for line in failure["output"].splitlines():
            assert not re.match(r"\s*(=== RUN|--- FAIL|--- PASS)", line), line


@pytest.mark.parametrize("name", ["ginkgo_mixed", "ginkgo_mixed_verbose", "ginkgo_before_suite", "timeout",
                                  "plain_fail", "extra_failures", "extra_ginkgo_vv", "examples_no_database"])
def test_every_failure_has_a_message_and_output(name):
    for failure in parsed(name)["failures"]:
        assert failure["message"], failure["name"]
        assert failure["output"], failure["name"]


@pytest.mark.parametrize("name", ["build_fail", "build_fail_text", "setup_fail", "plain_pass", "ginkgo_pass",
                                  "no_test_files"])
def test_no_failed_test_no_failures(name):
    # Build/setup failures have no failed test (and no failed_names); their reason is in build_errors.
    summary = parsed(name)
    assert summary["failures"] == [] and summary["failed_names"] == []


# --------------------------------------------------------------------------- plain testing

def test_plain_fail_messages_and_output_without_framing():
    summary = parsed("plain_fail")
    assert summary["failures"] == [
        {"name": M + "plainfail.TestBroken", "package": M + "plainfail",
         "message": "x_test.go:11: about to fail",
         "output": "x_test.go:11: about to fail\nx_test.go:12: expected 1, got 2"},
        {"name": M + "plainfail.TestTable/bad_case", "package": M + "plainfail",
         "message": "x_test.go:17: boom", "output": "x_test.go:17: boom"},
    ]


def test_timeout_message_is_the_panic_line_and_trace_is_trimmed_to_the_package():
    (failure,) = parsed("timeout")["failures"]
    assert failure["name"] == M + "slow.TestSleepsForever/waiting_for_postgres"
    assert failure["package"] == M + "slow"
    assert failure["message"] == "panic: test timed out after 2s"
    lines = failure["output"].splitlines()
    assert lines[:6] == [
        "panic: test timed out after 2s",
        "\trunning tests:",
        "\t\tTestSleepsForever (2s)",
        "\t\tTestSleepsForever/waiting_for_postgres (2s)",
        "",
        "goroutine 22 [chan receive]:",
    ]
    # goroutine 3 (the timeout alarm) and goroutine 1 (main) run no code of the package: left out.
    assert [line for line in lines if line.startswith("goroutine ")] == [
        "goroutine 22 [chan receive]:", "goroutine 23 [sleep]:"]
    assert "example.com/m/slow.TestSleepsForever.func1(0x31b8c1e546c8?)" in lines
    assert "\t/tmp/parser-dev/gotest/src/slow/slow_test.go:16 +0x1d" in lines
    assert len(lines) == 24


def test_plain_panic_keeps_the_log_before_it():
    failure = parsed("extra_failures")["failures"][2]
    assert failure["name"] == MORE + "plain.TestPanics"
    assert failure["message"] == "panic: assignment to entry in nil map [recovered, repanicked]"
    lines = failure["output"].splitlines()
    assert lines[:4] == ["plain_test.go:15: loading fixtures",
                         "panic: assignment to entry in nil map [recovered, repanicked]", "",
                         "goroutine 8 [running]:"]
    assert "\t" + MORE_SRC + "plain/plain_test.go:17 +0x54" in lines
    assert len(lines) == 16


def test_long_plain_output_keeps_head_and_tail():
    failure = parsed("extra_failures")["failures"][1]
    assert failure["name"] == MORE + "plain.TestChatty"
    assert failure["message"] == "plain_test.go:9: poll 1: not ready"
    lines = failure["output"].splitlines()
    assert len(lines) == 30
    assert lines[:9] == ["plain_test.go:9: poll %d: not ready" % i for i in range(1, 10)]
    assert lines[9] == "... (13 lines omitted)"
    assert lines[10:] == ["plain_test.go:9: poll %d: not ready" % i for i in range(23, 41)] + [
        "plain_test.go:11: service not ready after 40 polls:", "    last status: 503 Service Unavailable"]


def test_package_failure_shows_the_package_output():
    failure = parsed("extra_failures")["failures"][0]
    assert failure == {
        "name": MORE + "mainexit [package failed]", "package": MORE + "mainexit",
        "message": "cleanup: could not drop schema testinfra_run_42: connection refused",
        "output": "cleanup: could not drop schema testinfra_run_42: connection refused"}


def test_package_failure_without_any_output_gets_a_hint():
    lines = [json.dumps(e) for e in (
        {"Action": "run", "Package": "p", "Test": "TestA"}, {"Action": "pass", "Package": "p", "Test": "TestA"},
        {"Action": "output", "Package": "p", "Output": "FAIL\tp\t0.1s\n"}, {"Action": "fail", "Package": "p"})]
    (failure,) = parse_go_test_json("\n".join(lines), 1)["failures"]
    assert failure["name"] == "p [package failed]"
    assert failure["message"] == "the test binary failed without a failing test (TestMain, init or os.Exit?)"
    assert failure["output"] == ""


def test_programmatic_focus():
    (failure,) = parsed("ginkgo_focus")["failures"]
    assert failure["name"] == M + "test/integration/focused [programmatic focus]"
    assert failure["message"] == ("PASS | FOCUSED: specs are focused in code (FIt, FDescribe, FContext, FEntry), "
                                  "so Ginkgo exits with code 197")
    assert failure["output"].splitlines() == [
        "Ran 1 of 3 Specs in 0.000 seconds",
        "SUCCESS! -- 1 Passed | 0 Failed | 0 Pending | 2 Skipped",
        "PASS | FOCUSED",
    ]


# --------------------------------------------------------------------------- Ginkgo

GINKGO_MIXED_MESSAGES = [
    (DS + " Datastorage embeddings [It] rejects wrong dimension",
     "Expected <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] to have length 384"),
    (DS + " Datastorage audit events validates the event type [It] bogus",
     "Expected <bool>: false to equal <bool>: true"),
    (DS + " Datastorage audit events [It] panics on a nil map",
     "Test Panicked: assignment to entry in nil map"),
    (DS + " Datastorage audit events [It] waits for the database",
     "A node timeout occurred"),
]


@pytest.mark.parametrize("name", ["ginkgo_mixed", "ginkgo_mixed_verbose"])
def test_ginkgo_mixed_messages(name):
    summary = parsed(name)
    assert messages(summary) == GINKGO_MIXED_MESSAGES
    assert {f["package"] for f in summary["failures"]} == {DS}


@pytest.mark.parametrize("name, stamps", [
    ("ginkgo_mixed", ("21:26:06.807", "21:26:06.808", "21:26:06.809", "21:26:07.009")),
    ("ginkgo_mixed_verbose", ("21:26:08.323", "21:26:08.324", "21:26:08.324", "21:26:08.525")),
])
def test_ginkgo_mixed_outputs(name, stamps):
    # -ginkgo.v also streams "[FAILED] in [It] - file:18 @ ..." before each block; that line is not the detail.
    out = outputs(parsed(name))
    assert out[0] == [
        "[FAILED] Expected",
        "    <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
        "to have length 384",
        "In [It] at: %s:18 @ 11/23/26 %s" % (DS_SRC, stamps[0]),
    ]
    assert out[1] == [
        "[FAILED] Expected", "    <bool>: false", "to equal", "    <bool>: true",
        "In [It] at: %s:32 @ 11/23/26 %s" % (DS_SRC, stamps[1]),
    ]
    assert out[2] == [
        "[PANICKED] Test Panicked",
        "In [It] at: /usr/local/go/src/internal/runtime/maps/runtime_faststr.go:265 @ 11/23/26 %s" % stamps[2],
        "",
        "assignment to entry in nil map",
        "",
        "Full Stack Trace",
        "  example.com/m/test/integration/datastorage.init.func1.2.2()",
        "  \t%s:39 +0x28" % DS_SRC,
    ]
    assert out[3][:4] == [
        "[TIMEDOUT] A node timeout occurred",
        "In [It] at: %s:41 @ 11/23/26 %s" % (DS_SRC, stamps[3]),
        "",
        "This is the Progress Report generated when the node timeout occurred:",
    ]
    assert "          > \t\t<-ctx.Done()" in out[3]
    assert len(out[3]) == 22


def test_ginkgo_before_suite_annotation_is_the_message():
    (failure,) = parsed("ginkgo_before_suite")["failures"]
    assert failure["name"] == M + "test/integration/setupfail [BeforeSuite]"
    assert failure["message"] == "database not reachable"
    assert failure["output"].splitlines() == [
        "[FAILED] database not reachable",
        "Expected",
        "    <string>: postgres://localhost:5432",
        "to equal",
        "    <string>: reachable",
        "In [BeforeSuite] at: /tmp/parser-dev/gotest/src/test/integration/setupfail/setupfail_suite_test.go:16"
        " @ 11/23/26 21:26:10.785",
    ]


def test_examples_module_without_database_names_the_missing_database_url():
    summary = parsed("examples_no_database")
    assert (summary["passed"], summary["failed"], summary["skipped"], summary["rc"]) == (0, 1, 12, 1)
    assert summary["failures"] == [{
        "name": EXAMPLES_DS + " [BeforeSuite]",
        "package": EXAMPLES_DS,
        "message": MISSING_DB,
        "output": "[FAILED] %s\nIn [BeforeSuite] at: /tmp/exfix/test/integration/datastorage/"
                  "datastorage_suite_test.go:45 @ 11/23/26 21:50:39.733" % MISSING_DB,
    }]
    assert "DATABASE_URL" in summary["failures"][0]["message"]


EXTRA_GINKGO_MESSAGES = [
    (MORE + "suite Audit store [It] stores embeddings [db]", "embedding dimension mismatch"),
    (MORE + "suite Audit store [It] becomes ready [db]",
     "Timed out after 0.101s. Expected success, but got an error: <*errors.errorString | %s>: "
     "dial tcp 127.0.0.1:5432: connect: connection refused"),
    (MORE + "suite Audit store [It] opens the pool [db]",
     'Unexpected error: <*errors.errorString | %s>: password authentication failed for user "kubernaut" occurred'),
    (MORE + "suite Audit store with a migrated schema [BeforeEach] lists events [db]",
     'migration 0042 failed: relation "audit" already exists'),
    (MORE + "suite [AfterSuite]", "cleanup of the test schema"),
]


@pytest.mark.parametrize("name, pointers", [
    ("extra_failures", ("0x1012a9a6c5e0", "0x1012a9a6c950")),
    ("extra_ginkgo_vv", ("0x229a731ec5c0", "0x229a72fb2c10")),
])
def test_gomega_messages(name, pointers):
    # Annotation -> the annotation; "Timed out after"/"Unexpected error:" headings -> the whole Gomega message in
    # one line, without the "{ s: ... }" struct dump; a Timeline section (By, GinkgoWriter) is skipped; with
    # -ginkgo.vv the message is streamed before the block header and the hierarchy spans several lines.
    summary = parsed(name)
    expected = list(EXTRA_GINKGO_MESSAGES)
    expected[1] = (expected[1][0], expected[1][1] % pointers[0])
    expected[2] = (expected[2][0], expected[2][1] % pointers[1])
    assert messages(summary)[-5:] == expected
    out = outputs(summary)[-5:]
    assert out[0][:5] == ["[FAILED] embedding dimension mismatch", "Expected", "    <int>: 3", "to equal",
                          "    <int>: 384"]
    assert out[0][5].startswith("In [It] at: " + MORE_SRC + "suite/suite_test.go:22 @ ")
    assert len(out[0]) == 6  # no Timeline, STEP or "< Exit [It]" lines
    assert out[3][0] == '[FAILED] migration 0042 failed: relation "audit" already exists'
    assert out[3][1].startswith("In [BeforeEach] at: " + MORE_SRC + "suite/suite_test.go:34 @ ")
    assert len(out[3]) == 2
    assert out[1][4:7] == ["    {", '        s: "dial tcp 127.0.0.1:5432: connect: connection refused",', "    }"]


def _without_blocks(stdout):
    """The ginkgo_mixed stream with the per-spec failure blocks cut out (the summary stays)."""
    kept, skipping = [], False
    for line in stdout.splitlines():
        text = json.loads(line).get("Output") or ""
        if "[FAILED] [" in text or "[PANICKED] [" in text or "[TIMEDOUT] [" in text:
            skipping = True
        elif skipping and "------" in text:
            skipping = False
            continue
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def test_ginkgo_failure_block_not_found_gives_empty_details():
    stdout, rc = fixture("ginkgo_mixed")
    stripped = _without_blocks(stdout)
    assert "Expected" not in stripped and "Summarizing 4 Failures" in stripped
    summary = parse_go_test_json(stripped, rc)
    assert summary["failed_names"] == [name for name, _ in GINKGO_MIXED_MESSAGES]
    assert [(f["message"], f["output"]) for f in summary["failures"]] == [("", "")] * 4
    assert summary_text(summary, details=True).splitlines()[2:] == [
        "    - " + name for name, _ in GINKGO_MIXED_MESSAGES]


def test_ginkgo_blocks_matched_by_name_not_position():
    # Drop the first failure block only: the other three still find theirs by spec text.
    stdout, rc = fixture("ginkgo_mixed")
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "[FAILED] [0.000 seconds]" in line)
    end = next(i for i in range(start + 1, len(lines)) if "------" in lines[i])
    summary = parse_go_test_json("\n".join(lines[:start] + lines[end + 1:]), rc)
    assert messages(summary) == [(GINKGO_MIXED_MESSAGES[0][0], "")] + GINKGO_MIXED_MESSAGES[1:]


def test_truncated_ginkgo_suite_shows_its_first_failure_block():
    stdout, _ = fixture("ginkgo_mixed")
    lines = stdout.splitlines()
    cut = next(i for i, line in enumerate(lines) if "Summarizing" in line)
    (failure,) = parse_go_test_json("\n".join(lines[:cut]))["failures"]
    assert failure["name"] == DS + ".TestDatastorage"
    assert failure["message"] == GINKGO_MIXED_MESSAGES[0][1]


def test_mixed_run_failures_in_order():
    summary = parsed("mixed")
    assert [message for _, message in messages(summary)] == [
        "x_test.go:11: about to fail", "x_test.go:17: boom"] + [m for _, m in GINKGO_MIXED_MESSAGES] + [
        "PASS | FOCUSED: specs are focused in code (FIt, FDescribe, FContext, FEntry), so Ginkgo exits with code 197",
        "database not reachable"]


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_failures_survive_colour_removal(name):
    stdout, rc = fixture(name)
    plain = re.sub(r"\\u001b\[[0-9;]*m", "", stdout)
    assert parse_go_test_json(plain, rc)["failures"] == parsed(name)["failures"]


# --------------------------------------------------------------------------- summary_text

def test_summary_text_prints_messages_under_names():
    assert summary_text(parsed("ginkgo_mixed"), "datastorage") == "\n".join([
        "datastorage: FAILED - 9 tests: 2 passed, 4 failed, 3 skipped in 0.21s (exit code 1)",
        "  failed:",
        "    - " + GINKGO_MIXED_MESSAGES[0][0],
        "        " + GINKGO_MIXED_MESSAGES[0][1],
        "    - " + GINKGO_MIXED_MESSAGES[1][0],
        "        " + GINKGO_MIXED_MESSAGES[1][1],
        "    - " + GINKGO_MIXED_MESSAGES[2][0],
        "        " + GINKGO_MIXED_MESSAGES[2][1],
        "    - " + GINKGO_MIXED_MESSAGES[3][0],
        "        " + GINKGO_MIXED_MESSAGES[3][1],
    ])


def test_summary_text_details_prints_the_output_excerpt():
    assert summary_text(parsed("ginkgo_before_suite"), "setup", details=True) == "\n".join([
        "setup: FAILED - 3 tests: 0 passed, 1 failed, 2 skipped in 0.01s (exit code 1)",
        "  failed:",
        "    - example.com/m/test/integration/setupfail [BeforeSuite]",
        "        database not reachable",
        "          [FAILED] database not reachable",
        "          Expected",
        "              <string>: postgres://localhost:5432",
        "          to equal",
        "              <string>: reachable",
        "          In [BeforeSuite] at: /tmp/parser-dev/gotest/src/test/integration/setupfail/setupfail_suite_test.go:16"
        " @ 11/23/26 21:26:10.785",
    ])
    # details=False (the default) prints no output excerpt.
    lines = summary_text(parsed("ginkgo_before_suite"), "setup").splitlines()
    assert lines[3:] == ["        database not reachable"]


def test_summary_text_details_for_the_examples_module():
    text = summary_text(parsed("examples_no_database"), "datastorage", details=True)
    assert text.splitlines()[2:5] == [
        "    - " + EXAMPLES_DS + " [BeforeSuite]",
        "        " + MISSING_DB,
        "          [FAILED] " + MISSING_DB,
    ]


def test_summary_text_details_expands_tabs_and_stays_ascii():
    text = summary_text(parsed("timeout"), "slow", details=True)
    assert "\t" not in text
    assert "                  TestSleepsForever (2s)" in text.splitlines()
    text.encode("ascii")


def test_summary_text_max_names_limits_messages_and_details():
    lines = summary_text(parsed("ginkgo_mixed"), max_names=1, details=True).splitlines()
    assert lines[1:4] == ["  failed:", "    - " + GINKGO_MIXED_MESSAGES[0][0], "        " + GINKGO_MIXED_MESSAGES[0][1]]
    assert lines[-1] == "    ... and 3 more"
    assert len(lines) == 4 + 4 + 1
    assert summary_text(parsed("ginkgo_mixed"), max_names=0, details=True).splitlines()[1:] == [
        "  failed:", "    ... and 4 more"]


def test_summary_text_truncates_long_messages_to_200_characters():
    summary = parsed("plain_fail")
    summary["failures"][0]["message"] = "x" * 300
    line = summary_text(summary).splitlines()[3]
    assert line == "        " + "x" * 197 + "..."


def test_summary_text_escapes_non_ascii():
    summary = parsed("plain_fail")
    summary["failures"][0]["message"] = u"caf\u00e9 \u2022 broken"
    summary["failures"][0]["output"] = u"line \u2022\tone"
    lines = summary_text(summary, details=True).splitlines()
    assert lines[3:5] == ["        caf\\xe9 \\u2022 broken", "          line \\u2022    one"]


def test_summary_text_without_failures_key_or_with_misaligned_failures():
    summary = parsed("plain_fail")
    names_only = ["  failed:", "    - " + M + "plainfail.TestBroken", "    - " + M + "plainfail.TestTable/bad_case"]
    del summary["failures"]
    assert summary_text(summary, details=True).splitlines()[1:] == names_only
    summary["failures"] = [{"name": "something else", "message": "m", "output": "o"}, "not a dict"]
    assert summary_text(summary, details=True).splitlines()[1:] == names_only


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_summary_text_details_never_dumps_the_raw_output(name):
    stdout, _ = fixture(name)
    summary = parsed(name)
    text = summary_text(summary, details=True, max_names=100)
    text.encode("ascii")
    assert len(text.splitlines()) <= 1 + 1 + len(summary["failures"]) * 32 + 2 * 12 + 50
    assert "Running Suite" not in text and "Random Seed" not in text and "=== RUN" not in text


def test_ginkgo_timeline_section_is_not_mistaken_for_the_failure():
    # GinkgoWriter output is replayed inside "Timeline >> ... << Timeline"; a logged "[FAILED] ..." line there
    # must not be taken for the failure message.
    stdout, rc = fixture("extra_failures")
    assert stdout.count("using schema testinfra_run_42") == 1
    summary = parse_go_test_json(stdout.replace("using schema testinfra_run_42", "[FAILED] retrying the schema"), rc)
    assert messages(summary)[3] == (MORE + "suite Audit store [It] stores embeddings [db]",
                                    "embedding dimension mismatch")
