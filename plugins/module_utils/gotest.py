# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parse ``go test -json`` output into a compact, counted summary.

Pure standard library, no Ansible imports, so it can be used from filter
plugins, modules and unit tests alike.

Counting rules
--------------
* Plain ``testing`` packages are counted per *leaf* test: a test that has
  subtests (``t.Run``) is represented by its subtests, so ``TestX`` with three
  ``t.Run`` cases counts 3.  A parent is only counted itself (as one failure)
  when it failed while none of its subtests did (e.g. ``t.Error`` in the parent
  body after the subtests).
* Ginkgo v2 suites run through ``go test`` are one Go test that calls
  ``RunSpecs``.  When Ginkgo's end-of-suite report is found in that test's
  output, the Go test is replaced by Ginkgo's spec numbers:
  ``passed`` = Passed, ``failed`` = Failed, ``skipped`` = Pending + Skipped
  (Skipped already includes specs filtered out by focus or label filters), so
  ``total`` equals the ``M`` of ``Ran N of M Specs``.  Failures of suite-level
  nodes (``[BeforeSuite]``, ``[AfterSuite]``, ...) are not part of Ginkgo's
  Failed number; each one listed under ``Summarizing N Failures:`` is added as
  one extra failure so that a failed suite never reports ``failed == 0``.
* Tests that started but never reported a result (go test timeout, crash,
  truncated output) count as failed unless their package passed.
* A package that failed without any failed test to show for it (TestMain
  ``os.Exit(1)``, Ginkgo's programmatic-focus exit code 197, ...) adds one
  failure named ``<package> [package failed]`` (or ``[programmatic focus]``).
* Packages without test files are flagged ``no_tests`` and not counted.
  Packages that fail to build are flagged ``build_failed`` and not counted
  (their tests are unknown); the compiler output goes to ``build_errors``.
* With ``-count`` > 1 a test is counted once (its last result wins).

Failed test names
-----------------
* plain tests: ``<import path>.<TestName>[/<subtest>...]``, e.g.
  ``example.com/m/pkg.TestFoo/sub_case``;
* Ginkgo specs: ``<import path> <spec text as in Ginkgo's failure summary>``,
  e.g. ``example.com/m/test/integration/datastorage Datastorage embeddings
  [It] rejects wrong dimension``.

Failure details
---------------
``failures`` holds one dict per entry of ``failed_names`` (same order) with
``name``, ``package``, ``message`` (one line, at most 500 characters) and
``output`` (an excerpt of at most 30 lines, ANSI codes removed):

* plain tests: the test's own output without the ``=== RUN`` / ``--- FAIL``
  framing; ``message`` is its first meaningful line, or the ``panic:`` line
  when the test panicked or timed out (the goroutine dump is cut down to the
  goroutines that run code of the tested package);
* Ginkgo specs and suite nodes: the ``[FAILED]`` / ``[PANICKED]`` /
  ``[TIMEDOUT]`` ... section of the spec's failure block; ``message`` is the
  first line of the failure message (a Gomega annotation, a ``Fail()`` text),
  or the whole Gomega message joined into one line when that first line is
  just a heading such as ``Expected``; for panics ``Test Panicked: <value>``;
* package-level failures: the package's own output (``[package failed]``,
  ``[timed out]``) or the end of Ginkgo's report (``[programmatic focus]``).

When nothing useful is found, ``message`` and ``output`` are empty strings.
Packages that fail to build have no entry (they have no failed test either);
their compiler output is in ``build_errors``.

Per-test results
----------------
:func:`parse_go_test_results` also returns one result per counted test
(what ``junit.py`` writes as JUnit test cases), so that their number always
equals the counts above.  Ginkgo specs are named from Ginkgo's own output:
each spec's block (between ``------`` delimiters) opens with a result header
(``<U+2022> [FAILED] [0.1 seconds]``, ``P [PENDING]``, ``S [SKIPPED] [...]``,
and with ``-ginkgo.v`` also ``<U+2022> [0.002 seconds]`` for passed specs)
next to the spec's location block (text, then ``file.go:17``; one line per
container with ``-ginkgo.vv``).  Without ``-ginkgo.v`` Ginkgo prints passed
and ``Skip()``-ped specs only as progress dots, and never names specs
filtered out; those become anonymous results, numbered, up to Ginkgo's
Passed/Skipped counts.  Failed specs come from the ``Summarizing`` list and
are matched to their blocks (for durations); spec names drop the ``[It]`` /
``[BeforeEach]`` marker of failure reports (:func:`ginkgo_spec_name`), so a
spec has the same name whether it passed or failed, with or without
``-ginkgo.v``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2
    from collections import Mapping

MAX_BUILD_ERRORS = 40
MAX_NON_JSON = 40
MAX_FAILURE_LINES = 30
MAX_MESSAGE = 500
SUMMARY_MESSAGE_CHARS = 200

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TIMEOUT_MARK = "panic: test timed out after"
_BUILD_FAILED_RE = re.compile(r"\[(?:build|setup) failed\]")
_GO_ERROR_LINE_RE = re.compile(r"^\S+\.go:\d+(?::\d+)?: ")

# Ginkgo v2 end-of-suite report (after stripping ANSI colours):
#   Summarizing 4 Failures:            / Summarizing 1 Failure:
#     [FAIL] Datastorage embeddings [It] rejects wrong dimension
#     /path/to/file_test.go:18
#     [PANICKED!] ... / [TIMEDOUT] ... / [INTERRUPTED] ... / [ABORTED] ...
#   Ran 6 of 9 Specs in 0.203 seconds
#   FAIL! -- 2 Passed | 4 Failed | 1 Pending | 2 Skipped
#   SUCCESS! -- 3 Passed | 0 Failed | 1 Flaked | 0 Pending | 0 Skipped
#   FAIL! -- A BeforeSuite node failed so all tests were skipped.
_GINKGO_SUITE_START = "Running Suite: "
_GINKGO_FOCUS_EXIT = "PASS | FOCUSED"
_GINKGO_SUMMARY_RE = re.compile(r"^Summarizing \d+ Failures?:\s*$")
_GINKGO_FAILURE_RE = re.compile(
    r"^\s+\[(?:FAIL|PANICKED!?|TIMEDOUT|INTERRUPTED|ABORTED)\]\s(.*)$")
