# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ginkgo CLI's JSON report (``ginkgo --json-report``) as ``go test -json`` events.

The ``runner: ginkgo`` command line is ``python ginkgo_json.py <report> -- ginkgo run ... <packages>``: this file,
run as a script, starts ginkgo, waits for it and then prints the report it wrote as test2json events on stdout, so
that everything after the tests (the summary, JUnit, summary.json, the watch loop's line) reads one format, and
exits with ginkgo's exit code. Each spec is one test named by its full text (containers, leaf, labels), as the
``go test`` runner names Ginkgo specs; skipped and pending specs are skipped tests, failed suite nodes
(``[BeforeSuite]`` ...) failed tests, so the counts are those of ``go test`` on the same suite. The spec's output says
which parallel process ran it. Ginkgo's console output goes to ``<report>.log``; when no report was written (ginkgo
failed before running a suite) it is printed instead, and a suite that did not compile becomes a failed build.

Pure standard library and no imports of the collection: preflight copies this file next to the ginkgo binaries,
where it runs on its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import signal
import subprocess
import sys

FAILED_STATES = ("failed", "panicked", "interrupted", "aborted", "timedout")
SKIPPED_STATES = ("skipped", "pending")
SUITE_NODES = ("BeforeSuite", "AfterSuite", "SynchronizedBeforeSuite", "SynchronizedAfterSuite",
               "ReportBeforeSuite", "ReportAfterSuite", "CleanupAfterSuite")
ZERO_TIME = "0001-01-01T00:00:00Z"
TIMEOUT_MARK = "panic: test timed out after"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # what makes the go test parser call a package timed out


def module_of(directory, cache=None):
    """(module path, module root) of the Go module holding ``directory``, or ("", "")."""
    cache = {} if cache is None else cache
    path = os.path.abspath(directory)
    while True:
        if path in cache:
            return cache[path]
        gomod = os.path.join(path, "go.mod")
        if os.path.isfile(gomod):
            with open(gomod) as handle:
                for line in handle:
                    words = line.split()
                    if len(words) >= 2 and words[0] == "module":
                        cache[path] = (words[1].strip('"'), path)
                        return cache[path]
        parent = os.path.dirname(path)
        if parent == path:
            return "", ""
        path = parent


def import_path(suite_path, cache=None):
    """The import path of the package in ``suite_path`` (its directory), or the directory itself."""
    module, root = module_of(suite_path, cache)
    if not module:
        return suite_path or "?"
    rel = os.path.relpath(os.path.abspath(suite_path), root)
    return module if rel == "." else module + "/" + rel.replace(os.sep, "/")


def spec_name(spec):
    """``Containers leaf [label, ...]``: the text ``-ginkgo.v`` prints for a spec; ``[BeforeSuite]`` for a suite node."""
    node = spec.get("LeafNodeType") or ""
    if node in SUITE_NODES:
        return "[%s]" % node
    texts = [t for t in (spec.get("ContainerHierarchyTexts") or []) + [spec.get("LeafNodeText") or ""] if t]
    labels = []
    for group in (spec.get("ContainerHierarchyLabels") or []) + [spec.get("LeafNodeLabels") or []]:
        labels.extend(label for label in group or [] if label not in labels)
    name = " ".join(" ".join(texts).split())
    return "%s [%s]" % (name, ", ".join(labels)) if labels else name


def _seconds(nanoseconds):
    try:
        return round(float(nanoseconds or 0) / 1e9, 3)
    except (TypeError, ValueError):
        return 0.0


def _time(value, fallback):
    return value if value and value != ZERO_TIME else fallback


def _location(where):
    where = where or {}
    if not where.get("FileName"):
        return ""
    return "%s:%s" % (os.path.basename(where["FileName"]), where.get("LineNumber", 0))


def spec_output(spec, name, state, procs):
    """The spec's output as a go test would frame it: the failure first, then what the spec wrote."""
    lines = ["=== RUN   %s\n" % name]
    failure = spec.get("Failure") or {}
    message = (failure.get("Message") or "").rstrip("\n")
    if state in FAILED_STATES:
        where = _location(failure.get("Location")) or _location(spec.get("LeafNodeLocation"))
        head = "[%s] %s" % (state.upper(), where + ": " if where else "")
        body = message.splitlines() or [state]
        lines.append("    %s%s\n" % (head, body[0]))
        lines.extend("        %s\n" % line for line in body[1:])
        if failure.get("ForwardedPanic"):
            lines.append("        panic: %s\n" % failure["ForwardedPanic"])
    elif state in SKIPPED_STATES:
        lines.append("    %s\n" % (message.splitlines()[0] if message else state))
    for key in ("CapturedStdOutErr", "CapturedGinkgoWriterOutput"):
        text = spec.get(key) or ""
        lines.extend("    %s\n" % line for line in text.rstrip("\n").splitlines())
    process = spec.get("ParallelProcess") or 1
    lines.append("    (ginkgo process %d of %d)\n" % (process, max(procs, process)))
    verb = "FAIL" if state in FAILED_STATES else "SKIP" if state in SKIPPED_STATES else "PASS"
    lines.append("--- %s: %s (%.2fs)\n" % (verb, name, _seconds(spec.get("RunTime"))))
    return lines


