# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""JUnit XML (module_utils/report/junit.py) and per-test results (gotest/parse.py parse_go_test_results).

Every document is built from the real `go test -json` captures in fixtures/gotest/, parsed back with
junitparser, validated against the Ant/Jenkins JUnit schema (fixtures/junit/JUnit.xsd, Apache-2.0, from
windyroad/JUnit-Schema) and compared with parse_go_test_json, the parser behind the printed summary.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
from gotest_captures import ALL_FIXTURES, UNIT, fixture
from junitparser import Error, Failure, JUnitXml, Skipped
from lxml import etree

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import (
    parse_go_test_json,
    parse_go_test_results,
)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.junit import (
    junit_totals,
    junit_xml,
    parse_go_time,
)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.redact import Redactor

XSD = os.path.join(UNIT, "fixtures", "junit", "JUnit.xsd")
DS = "example.com/m/test/integration/datastorage"
SUITE = "example.com/more/suite"


def results(name):
    stdout, rc = fixture(name)
    return parse_go_test_results(stdout, rc)


def document(name, **kwargs):
    """(summary, suites, xml text) of a fixture."""
    summary, suites = results(name)
    return summary, suites, junit_xml(suites, hostname="ci-host", properties=[("service", "svc")], **kwargs)


def parse(xml):
    return JUnitXml.fromstring(xml.encode("utf-8"))


def cases(xml):
    """[(suite name, case name, status, message, text)] of a document."""
    found = []
    for suite in parse(xml):
        for case in suite:
            status, message, text = "passed", None, None
            for result in case.result:
                status = {Failure: "failed", Error: "error", Skipped: "skipped"}[type(result)]
                message, text = result.message, result.text
            found.append((suite.name, case.name, status, message, text))
    return found


def names(xml, status):
    return [name for dummy, name, state, dummy, dummy in cases(xml) if state == status]


@pytest.fixture(scope="module", name="schema")
def schema_fixture():
    return etree.XMLSchema(etree.parse(XSD))


# --------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_totals_match_the_printed_summary_and_the_schema(name, schema):
    summary, suites, xml = document(name)
    xml_doc = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(xml_doc), schema.error_log
    build_failures = sum(1 for package in summary["packages"] if package["build_failed"])
    tests = failures = errors = skipped = 0
    parsed = parse(xml)
    for suite in parsed:
        tests += suite.tests
        failures += suite.failures
        errors += suite.errors
        skipped += suite.skipped
        assert suite.hostname == "ci-host"
        assert suite.timestamp and suite.name
    assert tests == summary["total"] + build_failures
    assert failures + errors - build_failures == summary["failed"]
    assert skipped == summary["skipped"]
    assert junit_totals(suites) == {"tests": tests, "failures": failures, "errors": errors, "skipped": skipped,
                                    "build_errors": build_failures}
    # The attributes agree with the test cases under them.
    found = cases(xml)
    assert len(found) == tests
    assert sum(1 for case in found if case[2] == "skipped") == skipped
    assert sum(1 for case in found if case[2] in ("failed", "error")) == failures + errors


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_one_suite_per_package_with_the_package_counts(name):
    summary, suites, xml = document(name)
    by_name = dict((suite.name, suite) for suite in parse(xml))
    for package in summary["packages"]:
        if package["no_tests"]:
            assert package["name"] not in by_name
            continue
        suite = by_name[package["name"]]
        extra = 1 if package["build_failed"] else 0
        assert suite.tests == package["passed"] + package["failed"] + package["skipped"] + extra
        assert suite.failures + suite.errors == package["failed"] + extra
        assert suite.skipped == package["skipped"]
        assert float(suite.time) == pytest.approx(package["elapsed"], abs=0.001)
    assert [s["name"] for s in suites] == [p["name"] for p in summary["packages"]]


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_failed_name_is_one_failed_test_case_with_its_message(name):
    summary, dummy, xml = document(name)
    failed = [(message, text) for dummy, case, status, message, text in cases(xml)
              if status in ("failed", "error") and case != "build failed"]
    assert len(failed) == summary["failed"]
    # The text starts with the failed name as printed in the summary, then the output excerpt.
    assert sorted(text.splitlines()[0] for dummy, text in failed) == sorted(summary["failed_names"])
    by_name = dict((text.splitlines()[0], (message, text)) for message, text in failed)
    for failure in summary["failures"]:
        message, text = by_name[failure["name"]]
        assert message == failure["message"] or (not failure["message"] and message)
        assert text == failure["name"] + ("\n\n" + failure["output"] if failure["output"] else "")


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_cases_count_exactly_like_parse_go_test_json(name):
    stdout, rc = fixture(name)
    summary, suites = parse_go_test_results(stdout, rc)
    assert summary == parse_go_test_json(stdout, rc)
    statuses = [case["status"] for suite in suites for case in suite["cases"]]
    assert statuses.count("passed") == summary["passed"]
    assert statuses.count("failed") + statuses.count("error") == summary["failed"]
    assert statuses.count("skipped") == summary["skipped"]
    failed_names = [case["failed_name"] for suite in suites for case in suite["cases"] if case["failed_name"]]
    assert sorted(failed_names) == sorted(summary["failed_names"])


