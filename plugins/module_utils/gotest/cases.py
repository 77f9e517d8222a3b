# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Per-test results: one result per counted test (what ``report/junit.py`` writes as JUnit test cases).

Their number always equals the counts of the summary.  Ginkgo specs are
named from Ginkgo's own output: each spec's block (between ``------``
delimiters) opens with a result header (``<U+2022> [FAILED] [0.1 seconds]``,
``P [PENDING]``, ``S [SKIPPED] [...]``, and with ``-ginkgo.v`` also
``<U+2022> [0.002 seconds]`` for passed specs) next to the spec's location
block (text, then ``file.go:17``; one line per container with
``-ginkgo.vv``).  Without ``-ginkgo.v`` Ginkgo prints passed and
``Skip()``-ped specs only as progress dots, and never names specs filtered
out; those become anonymous results, numbered, up to Ginkgo's
Passed/Skipped counts.  Failed specs come from the ``Summarizing`` list and
are matched to their blocks (for durations); spec names drop the ``[It]`` /
``[BeforeEach]`` marker of failure reports (``ginkgo_spec_name``).

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.failures import (
    FRAMING_RE, GINKGO_DETAIL_RE, dedent, one_line, trim_blank)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.ginkgo import (
    GINKGO_SUITE_NODE_RE, ginkgo_results, ginkgo_spec_name, ginkgo_suite_title)

_CASE_STATUS = {"pass": "passed", "fail": "failed", "skip": "skipped"}


def case(pkg, name, status, time, failure=None, kind="test", failure_type="", message="", output=""):
    """One per-test result; see ``parse_go_test_results``."""
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


def plain_case(pkg, name, outcome, failure):
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
        skip_lines = [line for line in trim_blank(dedent(
            [line for line in test.output.splitlines() if not FRAMING_RE.match(line)])) if line.strip()]
        return case(pkg, name, status, test.elapsed, kind="test", failure_type=failure_type,
                    message=one_line(skip_lines[0]) if skip_lines else "")
    time = test.elapsed if test.elapsed is not None or test.status is not None else pkg.elapsed
    return case(pkg, name, status, time, failure, kind="test", failure_type=failure_type)


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


def ginkgo_cases(pkg, test, report, failures):
    """Exactly ``report``'s passed/failed/skipped numbers of spec results for one Ginkgo suite.

    Failed specs and suite nodes come from ``failures`` (Ginkgo's
    ``Summarizing`` list), named by their spec text without the failure
    marker.  Passed, skipped and pending specs are named when Ginkgo printed
    them (see ``ginkgo_results``); the rest, up to Ginkgo's counts, are
    anonymous: ``<suite> spec #N (name not reported; add -ginkgo.v)``.
    """
    results = ginkgo_results(test.output)
    specs = [failure["name"][len(pkg.name) + 1:] for failure in failures]
    pairs = _pair_failures(results, specs)
    by_result = dict((result, spec) for spec, result in pairs.items())
    cases, named = [], {"passed": 0, "skipped": 0}
    wanted = {"passed": report["passed"], "skipped": report["skipped"]}

    def failed_case(spec_index, seconds):
        failure = failures[spec_index]
        suite_node = bool(GINKGO_SUITE_NODE_RE.match(specs[spec_index]))
        return case(pkg, ginkgo_spec_name(specs[spec_index]), "failed", seconds, failure,
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
            cases.append(case(pkg, ginkgo_spec_name(result["text"]), bucket, result["seconds"], kind="spec",
                              failure_type="" if bucket == "passed" else result["state"]))
    for spec_index in range(len(specs)):
        if spec_index not in pairs:
            cases.append(failed_case(spec_index, None))
    title = ginkgo_suite_title(test)
    number = 0
    for status, count, note in (("passed", wanted["passed"] - named["passed"], "name not reported; add -ginkgo.v"),
                                ("skipped", wanted["skipped"] - named["skipped"], "skipped; name not reported"),
                                ("failed", report["failed"] - len(specs), "failed; name not reported")):
        for dummy in range(max(0, count)):
            number += 1
            cases.append(case(pkg, "%s spec #%d (%s)" % (title, number, note), status, None, kind="anonymous",
                              failure_type="" if status == "passed" else status,
                              message="Ginkgo counted this spec but did not print its name"
                              if status == "failed" else ""))
    return cases


def _ginkgo_failure_type(failure):
    """FAILED / PANICKED / TIMEDOUT / ... from a Ginkgo failure's output excerpt."""
    first = failure["output"].split("\n", 1)[0]
    match = GINKGO_DETAIL_RE.match(first)
    return match.group(1) if match else "FAILED"
