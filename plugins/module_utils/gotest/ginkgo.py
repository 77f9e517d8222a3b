# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ginkgo v2's text output inside a ``go test`` test: the end-of-suite report and the spec results.

A Ginkgo suite run through ``go test`` is one Go test that calls
``RunSpecs``.  :func:`parse_ginkgo_report` reads Ginkgo's own numbers from
the report at the end of its output; :func:`ginkgo_results` the specs it
named on the way (each spec's block, between ``------`` delimiters, opens
with a result header next to the spec's location block).  Spec names drop
the ``[It]`` / ``[BeforeEach]`` marker of failure reports
(:func:`ginkgo_spec_name`), so a spec has the same name whether it passed or
failed, with or without ``-ginkgo.v``.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.events import as_float

# Ginkgo v2 end-of-suite report (after stripping ANSI colours):
#   Summarizing 4 Failures:            / Summarizing 1 Failure:
#     [FAIL] Datastorage embeddings [It] rejects wrong dimension
#     /path/to/file_test.go:18
#     [PANICKED!] ... / [TIMEDOUT] ... / [INTERRUPTED] ... / [ABORTED] ...
#   Ran 6 of 9 Specs in 0.203 seconds
#   FAIL! -- 2 Passed | 4 Failed | 1 Pending | 2 Skipped
#   SUCCESS! -- 3 Passed | 0 Failed | 1 Flaked | 0 Pending | 0 Skipped
#   FAIL! -- A BeforeSuite node failed so all tests were skipped.
GINKGO_SUITE_START = "Running Suite: "
GINKGO_FOCUS_EXIT = "PASS | FOCUSED"
GINKGO_SUMMARY_RE = re.compile(r"^Summarizing \d+ Failures?:\s*$")
_GINKGO_FAILURE_RE = re.compile(
    r"^\s+\[(?:FAIL|PANICKED!?|TIMEDOUT|INTERRUPTED|ABORTED)\]\s(.*)$")
GINKGO_RAN_RE = re.compile(r"^Ran (\d+) of (\d+) Specs? in ")
_GINKGO_STATUS_RE = re.compile(r"^(SUCCESS!|FAIL!)")
_GINKGO_COUNTS_LINE_RE = re.compile(r"\d+ Passed \| \d+ Failed")
_GINKGO_COUNT_RE = re.compile(r"(\d+) (Passed|Failed|Flaked|Repeated|Pending|Skipped)\b")
GINKGO_DELIMITER_RE = re.compile(r"^-{20,}\s*$")


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
        if GINKGO_RAN_RE.match(line):
            ran_at = index
    if ran_at is None:
        return None
    match = GINKGO_RAN_RE.match(lines[ran_at])
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
        if GINKGO_SUMMARY_RE.match(line):
            names, in_block = [], True
            continue
        if not in_block:
            continue
        match = _GINKGO_FAILURE_RE.match(line)
        if match:
            names.append(" ".join(match.group(1).split()))
        elif GINKGO_RAN_RE.match(line):
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


def ginkgo_reports(pkg):
    """``{test name: report or None}`` for the tests that ran a Ginkgo suite."""
    reports = {}
    for name, test in pkg.tests.items():
        text = test.output
        if GINKGO_SUITE_START in text:
            reports[name] = parse_ginkgo_report(text)
    return reports


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
GINKGO_SUITE_NODE_RE = re.compile(
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
    if GINKGO_SUITE_NODE_RE.match(text):
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


def ginkgo_results(text):
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
        if not (GINKGO_DELIMITER_RE.match(line) or GINKGO_SUMMARY_RE.match(line) or GINKGO_RAN_RE.match(line)):
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
                                "seconds": as_float(match.group("seconds"))})
            break
        segment = []
    return results


def ginkgo_suite_title(test):
    match = next((m for m in map(_GINKGO_SUITE_NAME_RE.match, test.output.splitlines()) if m), None)
    return match.group(1).strip() if match and match.group(1).strip() else test.name