# --------------------------------------------------------------------------- plain testing


def test_plain_pass_names_leaf_tests_and_subtests():
    dummy, dummy, xml = document("plain_pass")
    assert [(case[1], case[2]) for case in cases(xml)] == [
        ("TestAdd", "passed"), ("TestTable/zero", "passed"), ("TestTable/positive_numbers", "passed"),
        ("TestTable/negative", "passed"), ("TestNeedsDocker", "skipped")]
    skipped = [case for case in cases(xml) if case[2] == "skipped"][0]
    assert skipped[3] == "calc_test.go:26: docker not available"
    suite = list(parse(xml))[0]
    assert suite.name == "example.com/m/plainpass"
    assert [case.classname for case in suite] == ["example.com/m/plainpass"] * 5


def test_plain_fail_failures_and_parents():
    dummy, dummy, xml = document("plain_fail")
    assert names(xml, "failed") == ["TestBroken", "TestTable/bad_case"]
    assert names(xml, "passed") == ["TestOK", "TestTable/good", "TestTable/nested/deep_ok", "TestPrintsJSONLike"]
    assert names(xml, "skipped") == ["TestTable/nested/deep_skip"]
    failed = dict((case[1], case) for case in cases(xml) if case[2] == "failed")
    assert failed["TestTable/bad_case"][3] == "x_test.go:17: boom"
    assert failed["TestTable/bad_case"][4].splitlines()[0] == "example.com/m/plainfail.TestTable/bad_case"
    assert "x_test.go:12: expected 1, got 2" in failed["TestBroken"][4]


def test_timeout_is_an_error_with_the_panic():
    dummy, dummy, xml = document("timeout")
    found = cases(xml)
    assert [(case[1], case[2]) for case in found] == [
        ("TestQuick", "passed"), ("TestSleepsForever/waiting_for_postgres", "error")]
    error = found[1]
    assert error[3] == "panic: test timed out after 2s"
    assert "slow_test.go:16" in error[4]
    case = list(list(parse(xml))[0])[1]
    assert float(case.time) == pytest.approx(2.007)
    assert case.result[0].type == "timed out"


@pytest.mark.parametrize("name,package,line", [
    ("build_fail", "example.com/m/broken", "broken/broken.go:4:9: undefined: undefinedThing"),
    ("setup_fail", "example.com/m/badimport",
     "badimport/x_test.go:6:2: no required module provides package example.com/m/doesnotexist; to add it:"),
    ("build_fail_text", "example.com/m/broken", "broken/broken.go:4:9: undefined: undefinedThing"),
])
def test_build_failure_is_one_error_case_with_the_compiler_lines(name, package, line):
    dummy, dummy, xml = document(name)
    errors = [case for case in cases(xml) if case[2] == "error"]
    assert [(case[0], case[1]) for case in errors] == [(package, "build failed")]
    assert errors[0][3] == "build failed: " + line
    assert line in errors[0][4]


def test_package_failures_without_a_failed_test():
    dummy, dummy, xml = document("extra_failures")
    failed = dict((case[1], case) for case in cases(xml) if case[2] == "failed")
    assert failed["[package failed]"][0] == "example.com/more/mainexit"
    assert failed["[package failed]"][3] == "cleanup: could not drop schema testinfra_run_42: connection refused"
    dummy, dummy, xml = document("ginkgo_focus")
    assert names(xml, "failed") == ["[programmatic focus]"]
    assert [case[3] for case in cases(xml) if case[2] == "failed"][0].startswith("PASS | FOCUSED")


def test_failed_package_output_goes_to_system_out():
    dummy, dummy, xml = document("extra_failures")
    outs = dict((suite.get("name"), suite.findtext("system-out"))
                for suite in etree.fromstring(xml.encode("utf-8")))
    assert "could not drop schema" in outs["example.com/more/mainexit"]
    dummy, dummy, xml = document("plain_pass")
    assert etree.fromstring(xml.encode("utf-8")).findtext("testsuite/system-out") == ""


