# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``go test -json`` (test2json) event stream: its packages, their tests and subtests.

:func:`collect` decodes stdout (non-JSON lines are kept aside, compiler
output of failed builds too) into packages and tests; :func:`plain_results`
picks the tests that count (leaf tests; a parent only when it failed on its
own).  Knows nothing about Ginkgo or about counting.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

MAX_BUILD_ERRORS = 40
MAX_NON_JSON = 40

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TIMEOUT_MARK = "panic: test timed out after"
_BUILD_FAILED_RE = re.compile(r"\[(?:build|setup) failed\]")
_GO_ERROR_LINE_RE = re.compile(r"^\S+\.go:\d+(?::\d+)?: ")


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
                test.elapsed = as_float(event.get("Elapsed"))
                return
            pkg.status = action
            pkg.elapsed = as_float(event.get("Elapsed"))
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

    def package_build_output(self, pkg):
        """The compiler lines of a package that failed to build."""
        outputs = self.build_output
        if pkg.failed_build in outputs:
            return outputs[pkg.failed_build]
        for key, lines in outputs.items():
            if key.split(" ")[0] == pkg.name:
                return lines
        return self.build_errors[:MAX_BUILD_ERRORS]


def as_float(value):
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


def collect(stdout):
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


def _ancestors(name):
    """``a/b/c`` -> [``a``, ``a/b``]."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _outcome(test, pkg):
    """Final result of a test; unfinished tests fail unless the package passed."""
    if test.status in ("pass", "fail", "skip"):
        return test.status
    return "pass" if pkg.status == "pass" else "fail"


def plain_results(pkg):
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