_GINKGO_RAN_RE = re.compile(r"^Ran (\d+) of (\d+) Specs? in ")
_GINKGO_STATUS_RE = re.compile(r"^(SUCCESS!|FAIL!)")
_GINKGO_COUNTS_LINE_RE = re.compile(r"\d+ Passed \| \d+ Failed")
_GINKGO_COUNT_RE = re.compile(r"(\d+) (Passed|Failed|Flaked|Repeated|Pending|Skipped)\b")


def strip_ansi(text):
    """Return ``text`` without ANSI colour/style escape sequences."""
    return _ANSI_RE.sub("", text)


class _Test:
    """One ``go test`` test (or subtest) as seen in the event stream."""

    def __init__(self, name):
        self.name = name
        self.status = None  # "pass" | "fail" | "skip" | None (never finished)
        self.elapsed = None
        self.chunks = []

    @property
    def output(self):
        """The test's output with colour codes removed."""
        return strip_ansi("".join(self.chunks))


class _Package:
    """One Go package (``Package`` field) as seen in the event stream."""

    def __init__(self, name):
        self.name = name
        self.tests = {}
        self.status = None  # "pass" | "fail" | "skip" | None
        self.elapsed = None
        self.chunks = []
        self.build_failed = False
        self.failed_build = None  # the FailedBuild import path (Go 1.24+)
        self.timed_out = False
        self.started = None  # "Time" of the package's first event
        self.finished = None  # "Time" of its last event

    def test(self, name):
        """Return the :class:`_Test` called ``name``, creating it on first use."""
        if name not in self.tests:
            self.tests[name] = _Test(name)
        return self.tests[name]


class _Collector:
    """Accumulates events; knows nothing about counting."""

    def __init__(self):
        self.packages = {}
        self.build_errors = []
        self.build_output = {}  # import path (or "# " header) -> compiler lines
        self.build_key = ""  # header of the current non-JSON build block
        self.build_fail_events = 0
        self.non_json = []

    def package(self, name):
        """Return the :class:`_Package` called ``name``, creating it on first use."""
        if name not in self.packages:
            self.packages[name] = _Package(name)
        return self.packages[name]

    def add_event(self, event):
        """Record one decoded ``test2json`` event."""
        action = event.get("Action")
        if action == "build-output":
            lines = _text_lines(event.get("Output"))
            self.build_errors.extend(lines)
            key = event.get("ImportPath")
            self.build_output.setdefault(key if isinstance(key, str) else "", []).extend(lines)
            return
        if action == "build-fail":
            self.build_fail_events += 1
            return
        name = event.get("Package")
        if not isinstance(name, str) or not name:
            return
        pkg = self.package(name)
        when = event.get("Time")
        if isinstance(when, str) and when:
            pkg.started = pkg.started or when
            pkg.finished = when
        self._add_package_event(pkg, event, action)

    @staticmethod
    def _add_package_event(pkg, event, action):
        test_name = event.get("Test")
        test = pkg.test(test_name) if isinstance(test_name, str) and test_name else None
        if action == "output":
            text = event.get("Output")
            if not isinstance(text, str):
                return
            (test.chunks if test else pkg.chunks).append(text)
            if _TIMEOUT_MARK in text:
                pkg.timed_out = True
            if test is None and _BUILD_FAILED_RE.search(text):
                pkg.build_failed = True
        elif action in ("pass", "fail", "skip"):
            if test is not None:
                test.status = action
                test.elapsed = _as_float(event.get("Elapsed"))
                return
            pkg.status = action
            pkg.elapsed = _as_float(event.get("Elapsed"))
            if event.get("FailedBuild"):
                pkg.build_failed = True
                pkg.failed_build = event.get("FailedBuild")

    def add_non_json(self, line, in_build_block):
        """Record a stdout line that is not a ``test2json`` event."""
        if len(self.non_json) < MAX_NON_JSON:
            self.non_json.append(line)
        if line.startswith("# "):
            self.build_key = line[2:].strip()
        if in_build_block or _GO_ERROR_LINE_RE.match(line):
            self.build_errors.append(line)
            self.build_output.setdefault(self.build_key, []).append(line)


def _as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text_lines(text):
    """Split ``text`` into right-trimmed, non-empty lines."""
    if not isinstance(text, str):
        return []
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _input_lines(stdout):
    """Normalise str / bytes / list-of-lines / None into a list of str lines."""
    if stdout is None:
        return []
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", "replace")
    if isinstance(stdout, (list, tuple)):
        lines = []
        for item in stdout:
            lines.extend(_input_lines(item))
        return lines
    if not isinstance(stdout, str):
        stdout = str(stdout)
    return stdout.splitlines()


def _collect(stdout):
    """Decode every line of ``stdout`` into a :class:`_Collector`."""
    collector = _Collector()
    in_build_block = False
    for raw in _input_lines(stdout):
        line = raw.rstrip()
        if not line.strip():
            continue
        event = _decode(line)
        if event is not None:
            in_build_block = False
            collector.add_event(event)
            continue
        if line.startswith("# "):
            in_build_block = True
        collector.add_non_json(line, in_build_block)
    return collector


