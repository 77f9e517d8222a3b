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

``failures`` holds one dict per entry of ``failed_names`` (same order), see
``failures.py``.  Packages that fail to build have no entry (they have no
failed test either); their compiler output is in ``build_errors``.
:func:`parse_go_test_results` also returns one result per counted test, see
``cases.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.cases import (
    case, ginkgo_cases, plain_case)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.events import (
    MAX_BUILD_ERRORS, collect, plain_results, strip_ansi)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.failures import (
    ginkgo_spec_failures, go_test_failure, package_failure, package_failure_reason)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.ginkgo import ginkgo_reports
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_state


def _summarize_package(pkg):
    """Count one package; returns (package dict, failures, cases).

    ``failures`` is a list of failure dicts (see ``failures.py``), one per
    failed name.  ``cases`` holds one result per counted test or spec (see
    :func:`parse_go_test_results`): exactly ``passed + failed + skipped`` of
    them.
    """
    counts = {"pass": 0, "fail": 0, "skip": 0}
    failures, cases = [], []
    reports = ginkgo_reports(pkg)
    for test_name, report in reports.items():
        if report is not None:
            counts["pass"] += report["passed"]
            counts["fail"] += report["failed"]
            counts["skip"] += report["skipped"]
            test = pkg.tests[test_name]
            spec_failures = ginkgo_spec_failures(pkg, test.output, report["failed_names"])
            failures.extend(spec_failures)
            cases.extend(ginkgo_cases(pkg, test, report, spec_failures))
    for name, outcome in plain_results(pkg):
        if reports.get(name) is None:
            counts[outcome] += 1
            failure = go_test_failure(pkg, name) if outcome == "fail" else None
            if failure is not None:
                failures.append(failure)
            cases.append(plain_case(pkg, name, outcome, failure))

    if pkg.status == "fail" and not counts["fail"] and not pkg.build_failed:
        counts["fail"] += 1
        reason = package_failure_reason(pkg)
        failure = package_failure(pkg, reason)
        failures.append(failure)
        cases.append(case(pkg, "[%s]" % reason, "error" if reason == "timed out" else "failed",
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


def _as_rc(rc):
    if rc is None or isinstance(rc, bool):
        return None
    try:
        return int(rc)
    except (TypeError, ValueError):
        return None


def parse_go_test_json(stdout, rc=None):
    """Summarise the stdout of ``go test -json``.

    :param stdout: the command's stdout (str, bytes, or a list of lines such
        as Ansible's ``stdout_lines``); non-JSON lines are tolerated.
    :param rc: the command's exit code, if known (affects ``ok`` only).
    :returns: dict with ``passed``, ``failed``, ``skipped``, ``total``,
        ``failed_names``, ``failures`` (see ``failures.py``), ``packages``, ``build_failed``, ``build_errors``,
        ``no_tests``, ``timed_out``, ``duration``, ``ok``, ``non_json``, plus
        ``rc`` (int or None) and ``state`` (see ``summary_state``).
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
    collector = collect(stdout)
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
            "build_output": collector.package_build_output(pkg) if pkg.build_failed else [],
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
