"""all.yml: every service at once as hosts of the in-memory inventory, one table, non-zero if any failed."""

import json
import re

from conftest import add_fixture, run_playbook

ENVTEST = ["-e", "testinfra_cluster=envtest"]


def row(out, service):
    match = re.search(r"- '?%s\s+(\S+(?: \S+)?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)  (.*?)'?$" % service, out, re.M)
    assert match, "no row for %s in:\n%s" % (service, out)
    return match.groups()


def test_one_failing_service_does_not_stop_the_others(clean_host, service_copy):
    add_fixture(service_copy, "fails_test.go.txt", "test/integration/failing/fails_test.go")
    services = {
        "datastorage": {"backends": ["pgvector"], "packages": ["./test/integration/datastorage/..."]},
        "ai": {"backends": ["redis"], "packages": ["./test/integration/ai/..."]},
        "failing": {"backends": ["redis"], "packages": ["./test/integration/failing/..."]},
    }
    rc, out = run_playbook("all.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", json.dumps({"testinfra_services": services}))
    assert rc != 0
    assert row(out, "datastorage")[:2] == ("PASSED", "10")
    assert row(out, "ai")[:2] == ("PASSED", "12")
    assert row(out, "failing")[:4] == ("FAILED", "1", "0", "1")
    assert "services failed: 1 of 3" in out


def test_redis_tag_runs_only_redis_services(clean_host):
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "redis")
    assert rc == 0, out
    assert row(out, "ai")[0] == "PASSED"
    assert row(out, "gateway")[0] == "PASSED" and row(out, "gateway")[5] == "envtest, redis"
    assert row(out, "datastorage")[:2] == ("SKIPPED", "0")
    assert row(out, "toolset")[:2] == ("SKIPPED", "0")
    assert "Start PostgreSQL" not in out
    assert "services failed: 0 of 4" in out