def _decode(line):
    """Return the event dict encoded in ``line``, or None if it is not one."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(event, dict) and isinstance(event.get("Action"), str):
        return event
    return None


def parse_ginkgo_report(text):
    """Parse Ginkgo v2's end-of-suite report out of a test's output.

    ``text`` must already be free of ANSI codes.  Returns None when no
    ``Ran N of M Specs`` line is found, else a dict with ``passed``,
    ``failed``, ``skipped``, ``total`` and ``failed_names`` (spec texts as
    printed under ``Summarizing N Failures:``).
    """
    lines = text.splitlines()
    ran_at = None
    for index, line in enumerate(lines):
        if _GINKGO_RAN_RE.match(line):
            ran_at = index
    if ran_at is None:
        return None
    match = _GINKGO_RAN_RE.match(lines[ran_at])
    ran, total_specs = int(match.group(1)), int(match.group(2))
    tail = lines[ran_at + 1:ran_at + 4]
    return _ginkgo_totals(ran, total_specs, _ginkgo_status(tail), _ginkgo_counts(tail),
                          _ginkgo_failures(lines))


def _ginkgo_status(lines):
    """``SUCCESS!`` or ``FAIL!`` from the line after ``Ran N of M Specs``."""
    match = _GINKGO_STATUS_RE.match(lines[0]) if lines else None
    return match.group(1) if match else None


def _ginkgo_counts(lines):
    """``{"Passed": n, "Failed": n, ...}`` from the first counts line.

    Usually ``FAIL! -- 2 Passed | 4 Failed | 1 Pending | 2 Skipped``; with
    several special failure reasons Ginkgo puts the counts on the next line.
    """
    for line in lines:
        if _GINKGO_COUNTS_LINE_RE.search(line):
            return dict((label, int(number)) for number, label in _GINKGO_COUNT_RE.findall(line))
    return {}


def _ginkgo_failures(lines):
    """Spec texts listed in the last ``Summarizing N Failures:`` block."""
    names = []
    in_block = False
    for line in lines:
        if _GINKGO_SUMMARY_RE.match(line):
            names, in_block = [], True
            continue
        if not in_block:
            continue
        match = _GINKGO_FAILURE_RE.match(line)
        if match:
            names.append(" ".join(match.group(1).split()))
        elif _GINKGO_RAN_RE.match(line):
            in_block = False
    return names


def _ginkgo_totals(ran, total_specs, status, counts, failure_names):
    """Turn Ginkgo's numbers into passed/failed/skipped/total.

    ``skipped`` is Pending + Skipped, topped up to ``Ran N of M``'s M.  Each
    failure listed under ``Summarizing`` beyond Ginkgo's Failed number is a
    suite-level node (``[BeforeSuite]``, ``[AfterSuite]``, ...) and is added.
    """
    if "Passed" in counts:
        passed = counts.get("Passed", 0)
        failed = counts.get("Failed", 0)
        skipped = counts.get("Pending", 0) + counts.get("Skipped", 0)
    else:  # e.g. "FAIL! -- A BeforeSuite node failed so all tests were skipped."
        passed = ran if status == "SUCCESS!" else 0
        failed = skipped = 0
    skipped += max(0, total_specs - passed - failed - skipped)
    failed = max(failed, len(failure_names))
    return {
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "total": passed + failed + skipped,
        "failed_names": failure_names,
    }


def _ancestors(name):
    """``a/b/c`` -> [``a``, ``a/b``]."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _outcome(test, pkg):
    """Final result of a test; unfinished tests fail unless the package passed."""
    if test.status in ("pass", "fail", "skip"):
        return test.status
    return "pass" if pkg.status == "pass" else "fail"


def _plain_results(pkg):
    """Yield ``(test name, outcome)`` for the tests that count in ``pkg``.

    Leaf tests always count; a parent test only counts when it failed while
    none of its subtests did.
    """
    outcomes = dict((name, _outcome(test, pkg)) for name, test in pkg.tests.items())
    parents, failing_parents = set(), set()
    for name, outcome in outcomes.items():
        for ancestor in _ancestors(name):
            if ancestor in outcomes:
                parents.add(ancestor)
                if outcome == "fail":
                    failing_parents.add(ancestor)
    for name, outcome in outcomes.items():
        if name not in parents or (outcome == "fail" and name not in failing_parents):
            yield name, outcome


def _ginkgo_reports(pkg):
    """``{test name: report or None}`` for the tests that ran a Ginkgo suite."""
    reports = {}
    for name, test in pkg.tests.items():
        text = test.output
        if _GINKGO_SUITE_START in text:
            reports[name] = parse_ginkgo_report(text)
    return reports


def _summarize_package(pkg):
    """Count one package; returns (package dict, failures, cases).

    ``failures`` is a list of failure dicts (see :func:`_failure`), one per
    failed name.  ``cases`` holds one result per counted test or spec (see
    :func:`parse_go_test_results`): exactly ``passed + failed + skipped`` of
    them.
    """
    counts = {"pass": 0, "fail": 0, "skip": 0}
    failures, cases = [], []
    reports = _ginkgo_reports(pkg)
    for test_name, report in reports.items():
        if report is not None:
            counts["pass"] += report["passed"]
            counts["fail"] += report["failed"]
            counts["skip"] += report["skipped"]
            test = pkg.tests[test_name]
            spec_failures = _ginkgo_spec_failures(pkg, test.output, report["failed_names"])
            failures.extend(spec_failures)
            cases.extend(_ginkgo_cases(pkg, test, report, spec_failures))
    for name, outcome in _plain_results(pkg):
        if reports.get(name) is None:
            counts[outcome] += 1
            failure = _test_failure(pkg, name) if outcome == "fail" else None
            if failure is not None:
                failures.append(failure)
            cases.append(_plain_case(pkg, name, outcome, failure))

    if pkg.status == "fail" and not counts["fail"] and not pkg.build_failed:
        counts["fail"] += 1
        reason = _package_failure_reason(pkg)
        failure = _package_failure(pkg, reason)
        failures.append(failure)
        cases.append(_case(pkg, "[%s]" % reason, "error" if reason == "timed out" else "failed",
                           pkg.elapsed, failure, kind="package", failure_type=reason))

    total = counts["pass"] + counts["fail"] + counts["skip"]
    return {
        "name": pkg.name,
        "framework": "ginkgo" if reports else "testing",
        "passed": counts["pass"],
        "failed": counts["fail"],
        "skipped": counts["skip"],
        "elapsed": pkg.elapsed if pkg.elapsed is not None else 0.0,
        "build_failed": pkg.build_failed,
        "no_tests": total == 0 and not pkg.build_failed and pkg.status in ("pass", "skip"),
        "timed_out": pkg.timed_out,
    }, failures, cases


# --------------------------------------------------------------------------
# Per-test results (JUnit)
# --------------------------------------------------------------------------

_CASE_STATUS = {"pass": "passed", "fail": "failed", "skip": "skipped"}


def _case(pkg, name, status, time, failure=None, kind="test", failure_type="", message="", output=""):
    """One per-test result; see :func:`parse_go_test_results`."""
    if failure is not None:
        message, output = failure["message"], failure["output"]
    return {
        "name": name,
        "package": pkg.name,
        "status": status,
        "time": time if time is not None else 0.0,
        "kind": kind,
        "type": failure_type,
        "failed_name": failure["name"] if failure is not None else "",
        "message": message,
        "output": output,
    }