def suite_events(suite, procs=1, cache=None):
    """test2json events (dicts) of one suite report."""
    package = import_path(suite.get("SuitePath") or "", cache)
    start = _time(suite.get("StartTime"), None)
    end = _time(suite.get("EndTime"), start)
    events = [dict(Time=start, Action="start", Package=package)]
    reasons = [r for r in suite.get("SpecialSuiteFailureReasons") or [] if r]
    if any("compile" in r.lower() for r in reasons):
        # "Failed to compile x:\n\n# <package> [<package>.test]\n./x_test.go:20:35: undefined: y\n"
        lines = [line for r in reasons for line in r.splitlines()[1:] if line.strip()]
        lines = lines if any(line.startswith("# ") for line in lines) else ["# %s" % package] + lines
        events += [dict(Action="build-output", ImportPath=package + ".test", Output=line.rstrip("\n") + "\n")
                   for line in lines]
        events.append(dict(Action="build-fail", ImportPath=package + ".test"))
        events.append(dict(Time=end, Action="output", Package=package, Output="FAIL\t%s [build failed]\n" % package))
        events.append(dict(Time=end, Action="fail", Package=package, Elapsed=0, FailedBuild=package + ".test"))
        return events
    failed = False
    for spec in suite.get("SpecReports") or []:
        state = spec.get("State") or "passed"
        node = spec.get("LeafNodeType") or ""
        if node != "It" and not (node in SUITE_NODES and state in FAILED_STATES):
            continue  # passing suite nodes and report nodes are not counted, as with go test
        name = spec_name(spec)
        when = _time(spec.get("StartTime"), start)
        events.append(dict(Time=when, Action="run", Package=package, Test=name))
        events += [dict(Time=when, Action="output", Package=package, Test=name, Output=line)
                   for line in spec_output(spec, name, state, procs)]
        action = "fail" if state in FAILED_STATES else "skip" if state in SKIPPED_STATES else "pass"
        failed = failed or action == "fail"
        events.append(dict(Time=_time(spec.get("EndTime"), when), Action=action, Package=package, Test=name,
                           Elapsed=_seconds(spec.get("RunTime"))))
    for reason in reasons:
        text = reason
        if "timeout" in reason.lower():
            text = "%s (ginkgo --timeout): %s" % (TIMEOUT_MARK, reason)
        events.append(dict(Time=end, Action="output", Package=package, Output=text + "\n"))
    ok = bool(suite.get("SuiteSucceeded")) and not failed
    events.append(dict(Time=end, Action="output", Package=package,
                       Output="%s\t%s\t%.3fs\n" % ("ok  " if ok else "FAIL", package, _seconds(suite.get("RunTime")))))
    events.append(dict(Time=end, Action="pass" if ok else "fail", Package=package,
                       Elapsed=_seconds(suite.get("RunTime"))))
    return events


def report_events(reports, procs=1):
    """test2json events of a whole ginkgo JSON report (a list of suite reports)."""
    cache = {}
    events = []
    for suite in reports or []:
        events += suite_events(suite, procs, cache)
    return [dict((k, v) for k, v in event.items() if v is not None) for event in events]


def procs_of(argv):
    for arg in argv:
        for prefix in ("--procs=", "-procs=", "-p="):
            if arg.startswith(prefix) and arg[len(prefix):].isdigit():
                return int(arg[len(prefix):])
    return 1


def run(report, command, out=None):
    """Run ginkgo (``command``), then print ``report`` as events; returns ginkgo's exit code."""
    out = out or sys.stdout
    for stale in (report, report + ".log"):
        if os.path.exists(stale):
            os.unlink(stale)
    os.makedirs(os.path.dirname(os.path.abspath(report)) or ".", exist_ok=True)
    with open(report + ".log", "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        forwarded = set()

        def forward(signum, frame):  # an interrupt or a TERM to this process alone: ginkgo ends its suites itself
            if signum not in forwarded:
                forwarded.add(signum)
                try:
                    child.send_signal(signum)
                except OSError:
                    pass

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        rc = child.wait()
    with open(report + ".log") as log:
        console = log.read().splitlines()
    try:
        with open(report) as handle:
            reports = json.load(handle)
    except (IOError, OSError, ValueError):
        reports = None
    if not reports:  # ginkgo stopped before a suite ran (a bad flag): its words, without colours
        for line in console:
            out.write(ANSI.sub("", line) + "\n")
        out.flush()
        return rc if rc else 1
    for event in report_events(reports, procs_of(command)):
        out.write(json.dumps(event, sort_keys=True) + "\n")
    out.flush()
    return rc if rc >= 0 else 128 - rc


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: ginkgo_json.py REPORT.json -- ginkgo run ... PACKAGES\n")
        return 2
    return run(argv[0], argv[2:])


if __name__ == "__main__":
    sys.exit(main())
