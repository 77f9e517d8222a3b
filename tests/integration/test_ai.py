"""ai.yml end to end: real Redis in Podman, real go test (plain testing), tags and secrets."""

import re

from conftest import add_fixture, run_playbook


def test_passing_suite_with_password_never_prints_it(clean_host):
    secret = "s3cret-Pa55-never-printed"
    rc, out = run_playbook("ai.yml", "-e", "redis_password=%s" % secret, "-v")
    assert rc == 0, out
    assert re.search(r"ai: PASSED - 12 tests: 12 passed, 0 failed, 0 skipped", out), out
    assert secret not in out


def test_tags_select_a_single_backend(clean_host):
    rc, out = run_playbook("datastorage.yml", "--tags", "redis")
    assert rc == 0, out
    assert "Nothing to run: service datastorage uses pgvector" in out
    assert "Start PostgreSQL" not in out
    rc, out = run_playbook("ai.yml", "--tags", "redis")
    assert rc == 0, out
    assert "ai: PASSED" in out


def test_suite_that_does_not_compile(clean_host, service_copy):
    add_fixture(service_copy, "broken_build_test.go.txt", "test/integration/ai/broken_build_test.go")
    rc, out = run_playbook("ai.yml", "-e", "testinfra_repo_dir=%s" % service_copy)
    assert rc != 0
    assert "ai: BUILD FAILED" in out
    assert "broken_build_test.go" in out


def test_by_collection_name_with_a_relative_repo_dir(clean_host):
    # run_playbook starts in the checkout, so "examples" is relative to where ansible-playbook runs.
    rc, out = run_playbook("kubernaut.testinfra.ai", "--tags", "ai", "-e", "testinfra_repo_dir=examples", "-v")
    assert rc == 0, out
    assert "ai: PASSED" in out
    assert "(cached)" not in out  # -count=1: results never come from Go's test cache


def test_suite_that_exceeds_its_timeout(clean_host, service_copy):
    add_fixture(service_copy, "slow_test.go.txt", "test/integration/ai/slow_test.go")
    rc, out = run_playbook("ai.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", '{"testinfra_service_overrides": {"timeout": "3s"}}')
    assert rc != 0
    assert "ai: TIMED OUT" in out, out
    assert "TestSlowerThanTheTimeout" in out