def _plain_case(pkg, name, outcome, failure):
    """Result of a plain ``testing`` test; an unfinished test of a timed-out package is an error."""
    test = pkg.tests[name]
    status = _CASE_STATUS[outcome]
    failure_type = ""
    if outcome == "fail":
        failure_type = "failed"
        if test.status is None:
            failure_type = "timed out" if pkg.timed_out else "did not finish"
            status = "error" if pkg.timed_out else status
    elif outcome == "skip":
        failure_type = "skipped"
        skip_lines = [line for line in _trim_blank(_dedent(
            [line for line in test.output.splitlines() if not _FRAMING_RE.match(line)])) if line.strip()]
        return _case(pkg, name, status, test.elapsed, kind="test", failure_type=failure_type,
                     message=_one_line(skip_lines[0]) if skip_lines else "")
    time = test.elapsed if test.elapsed is not None or test.status is not None else pkg.elapsed
    return _case(pkg, name, status, time, failure, kind="test", failure_type=failure_type)


# Ginkgo v2 spec result headers (default reporter, ANSI removed), the line that opens a spec's block:
#   <U+2022> [0.000 seconds]                     passed (-ginkgo.v)
#   <U+2022> [FAILED] [0.000 seconds]            also PANICKED, TIMEDOUT, INTERRUPTED, ABORTED (+ DURING REPETITION #n)
#   <U+21BA> [FLAKEY TEST - TOOK 3 ATTEMPTS TO PASS] [0.1 seconds]
#   S [SKIPPED] [0.000 seconds]                  Skip() with -ginkgo.v; "S [SKIPPED]" with -ginkgo.vv
#   P [PENDING]
#   [BeforeSuite] [FAILED] [0.000 seconds]       suite nodes; "[BeforeSuite] PASSED [...]" with -ginkgo.v
# A bare denoter ("<U+2022>", "S", "P", "<U+2022><U+2022>S") stands for a spec that is not named.
_GINKGO_RESULT_RE = re.compile(
    u"^(?P<head>[\u2022\u21baSP]|\\[[A-Za-z]+\\])"
    u"(?P<state>(?: PASSED| \\[(?P<label>[A-Z][A-Z ]*?)(?: - TOOK \\d+ ATTEMPTS TO PASS)?\\])?"
    u"(?: DURING REPETITION #\\d+)?)"
    u"(?: \\[(?P<seconds>\\d+(?:\\.\\d+)?) seconds\\])?\\s*$")
_GINKGO_FAILED_STATES = ("FAILED", "PANICKED", "TIMEDOUT", "INTERRUPTED", "ABORTED")
# A code location line of Ginkgo's location block: "/path/x_test.go:17" or "  [BeforeEach] /path/x_test.go:33".
_GINKGO_LOCATION_RE = re.compile(r"^\s*(?:\[[A-Za-z]+(?: \([A-Za-z]+\))?\] )?\S+:\d+\s*$")
_GINKGO_SUITE_NAME_RE = re.compile(r"^Running Suite: (.*?)(?: - /.*)?$")
# Node types Ginkgo writes into a failed spec's text to show where it failed ("Ctx [It] leaf",
# "Ctx [BeforeEach] leaf", "TOP-LEVEL [BeforeEach] Ctx leaf").
_GINKGO_NODE_TYPES = (r"It|BeforeEach|AfterEach|JustBeforeEach|JustAfterEach|BeforeAll|AfterAll|"
                      r"ReportBeforeEach|ReportAfterEach|DeferCleanup(?: \((?:Each|All|Suite)\))?")
_GINKGO_MARKER_RE = re.compile(r"(?:^| )(?:TOP-LEVEL )?\[(?:%s)\](?= |$)" % _GINKGO_NODE_TYPES)
_GINKGO_SUITE_NODE_RE = re.compile(
    r"^\[(?:BeforeSuite|AfterSuite|SynchronizedBeforeSuite|SynchronizedAfterSuite|ReportBeforeSuite|"
    r"ReportAfterSuite|DeferCleanup \(Suite\))\]")
_GINKGO_LABELS_RE = re.compile(r" \[([^\[\]]*)\]$")


def ginkgo_spec_name(text):
    """A Ginkgo spec text without the ``[It]`` / ``[BeforeEach]`` marker of failure reports.

    ``Datastorage audit events [It] panics on a nil map`` ->
    ``Datastorage audit events panics on a nil map`` (the text ``-ginkgo.v``
    prints before a spec runs).  Suite nodes (``[BeforeSuite]``) are kept.
    """
    text = " ".join(text.split())
    if _GINKGO_SUITE_NODE_RE.match(text):
        return text
    return " ".join(_GINKGO_MARKER_RE.sub(" ", text, count=1).split())


def _ginkgo_hierarchy(lines, start):
    """The spec text of the location block at ``lines[start]``, or "".

    Normal and ``-ginkgo.v`` output has one text line (labels at its end)
    followed by a location; ``-ginkgo.vv`` prints one text/location pair per
    container, each indented two more spaces, with each node's labels.
    """
    texts, labels = [], []
    index = start
    while index + 1 < len(lines):
        text, location = lines[index], lines[index + 1]
        indent = len(text) - len(text.lstrip())
        if (not text.strip() or indent != 2 * len(texts) or _GINKGO_LOCATION_RE.match(text)
                or not _GINKGO_LOCATION_RE.match(location)):
            break
        texts.append(text.strip())
        index += 2
    if len(texts) > 1:  # -ginkgo.vv: move every node's labels to the end, as the one-line form has them
        for position, text in enumerate(texts):
            match = _GINKGO_LABELS_RE.search(text)
            while match and not re.match(r"^(?:%s)$" % _GINKGO_NODE_TYPES, match.group(1)):
                labels.extend(label for label in match.group(1).split(", ") if label not in labels)
                text = text[:match.start()]
                match = _GINKGO_LABELS_RE.search(text)
            texts[position] = text
        if labels:
            texts.append("[%s]" % ", ".join(labels))
    return " ".join(" ".join(texts).split())


