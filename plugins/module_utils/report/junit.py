# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""JUnit XML from the per-test results of ``gotest.parse.parse_go_test_results``.

Pure standard library, no Ansible imports.

The document follows the Ant/Jenkins JUnit schema (the ``testsuites`` form of
``JUnit.xsd``, which GitHub Actions reporters, GitLab and Jenkins read):

* ``<testsuites>`` holds one ``<testsuite>`` per Go package that has results
  (packages without test files are left out), ``name`` and ``package`` = the
  import path, ``tests``/``failures``/``errors``/``skipped``/``time``,
  ``timestamp`` (UTC, of the package's first ``go test`` event), ``hostname``
  and ``id``; then ``<properties>`` (go_version, service, run_id when known),
  the test cases, ``<system-out>`` (the package's own output when it failed)
  and ``<system-err>``.
* One ``<testcase>`` (``classname`` = import path) per counted test, exactly
  as ``parse_go_test_json`` counts: leaf ``testing`` tests (``TestX/sub``),
  Ginkgo specs (the spec's full text), failed Ginkgo suite nodes
  (``[BeforeSuite]``), package-level failures (``[package failed]``,
  ``[timed out]``, ``[programmatic focus]``).  So ``tests - errors of build
  failures == total``, ``failures + errors (without build failures) ==
  failed`` and ``skipped == skipped`` of the printed summary.
* ``<failure message=... type=...>`` carries the one-line reason; its text is
  the failed name as printed in the summary followed by the output excerpt.
  Tests cut off by a go test timeout and ``[timed out]`` are ``<error>``.
  ``<skipped/>`` marks skipped and pending tests.
* A package that failed to build gets one ``<testcase name="build failed">``
  with an ``<error>`` holding the compiler lines; its tests are unknown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import xml.etree.ElementTree as ET

BUILD_FAILED_CASE = "build failed"
MAX_SYSTEM_OUT_LINES = 100

# Characters XML 1.0 does not allow (Go test output may hold any byte).
_INVALID_XML_RE = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GO_TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def parse_go_time(text):
    """A ``go test -json`` ``Time`` (RFC 3339, nanoseconds) as an aware UTC datetime, or None."""
    match = _GO_TIME_RE.match(text or "") if isinstance(text, str) else None
    if not match:
        return None
    when = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    zone = match.group(2) or "Z"
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        when -= sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return when.replace(tzinfo=_UTC)


class _Utc(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    def dst(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return "UTC"


_UTC = _Utc()


def utc_now():
    return datetime.datetime.now(_UTC).replace(microsecond=0)


def junit_timestamp(when):
    """``2026-11-23T21:26:08`` (UTC, no zone: the schema allows none)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def xml_text(text):
    """``text`` as a string XML 1.0 can hold."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _INVALID_XML_RE.sub(u"\ufffd", text)


def _seconds(value):
    try:
        return "%.3f" % max(0.0, float(value or 0.0))
    except (TypeError, ValueError):
        return "0.000"


def _counts(cases):
    counts = {"failed": 0, "error": 0, "skipped": 0}
    for case in cases:
        if case["status"] in counts:
            counts[case["status"]] += 1
    return counts


def _build_case(suite):
    """The ``build failed`` test case of a package that did not compile."""
    lines = suite.get("build_output") or []
    reason = next((line for line in lines if not line.startswith("#") and line.strip()), "")
    return {
        "name": BUILD_FAILED_CASE,
        "package": suite["name"],
        "status": "error",
        "time": 0.0,
        "kind": "build",
        "type": "build failed",
        "failed_name": "%s [build failed]" % suite["name"],
        "message": ("build failed: " + " ".join(reason.split())) if reason else "build failed",
        "output": "\n".join(lines),
    }


def junit_cases(suite):
    """The test cases written for one package (its ``cases`` plus a ``build failed`` error)."""
    cases = list(suite.get("cases") or [])
    if suite.get("build_failed"):
        cases.append(_build_case(suite))
    return cases


def _case_element(parent, case, clean):
    element = ET.SubElement(parent, "testcase", {
        "name": clean(case["name"]) or "(unnamed)",
        "classname": clean(case["package"]),
        "time": _seconds(case.get("time")),
    })
    status = case["status"]
    if status in ("failed", "error"):
        body = "\n\n".join(part for part in (case.get("failed_name"), case.get("output")) if part)
        detail = ET.SubElement(element, "failure" if status == "failed" else "error", {
            "message": clean(case.get("message")) or clean(case.get("type")) or status,
            "type": clean(case.get("type")) or status,
        })
        detail.text = clean(body)
    elif status == "skipped":
        message = clean(case.get("message")) or clean(case.get("type"))
        ET.SubElement(element, "skipped", {"message": message} if message else {})
    return element


def _system_out(suite):
    """The package's own output (outside tests) when it failed, at most MAX_SYSTEM_OUT_LINES lines."""
    if suite.get("status") != "fail" or suite.get("build_failed"):
        return ""
    lines = [line.rstrip() for line in (suite.get("output") or "").splitlines()]
    if len(lines) > MAX_SYSTEM_OUT_LINES:
        lines = ["... (%d lines omitted)" % (len(lines) - MAX_SYSTEM_OUT_LINES)] + lines[-MAX_SYSTEM_OUT_LINES:]
    return "\n".join(lines)


def junit_xml(suites, hostname="localhost", properties=None, redact=None, now=None):
    """Render ``suites`` (from ``parse_go_test_results``) as a JUnit XML document (str).

    :param hostname: the ``hostname`` attribute of every ``<testsuite>``.
    :param properties: ``[(name, value), ...]`` written into each
        ``<properties>``; empty values are left out.
    :param redact: a callable applied to every string written (names,
        messages, output), e.g. :class:`redact.Redactor`.
    :param now: the datetime used as ``timestamp`` when a package has no
        event times (default: now).
    """
    def clean(text):
        text = xml_text(text)
        return xml_text(redact(text)) if redact is not None else text

    now = now or utc_now()
    root = ET.Element("testsuites")
    index = 0
    for suite in suites:
        cases = junit_cases(suite)
        if not cases:
            continue  # no test files
        counts = _counts(cases)
        started = parse_go_time(suite.get("started")) or now
        name = clean(suite["name"]) or "(unnamed)"
        element = ET.SubElement(root, "testsuite", {
            "name": name,
            "tests": str(len(cases)),
            "failures": str(counts["failed"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["skipped"]),
            "time": _seconds(suite.get("elapsed")),
            "timestamp": junit_timestamp(started),
            "hostname": clean(hostname) or "localhost",
            "id": str(index),
            "package": name,
        })
        index += 1
        props = ET.SubElement(element, "properties")
        for prop_name, value in properties or []:
            if value not in (None, ""):
                ET.SubElement(props, "property", {"name": clean(prop_name), "value": clean(value)})
        for case in cases:
            _case_element(element, case, clean)
        ET.SubElement(element, "system-out").text = clean(_system_out(suite))
        ET.SubElement(element, "system-err").text = ""
    if hasattr(ET, "indent"):
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_totals(suites):
    """``{"tests", "failures", "errors", "skipped", "build_errors"}`` of the document for ``suites``."""
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "build_errors": 0}
    for suite in suites:
        cases = junit_cases(suite)
        counts = _counts(cases)
        totals["tests"] += len(cases)
        totals["failures"] += counts["failed"]
        totals["errors"] += counts["error"]
        totals["skipped"] += counts["skipped"]
        totals["build_errors"] += 1 if suite.get("build_failed") else 0
    return totals