# --------------------------------------------------------------------------- Ginkgo

VERBOSE_PASSED = ["Datastorage embeddings stores a 384-dimension vector",
                  "Datastorage audit events validates the event type create"]
DS_FAILED = ["Datastorage embeddings rejects wrong dimension",
             "Datastorage audit events validates the event type bogus",
             "Datastorage audit events panics on a nil map",
             "Datastorage audit events waits for the database"]


def test_ginkgo_verbose_names_every_spec_that_ran():
    dummy, dummy, xml = document("ginkgo_mixed_verbose")
    assert [(case[1], case[2]) for case in cases(xml)] == [
        (VERBOSE_PASSED[0], "passed"),
        (DS_FAILED[0], "failed"),
        ("Datastorage embeddings supports an HNSW index", "skipped"),
        ("Datastorage embeddings uses the pgvector extension", "skipped"),
        (VERBOSE_PASSED[1], "passed"),
        (DS_FAILED[1], "failed"),
        (DS_FAILED[2], "failed"),
        (DS_FAILED[3], "failed"),
        # filtered out by the label filter: Ginkgo never prints its name
        ("Datastorage Suite spec #1 (skipped; name not reported)", "skipped"),
    ]
    skipped = dict((case[1], case[3]) for case in cases(xml) if case[2] == "skipped")
    assert skipped["Datastorage embeddings supports an HNSW index"] == "pending"
    assert skipped["Datastorage embeddings uses the pgvector extension"] == "skipped"
    times = dict((case.name, float(case.time)) for case in list(parse(xml))[0])
    assert times[DS_FAILED[3]] == pytest.approx(0.201)
    assert times[DS_FAILED[1]] == pytest.approx(0.001)


def test_ginkgo_without_verbose_names_failures_and_numbers_the_rest():
    dummy, dummy, xml = document("ginkgo_mixed")
    assert names(xml, "failed") == DS_FAILED
    assert names(xml, "passed") == ["Datastorage Suite spec #1 (name not reported; add -ginkgo.v)",
                                    "Datastorage Suite spec #2 (name not reported; add -ginkgo.v)"]
    assert names(xml, "skipped") == ["Datastorage embeddings supports an HNSW index",
                                     "Datastorage Suite spec #3 (skipped; name not reported)",
                                     "Datastorage Suite spec #4 (skipped; name not reported)"]
    failures = [case for case in cases(xml) if case[2] == "failed"]
    assert [case[3] for case in failures] == [
        "Expected <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] to have length 384",
        "Expected <bool>: false to equal <bool>: true",
        "Test Panicked: assignment to entry in nil map",
        "A node timeout occurred"]
    # The text starts with the name as printed in the summary (with Ginkgo's [It] marker).
    assert failures[1][4].splitlines()[0] == DS + " Datastorage audit events validates the event type [It] bogus"
    types = [case.result[0].type for case in list(parse(xml))[0]
             if case.result and isinstance(case.result[0], Failure)]
    assert types == ["FAILED", "FAILED", "PANICKED", "TIMEDOUT"]


def test_ginkgo_failed_specs_have_the_same_names_with_and_without_verbose():
    assert names(document("ginkgo_mixed")[2], "failed") == names(document("ginkgo_mixed_verbose")[2], "failed")
    default = [case for case in cases(document("extra_failures")[2]) if case[0] == SUITE]
    very_verbose = cases(document("extra_ginkgo_vv")[2])
    assert [case[1] for case in very_verbose] == [case[1] for case in default] == [
        "Audit store stores embeddings [db]",
        "Audit store becomes ready [db]",
        "Audit store opens the pool [db]",
        "Audit store with a migrated schema lists events [db]",
        "[AfterSuite]",
    ]
    assert [case[3] for case in very_verbose][-2:] == [
        'migration 0042 failed: relation "audit" already exists', "cleanup of the test schema"]


def test_ginkgo_pass_without_verbose_is_anonymous_but_counted():
    dummy, dummy, xml = document("ginkgo_pass")
    assert names(xml, "passed") == ["Cache Suite spec #%d (name not reported; add -ginkgo.v)" % n for n in (1, 2, 3)]