def _ginkgo_results(text):
    """Spec results Ginkgo named in a suite's output, in order.

    Each is ``{"state", "text", "seconds", "suite_node"}`` with ``state`` one
    of passed, failed, skipped, pending; ``text`` as printed (with the
    failure marker).  Passed specs are only named with ``-ginkgo.v``, skipped
    ones only with ``-ginkgo.v`` and a ``Skip()`` message (or ``-ginkgo.vv``),
    specs filtered out never (before ``-ginkgo.vv``).
    """
    results = []
    segment = []
    for line in text.splitlines() + ["-" * 30]:
        if not (_GINKGO_DELIMITER_RE.match(line) or _GINKGO_SUMMARY_RE.match(line) or _GINKGO_RAN_RE.match(line)):
            segment.append(line)
            continue
        for index, candidate in enumerate(segment):
            match = _GINKGO_RESULT_RE.match(candidate)
            if not match or not (match.group("state") or match.group("seconds")):
                continue
            label = match.group("label") or ""
            state = "passed"
            if label in _GINKGO_FAILED_STATES:
                state = "failed"
            elif label in ("SKIPPED", "PENDING"):
                state = label.lower()
            name = _ginkgo_hierarchy(segment, index + 1) or _ginkgo_hierarchy(segment, 0)
            if name:
                results.append({"state": state, "text": name, "suite_node": match.group("head").startswith("["),
                                "seconds": _as_float(match.group("seconds"))})
            break
        segment = []
    return results


def _ginkgo_suite_title(test):
    match = next((m for m in map(_GINKGO_SUITE_NAME_RE.match, test.output.splitlines()) if m), None)
    return match.group(1).strip() if match and match.group(1).strip() else test.name


def _pair_failures(results, specs):
    """``{index in specs: index in results}`` for the failed results that belong to a failed spec."""
    failed = [i for i, result in enumerate(results) if result["state"] == "failed"]
    pairs = {}
    for index, spec in enumerate(specs):
        key = ginkgo_spec_name(spec)
        found = next((i for i in failed if i not in pairs.values() and ginkgo_spec_name(results[i]["text"]) == key),
                     None)
        if found is not None:
            pairs[index] = found
    left_specs = [i for i in range(len(specs)) if i not in pairs]
    left_results = [i for i in failed if i not in pairs.values()]
    if len(left_specs) == len(left_results):
        pairs.update(zip(left_specs, left_results))
    return pairs


def _ginkgo_cases(pkg, test, report, failures):
    """Exactly ``report``'s passed/failed/skipped numbers of spec results for one Ginkgo suite.

    Failed specs and suite nodes come from ``failures`` (Ginkgo's
    ``Summarizing`` list), named by their spec text without the failure
    marker.  Passed, skipped and pending specs are named when Ginkgo printed
    them (see :func:`_ginkgo_results`); the rest, up to Ginkgo's counts, are
    anonymous: ``<suite> spec #N (name not reported; add -ginkgo.v)``.
    """
    results = _ginkgo_results(test.output)
    specs = [failure["name"][len(pkg.name) + 1:] for failure in failures]
    pairs = _pair_failures(results, specs)
    by_result = dict((result, spec) for spec, result in pairs.items())
    cases, named = [], {"passed": 0, "skipped": 0}
    wanted = {"passed": report["passed"], "skipped": report["skipped"]}

    def failed_case(spec_index, seconds):
        failure = failures[spec_index]
        suite_node = bool(_GINKGO_SUITE_NODE_RE.match(specs[spec_index]))
        return _case(pkg, ginkgo_spec_name(specs[spec_index]), "failed", seconds, failure,
                     kind="suite" if suite_node else "spec", failure_type=_ginkgo_failure_type(failure))

    for index, result in enumerate(results):
        if index in by_result:
            cases.append(failed_case(by_result[index], result["seconds"]))
            continue
        if result["suite_node"] or result["state"] == "failed":
            continue
        bucket = "passed" if result["state"] == "passed" else "skipped"
        if named[bucket] < wanted[bucket]:
            named[bucket] += 1
            cases.append(_case(pkg, ginkgo_spec_name(result["text"]), bucket, result["seconds"], kind="spec",
                               failure_type="" if bucket == "passed" else result["state"]))
    for spec_index in range(len(specs)):
        if spec_index not in pairs:
            cases.append(failed_case(spec_index, None))
    title = _ginkgo_suite_title(test)
    number = 0
    for status, count, note in (("passed", wanted["passed"] - named["passed"], "name not reported; add -ginkgo.v"),
                                ("skipped", wanted["skipped"] - named["skipped"], "skipped; name not reported"),
                                ("failed", report["failed"] - len(specs), "failed; name not reported")):
        for dummy in range(max(0, count)):
            number += 1
            cases.append(_case(pkg, "%s spec #%d (%s)" % (title, number, note), status, None, kind="anonymous",
                               failure_type="" if status == "passed" else status,
                               message="Ginkgo counted this spec but did not print its name"
                               if status == "failed" else ""))
    return cases


def _ginkgo_failure_type(failure):
    """FAILED / PANICKED / TIMEDOUT / ... from a Ginkgo failure's output excerpt."""
    first = failure["output"].split("\n", 1)[0]
    match = _GINKGO_DETAIL_RE.match(first)
    return match.group(1) if match else "FAILED"


# --------------------------------------------------------------------------
# Failure details
# --------------------------------------------------------------------------

# Lines go test / test2json add around a test's own output.
_FRAMING_RE = re.compile(
    r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)\b|--- (?:FAIL|PASS|SKIP):|(?:PASS|FAIL)\s*$|FAIL\t|ok  \t|\?   \t)")
# Separator lines and Ginkgo's progress denoters (U+2022 bullet, ``S``, ``P``).
_NOISE_RE = re.compile(u"^[\\s\\-=~*\u2022]*$|^[\u2022SP]+$")
_PANIC_PREFIX = "panic: "
_GOROUTINE_RE = re.compile(r"^goroutine \d+ \[")
_EXIT_STATUS_RE = re.compile(r"^exit status \d+$")

