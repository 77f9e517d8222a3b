"""Result files for CI: JUnit XML (read back with junitparser) and summary.json; logs only on failure; no secrets."""

import json
import os

from junitparser import Failure, JUnitXml, Skipped

from conftest import add_fixture, run_playbook


def read(artifacts):
    xml = JUnitXml.fromfile(str(artifacts / "junit.xml"))
    cases = [case for suite in xml for case in suite]
    with open(str(artifacts / "summary.json")) as handle:
        return cases, json.load(handle)


def outcome(case):
    kinds = {type(r) for r in case.result}
    return "failed" if Failure in kinds else "skipped" if Skipped in kinds else "passed"


def test_passing_run_writes_junit_and_summary_without_logs(clean_host, tmp_path):
    artifacts = tmp_path / "results"
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_artifacts_dir=%s" % artifacts)
    assert rc == 0, out
    assert "results: " in out and "junit.xml" in out
    cases, summary = read(artifacts)
    assert len(cases) == 10 and all(outcome(c) == "passed" for c in cases)
    assert any("HNSW" in c.name for c in cases)  # every Ginkgo spec by its own name (-ginkgo.v)
    assert summary["service"] == "datastorage" and summary["ok"] is True
    assert summary["counts"] == {"passed": 10, "failed": 0, "skipped": 0, "total": 10}
    assert set(summary["durations"]) == {"provision", "ready", "test"}
    assert summary["backends"]["pgvector"]["extension_version"].startswith("0.")
    assert not os.path.exists(str(artifacts / "logs"))


def test_failing_run_writes_failures_and_logs_but_no_password(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "failing_spec_test.go.txt", "test/integration/datastorage/failing_spec_test.go")
    artifacts = tmp_path / "results"
    secret = "Xq7-never-in-results-9f"
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_repo_dir=%s" % service_copy, "-v",
                           "-e", "pgvector_password=%s" % secret, "-e", "testinfra_artifacts_dir=%s" % artifacts)
    assert rc != 0
    cases, summary = read(artifacts)
    failed = [c for c in cases if outcome(c) == "failed"]
    assert [c.name for c in failed] == ["Deliberate failure compares embedding dimensions wrongly"]
    assert "embedding dimension mismatch" in failed[0].result[0].message
    assert len([c for c in cases if outcome(c) == "skipped"]) == 1
    assert summary["counts"] == {"passed": 10, "failed": 1, "skipped": 1, "total": 12}
    assert summary["failed"] == [summary["failures"][0]["name"]]
    log = (artifacts / "logs" / "pgvector.log").read_text()
    assert "database system is ready to accept connections" in log
    written = "".join(p.read_text() for p in artifacts.rglob("*") if p.is_file())
    assert secret not in written and secret not in out