@pytest.mark.parametrize("name,suite", [
    ("ginkgo_before_suite", "Setupfail Suite"),
    ("examples_no_database", "DataStorage Integration Suite"),
])
def test_ginkgo_before_suite_failure_and_specs_not_run(name, suite):
    summary, dummy, xml = document(name)
    found = cases(xml)
    assert [(case[1], case[2]) for case in found][0] == ("[BeforeSuite]", "failed")
    assert found[0][3] == summary["failures"][0]["message"]
    skipped = names(xml, "skipped")
    assert skipped == ["%s spec #%d (skipped; name not reported)" % (suite, n)
                       for n in range(1, summary["skipped"] + 1)]


def test_mixed_run_matches_package_by_package():
    summary, suites, xml = document("mixed")
    parsed = dict((suite.name, suite) for suite in parse(xml))
    assert set(parsed) == set(p["name"] for p in summary["packages"] if not p["no_tests"])
    assert parsed["example.com/m/broken"].errors == 1
    assert parsed["example.com/m/badimport"].errors == 1
    assert parsed[DS].failures == 4


# --------------------------------------------------------------------------- XML details, redaction


def test_properties_and_timestamps():
    dummy, dummy, xml = document("ginkgo_pass")
    suite = list(parse(xml))[0]
    assert suite.timestamp == "2026-11-23T21:26:05"
    assert [(p.name, p.value) for p in suite.properties()] == [("service", "svc")]


def test_parse_go_time_converts_offsets_to_utc():
    assert parse_go_time("2026-11-23T21:26:05.564855945Z").strftime("%H:%M:%S") == "21:26:05"
    assert parse_go_time("2026-11-23T21:26:05.5+01:30").strftime("%H:%M:%S") == "19:56:05"
    assert parse_go_time("2026-11-23T00:10:00-02:00").strftime("%Y-%m-%dT%H:%M") == "2026-11-23T02:10"
    assert parse_go_time("yesterday") is None
    assert parse_go_time(None) is None


def _with_output(name, test, text):
    """A fixture with ``text`` added to the output of ``test`` (before its result)."""
    stdout, rc = fixture(name)
    lines = []
    for line in stdout.splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("Test") == test and event.get("Action") == "fail":
            lines.append(json.dumps({"Action": "output", "Package": event["Package"], "Test": test, "Output": text}))
        lines.append(line)
    return parse_go_test_results(lines, rc)


JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkFiYyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp0ZXN0In0.c2lnbmF0dXJl"


def test_redaction_of_secrets_passwords_and_tokens(schema):
    secret = "s3cr&t<Pa55>"
    leak = ("    x_test.go:12: connect redis://:%s@127.0.0.1:6379/0 failed; REDIS_PASSWORD=hunter2 "
            "password: letmein token %s\n" % (secret, JWT))
    summary, suites = _with_output("plain_fail", "TestBroken", leak)
    assert secret in summary["failures"][0]["output"]
    xml = junit_xml(suites, redact=Redactor([secret]), properties=[("run_id", "id-" + secret)])
    assert schema.validate(etree.fromstring(xml.encode("utf-8")))
    for needle in (secret, "s3cr&amp;t", "hunter2", "letmein", JWT, JWT[:30], "c2lnbmF0dXJl"):
        assert needle not in xml
    text = [case[4] for case in cases(xml) if case[1] == "TestBroken"][0]
    assert "redis://:********@127.0.0.1:6379/0" in text
    assert "REDIS_PASSWORD=********" in text
    assert "password: ********" in text
    assert "token ********" in text
    assert list(parse(xml))[0].properties().__next__().value == "id-********"


def test_redaction_in_ginkgo_messages_and_names():
    dummy, dummy, xml = document("extra_failures", redact=Redactor(["kubernaut", "testinfra_run_42"]))
    assert "kubernaut" not in xml and "testinfra_run_42" not in xml
    messages = [case[3] for case in cases(xml) if case[2] == "failed"]
    assert "cleanup: could not drop schema ********: connection refused" in messages


def test_invalid_xml_characters_are_replaced(schema):
    summary, suites = _with_output("plain_fail", "TestBroken", "    x_test.go:12: bell \x07 nul \x00 esc \x1b[31m\n")
    xml = junit_xml(suites)
    assert schema.validate(etree.fromstring(xml.encode("utf-8")))
    text = [case[4] for case in cases(xml) if case[1] == "TestBroken"][0]
    assert "bell \ufffd nul \ufffd" in text


def test_empty_output_is_an_empty_document(schema):
    summary, suites = parse_go_test_results([], None)
    xml = junit_xml(suites)
    assert schema.validate(etree.fromstring(xml.encode("utf-8")))
    assert list(parse(xml)) == [] and summary["state"] == "NO TESTS"
