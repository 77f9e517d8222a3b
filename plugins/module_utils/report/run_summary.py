# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``summary.json`` document of a test run.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.junit import parse_go_time


def _number(value):
    """Seconds as a float (rounded to ms) when it is a number, else the value unchanged."""
    if isinstance(value, bool):
        return value
    try:
        return round(float(value), 3)
    except (TypeError, ValueError):
        return value


def run_times(suites):
    """(first, last) ``go test`` event time of ``suites`` as ISO 8601 UTC strings, or None."""
    starts = [t for t in (parse_go_time(s.get("started")) for s in suites) if t]
    ends = [t for t in (parse_go_time(s.get("finished")) for s in suites) if t]
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (min(starts).strftime(fmt) if starts else None, max(ends).strftime(fmt) if ends else None)


def build_summary(summary, suites, service="", run_id="", phases=None, backends=None, go_version="",
                  hostname="", logs=None):
    """The ``summary.json`` document (a dict) of one run.

    ``summary``/``suites`` come from ``gotest.parse.parse_go_test_results``;
    ``phases`` is ``{phase: seconds}``, ``backends`` ``{backend: {facts}}``,
    ``logs`` the log files written (relative to the results directory).
    ``started``/``finished`` are the first/last ``go test`` event times;
    ``non_json`` the first lines of output that were not ``go test -json``
    events (``go: ...`` errors, old-style compiler output).
    """
    started, finished = run_times(suites)
    return {
        "service": service or "",
        "run_id": run_id or "",
        "ok": bool(summary.get("ok")),
        "state": summary.get("state"),
        "rc": summary.get("rc"),
        "counts": dict((key, summary.get(key, 0)) for key in ("passed", "failed", "skipped", "total")),
        "failed": list(summary.get("failed_names") or []),
        "failures": [dict((key, failure.get(key, "")) for key in ("name", "package", "message"))
                     for failure in summary.get("failures") or []],
        "packages": [dict(package) for package in summary.get("packages") or []],
        "build_errors": list(summary.get("build_errors") or []),
        "non_json": list(summary.get("non_json") or []),
        "durations": dict((str(k), _number(v)) for k, v in (phases or {}).items()),
        "backends": dict(backends or {}),
        "go_version": go_version or "",
        "hostname": hostname or "",
        "started": started,
        "finished": finished,
        "logs": list(logs or []),
    }