# Ginkgo v2 failure block (default and -ginkgo.v output, ANSI removed):
#   <U+2022> [FAILED] [0.000 seconds]           ([BeforeSuite] [FAILED] [...] for suite nodes)
#   Datastorage embeddings [It] rejects wrong dimension
#   /path/embeddings_test.go:17
#
#     Timeline >> ... << Timeline              (optional sections)
#
#     [FAILED] Expected                         (the failure message ...)
#         <int>: 3
#     to equal
#         <int>: 384
#     In [It] at: /path/embeddings_test.go:18 @ 11/23/26 21:26:06.807
#                                               (+ panic value, stack, progress report)
#   ------------------------------
_GINKGO_STATES = r"FAILED|PANICKED|TIMEDOUT|INTERRUPTED|ABORTED"
_GINKGO_BLOCK_RE = re.compile(
    r"^(?:\S+ )?\[(?:%s)\](?: DURING REPETITION #\d+)? \[\d+(?:\.\d+)? seconds\]\s*$" % _GINKGO_STATES)
_GINKGO_DETAIL_RE = re.compile(r"^\s*\[(%s)\](?: (.*))?$" % _GINKGO_STATES)
_GINKGO_TIMELINE_MARK_RE = re.compile(r"^in \[[^\]]*\] - ")
_GINKGO_AT_RE = re.compile(r"^\s*In \[[^\]]*\] at: ")
_GINKGO_DELIMITER_RE = re.compile(r"^-{20,}\s*$")
_GINKGO_EXIT_RE = re.compile(r"^\s*< Exit \[")
# First lines of a Gomega message that say nothing on their own.
_GOMEGA_HEADING_RE = re.compile(
    r"^(?:Expected|(?:Timed out|Failed|Told to stop trying) after [0-9.]+\w*\.)$")
_FOCUS_MESSAGE = ("PASS | FOCUSED: specs are focused in code (FIt, FDescribe, FContext, FEntry), "
                  "so Ginkgo exits with code 197")
_PACKAGE_FAILED_MESSAGE = "the test binary failed without a failing test (TestMain, init or os.Exit?)"


def _failure(pkg, name, message="", output=None):
    return {"name": name, "package": pkg.name, "message": message, "output": "\n".join(output or [])}


def _one_line(text):
    """Collapse whitespace; cap at MAX_MESSAGE characters."""
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    return text


def _dedent(lines):
    """Right-trim ``lines`` and remove the leading whitespace they all share."""
    indents = [line[:len(line) - len(line.lstrip())] for line in lines if line.strip()]
    if not indents:
        return ["" for _ in lines]
    common = indents[0]
    for indent in indents[1:]:
        while not indent.startswith(common):
            common = common[:-1]
    return [line[len(common):].rstrip() if line.strip() else "" for line in lines]


def _trim_blank(lines):
    """Drop leading/trailing blank lines and squeeze runs of blank lines."""
    out = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    while out and not out[-1]:
        out.pop()
    return out


def _cap(lines, tail=0):
    """At most MAX_FAILURE_LINES lines: the head, a marker and ``tail`` last lines."""
    if len(lines) <= MAX_FAILURE_LINES:
        return lines
    head = MAX_FAILURE_LINES - 1 - tail
    omitted = len(lines) - head - tail
    return lines[:head] + ["... (%d lines omitted)" % omitted] + (lines[-tail:] if tail else [])


def _meaningful(line):
    return bool(line.strip()) and not _NOISE_RE.match(line) and not _FRAMING_RE.match(line)


def _own_code(line, pkg_name):
    """Whether a stack frame line belongs to the tested package."""
    return line.startswith(pkg_name + ".") or line.startswith(pkg_name + "_test.")


def _trim_panic(lines, pkg_name):
    """The panic header plus the goroutines that run the package's code."""
    header, goroutines, current = [], [], None
    for line in lines:
        if _GOROUTINE_RE.match(line):
            current = [line]
            goroutines.append(current)
        elif current is None:
            header.append(line)
        else:
            current.append(line)
    chosen = [g for g in goroutines if any(_own_code(line, pkg_name) for line in g)] or goroutines[:1]
    out = _trim_blank(header)
    for goroutine in chosen:
        out.extend([""] + _trim_blank(goroutine))
    return out


def _plain_detail(lines, pkg_name):
    """(message, output lines) from a plain test's (or package's) output lines."""
    lines = _trim_blank(_dedent([line for line in lines if not _FRAMING_RE.match(line)]))
    panic_at = next((i for i, line in enumerate(lines) if line.startswith(_PANIC_PREFIX)), None)
    if panic_at is not None:
        context = _dedent([line for line in lines[:panic_at] if _meaningful(line)][-5:])
        return _one_line(lines[panic_at]), _cap(context + _trim_panic(lines[panic_at:], pkg_name))
    candidates = [line for line in lines if _meaningful(line)]
    preferred = [line for line in candidates if not _EXIT_STATUS_RE.match(line.strip())]
    message = (preferred or candidates or [""])[0]
    lines = _trim_blank([line for line in lines if not line.strip() or not _NOISE_RE.match(line)])
    return _one_line(message), _cap(lines, tail=MAX_FAILURE_LINES * 2 // 3)


def _ginkgo_blocks(lines):
    """Ginkgo's failure blocks as ``[(spec text, lines, header index), ...]``.

    ``lines`` are the lines between two ``-----`` delimiters around a
    ``<U+2022> [FAILED] [0.1 seconds]`` header; the spec text is the line after the
    header.  The failure message is usually after the header; with
    ``-ginkgo.vv`` it was streamed before it.
    """
    blocks, segment = [], []
    for line in lines + ["-" * 30]:
        if not (_GINKGO_DELIMITER_RE.match(line) or _GINKGO_SUMMARY_RE.match(line) or _GINKGO_RAN_RE.match(line)):
            segment.append(line)
            continue
        header = next((i for i, text in enumerate(segment) if _GINKGO_BLOCK_RE.match(text)), None)
        if header is not None:
            name = " ".join(segment[header + 1].split()) if header + 1 < len(segment) else ""
            blocks.append((name, segment, header))
        segment = []
    return blocks


def _ginkgo_detail(block, header):
    """(message, output lines) from the lines of one Ginkgo failure block."""
    start, section = None, False
    for index, line in enumerate(block):
        stripped = line.strip()
        if index in (header, header + 1):
            continue
        if section:  # inside "Timeline >> ... << Timeline" and similar
            section = not stripped.startswith("<< ")
            continue
        if stripped.endswith(" >>"):
            section = True
            continue
        match = _GINKGO_DETAIL_RE.match(line)
        if match and not _GINKGO_TIMELINE_MARK_RE.match(match.group(2) or ""):
            start = index
            break
    if start is None:
        return "", []
    end = header if start < header else len(block)
    end = next((i for i in range(start, end) if _GINKGO_EXIT_RE.match(block[i])), end)
    detail = _trim_blank(_dedent(block[start:end]))
    match = _GINKGO_DETAIL_RE.match(detail[0])
    state, message_lines, after = match.group(1), [(match.group(2) or "").strip()], []
    for index in range(1, len(detail)):
        if _GINKGO_AT_RE.match(detail[index]):
            after = detail[index + 1:]
            break
        message_lines.append(detail[index])
    return _ginkgo_message(state, message_lines, after), _cap(detail)


def _ginkgo_message(state, message_lines, after):
    first = message_lines[0]
    if state == "PANICKED":
        value = next((line.strip() for line in after if line.strip()), "")
        if value and value != "Full Stack Trace":
            return _one_line("%s: %s" % (first or "Test Panicked", value))
    if (not first or first.endswith(":") or _GOMEGA_HEADING_RE.match(first)) and len(message_lines) > 1:
        return _one_line(" ".join(_without_struct_dumps(message_lines)))
    return _one_line(first)


def _without_struct_dumps(lines):
    """Drop Gomega's ``{ field: value, }`` dumps (printed after an error's text)."""
    out, closing = [], None
    for line in lines:
        if closing is not None:
            if line.rstrip() in (closing, closing + ","):
                closing = None
            continue
        if line.strip() == "{":
            closing = line.rstrip()[:-1] + "}"
            continue
        out.append(line)
    return out


def _ginkgo_spec_failures(pkg, text, specs):
    """One failure dict per spec text from Ginkgo's ``Summarizing`` list.

    Each spec is matched to the failure block that carries the same spec text;
    if that fails (e.g. ``-ginkgo.vv`` prints the hierarchy on several lines)
    and there are as many blocks as failures, they are matched in order.
    """
    blocks = _ginkgo_blocks(text.splitlines())
    used = set()
    failures = []
    for index, spec in enumerate(specs):
        found = next((i for i, block in enumerate(blocks) if i not in used and block[0] == spec), None)
        if found is None and len(blocks) == len(specs) and index not in used:
            found = index
        message, output = "", []
        if found is not None:
            used.add(found)
            message, output = _ginkgo_detail(blocks[found][1], blocks[found][2])
        failures.append(_failure(pkg, "%s %s" % (pkg.name, spec), message, output))
    return failures


def _test_failure(pkg, test_name):
    """Failure dict of a failed (or unfinished) plain test."""
    text = pkg.tests[test_name].output
    lines = text.splitlines()
    name = "%s.%s" % (pkg.name, test_name)
    if _GINKGO_SUITE_START in text and not any(line.startswith(_PANIC_PREFIX) for line in lines):
        # A Ginkgo suite without an end-of-suite report (cut off): show its first failure block.
        for _, block, header in _ginkgo_blocks(lines):
            message, output = _ginkgo_detail(block, header)
            if message or output:
                return _failure(pkg, name, message, output)
    message, output = _plain_detail(lines, pkg.name)
    return _failure(pkg, name, message, output)


def _package_failure(pkg, reason):
    """Failure dict of a package that failed without a failed test."""
    name = "%s [%s]" % (pkg.name, reason)
    if reason == "programmatic focus":
        lines = "".join(test.output for test in pkg.tests.values()).splitlines()
        end = next((i for i, line in enumerate(lines) if _GINKGO_FOCUS_EXIT in line), len(lines) - 1)
        start = max([i for i, line in enumerate(lines[:end]) if _GINKGO_RAN_RE.match(line)] or [end])
        return _failure(pkg, name, _FOCUS_MESSAGE, _trim_blank(lines[start:end + 1]))
    message, output = _plain_detail(strip_ansi("".join(pkg.chunks)).splitlines(), pkg.name)
    return _failure(pkg, name, message or _PACKAGE_FAILED_MESSAGE, output)


def _package_failure_reason(pkg):
    text = "".join(test.output for test in pkg.tests.values()) + strip_ansi("".join(pkg.chunks))
    if _GINKGO_FOCUS_EXIT in text:
        return "programmatic focus"
    if pkg.timed_out:
        return "timed out"
    return "package failed"


def _as_rc(rc):
    if rc is None or isinstance(rc, bool):
        return None
    try:
        return int(rc)
    except (TypeError, ValueError):
        return None


def summary_state(summary):
    """One-word-ish state of a summary: PASSED, FAILED, BUILD FAILED, NO TESTS, TIMED OUT."""
    if summary.get("build_failed"):
        return "BUILD FAILED"
    if summary.get("timed_out"):
        return "TIMED OUT"
    if summary.get("failed"):
        return "FAILED"
    if not summary.get("total"):
        return "NO TESTS"
    return "PASSED" if summary.get("ok") else "FAILED"


def parse_go_test_json(stdout, rc=None):
    """Summarise the stdout of ``go test -json``.

    :param stdout: the command's stdout (str, bytes, or a list of lines such
        as Ansible's ``stdout_lines``); non-JSON lines are tolerated.
    :param rc: the command's exit code, if known (affects ``ok`` only).
    :returns: dict with ``passed``, ``failed``, ``skipped``, ``total``,
        ``failed_names``, ``failures`` (see "Failure details" above), ``packages``, ``build_failed``, ``build_errors``,
        ``no_tests``, ``timed_out``, ``duration``, ``ok``, ``non_json``, plus
        ``rc`` (int or None) and ``state`` (see :func:`summary_state`).
    """
    return parse_go_test_results(stdout, rc)[0]


def parse_go_test_results(stdout, rc=None):
    """Like :func:`parse_go_test_json`, plus every counted test's result.

    Returns ``(summary, suites)``: ``summary`` is what
    :func:`parse_go_test_json` returns; ``suites`` has one dict per package
    (same order as ``summary["packages"]``) with ``name``, ``started`` and
    ``finished`` (the ``Time`` of its first/last event, or None), ``elapsed``,
    ``status`` (pass/fail/skip/None), ``build_failed``, ``timed_out``,
    ``build_output`` (its compiler lines), ``output`` (its own output outside
    tests, ANSI removed) and ``cases``.

    ``cases`` holds exactly ``passed + failed + skipped`` results of the
    package, each ``{"name", "package", "status", "time", "kind", "type",
    "failed_name", "message", "output"}``: ``status`` is passed, failed,
    skipped or error (an error counts as failed: a test cut off by a go test
    timeout, or the package's ``[timed out]`` entry); ``kind`` is test (plain
    ``testing`` leaf test, named like ``TestX/sub``), spec (Ginkgo spec, named
    by its full text without the ``[It]`` marker), suite (a failed Ginkgo
    suite node such as ``[BeforeSuite]``), anonymous (a Ginkgo spec whose name
    was not printed) or package (``[package failed]``, ``[timed out]``,
    ``[programmatic focus]``); ``failed_name`` is the entry of
    ``failed_names`` a failed result belongs to.
    """
    collector = _collect(stdout)
    packages, failures, suites = [], [], []
    for pkg in collector.packages.values():
        info, pkg_failures, cases = _summarize_package(pkg)
        packages.append(info)
        failures.extend(pkg_failures)
        suites.append({
            "name": pkg.name,
            "started": pkg.started,
            "finished": pkg.finished,
            "elapsed": info["elapsed"],
            "status": pkg.status,
            "build_failed": pkg.build_failed,
            "timed_out": pkg.timed_out,
            "build_output": _package_build_output(collector, pkg) if pkg.build_failed else [],
            "output": strip_ansi("".join(pkg.chunks)),
            "cases": cases,
        })
    failed_names = [failure["name"] for failure in failures]
    passed = sum(p["passed"] for p in packages)
    failed = sum(p["failed"] for p in packages)
    skipped = sum(p["skipped"] for p in packages)
    total = passed + failed + skipped
    build_failed = bool(collector.build_fail_events) or any(p["build_failed"] for p in packages)
    timed_out = any(p["timed_out"] for p in packages)
    rc = _as_rc(rc)
    summary = {
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "total": total,
        "failed_names": failed_names,
        "failures": failures,
        "packages": packages,
        "build_failed": build_failed,
        "build_errors": collector.build_errors[:MAX_BUILD_ERRORS],
        "no_tests": total == 0,
        "timed_out": timed_out,
        "duration": round(sum(p["elapsed"] for p in packages), 3),
        "ok": rc in (0, None) and failed == 0 and not build_failed and total > 0 and not timed_out,
        "non_json": collector.non_json,
        "rc": rc,
    }
    summary["state"] = summary_state(summary)
    return summary, suites


def _package_build_output(collector, pkg):
    """The compiler lines of a package that failed to build."""
    outputs = collector.build_output
    if pkg.failed_build in outputs:
        return outputs[pkg.failed_build]
    for key, lines in outputs.items():
        if key.split(" ")[0] == pkg.name:
            return lines
    return collector.build_errors[:MAX_BUILD_ERRORS]


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def summary_text(summary, title=None, max_names=20, details=False):
    """Render a summary from :func:`parse_go_test_json` as compact ASCII text.

    Each failed name is followed by its one-line ``message`` (from
    ``failures``, cut to 200 characters); with ``details`` also by the
    ``output`` excerpt.  ``max_names`` limits how many failures are shown.

    Example::

        datastorage: FAILED - 9 tests: 2 passed, 4 failed, 3 skipped in 0.21s
          failed:
            - example.com/m/test/integration/datastorage Datastorage [It] ...
                Expected <int>: 3 to equal <int>: 384
    """
    summary = summary or {}
    try:
        max_names = max(0, int(max_names))
    except (TypeError, ValueError):
        max_names = 20
    state = summary.get("state") or summary_state(summary)
    head = "%s: %s - %s: %d passed, %d failed, %d skipped in %.2fs" % (
        title or "go test", state, _plural(summary.get("total", 0), "test"),
        summary.get("passed", 0), summary.get("failed", 0), summary.get("skipped", 0),
        summary.get("duration", 0.0) or 0.0)
    rc = summary.get("rc")
    if rc not in (0, None):
        head += " (exit code %s)" % rc
    lines = [head]
    lines.extend(_failed_block(summary.get("failed_names") or [], summary.get("failures") or [], max_names,
                               details))
    packages = summary.get("packages") or []
    lines.extend(_name_block("timed out", [p["name"] for p in packages if p.get("timed_out")], max_names))
    lines.extend(_name_block("build failed", [p["name"] for p in packages if p.get("build_failed")], max_names))
    lines.extend(_text_block("build errors", summary.get("build_errors") or []))
    if state != "PASSED" and not summary.get("build_errors"):
        lines.extend(_text_block("other output", (summary.get("non_json") or [])[:10]))
    return _ascii("\n".join(lines))


def _ascii(text):
    """``text`` as plain ASCII: tabs become spaces, other characters escapes."""
    text = text.replace("\t", "    ")
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _truncate(text, limit=SUMMARY_MESSAGE_CHARS):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _failed_block(names, failures, max_names, details):
    """The ``failed:`` list, each name followed by its message (and output)."""
    if not names:
        return []
    lines = ["  failed:"]
    for index, name in enumerate(names[:max_names]):
        lines.append("    - %s" % name)
        failure = failures[index] if index < len(failures) else None
        if isinstance(failure, Mapping) and failure.get("name") == name:
            lines.extend(_failure_lines(failure, details))
    if len(names) > max_names:
        lines.append("    ... and %d more" % (len(names) - max_names))
    return lines


def _failure_lines(failure, details):
    message = " ".join(str(failure.get("message") or "").split())
    lines = ["        " + _truncate(message)] if message else []
    if details:
        output = str(failure.get("output") or "").splitlines()[:MAX_FAILURE_LINES]
        lines.extend(("          " + line).rstrip() for line in output)
    return lines


def _name_block(label, names, max_names):
    if not names:
        return []
    lines = ["  %s:" % label]
    lines.extend("    - %s" % name for name in names[:max_names])
    if len(names) > max_names:
        lines.append("    ... and %d more" % (len(names) - max_names))
    return lines


def _text_block(label, text_lines):
    if not text_lines:
        return []
    return ["  %s:" % label] + ["    %s" % line.replace("\t", "    ") for line in text_lines]
