"""datastorage.yml end to end: real PostgreSQL + pgvector in Podman, real go test (Ginkgo v2)."""

import os
import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as test_binaries
from conftest import EXAMPLES, STATE_BASE, add_fixture, podman_names, run_playbook, run_state_dirs


def test_passing_suite_exits_0_with_per_spec_summary(clean_host):
    rc, out = run_playbook("datastorage.yml")
    assert rc == 0, out
    # The example's Ginkgo suite has 10 specs: counted per spec, not as one Go test.
    assert re.search(r"datastorage: PASSED - 10 tests: 10 passed, 0 failed, 0 skipped", out), out
    assert "datastorage-postgres" not in podman_names()


def test_failing_suite_names_failures_and_cleans_up(clean_host, service_copy):
    add_fixture(service_copy, "failing_spec_test.go.txt", "test/integration/datastorage/failing_spec_test.go")
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_repo_dir=%s" % service_copy)
    assert rc != 0, out
    assert re.search(r"datastorage: FAILED - 12 tests: 10 passed, 1 failed, 1 skipped", out), out
    assert "Deliberate failure [It] compares embedding dimensions wrongly" in out
    assert "embedding dimension mismatch" in out  # the reason, not just the name
    assert "go test did not pass (exit 1)" in out


def test_run_schema_and_schema_file(clean_host, service_copy):
    (service_copy / "schema.sql").write_text("CREATE TABLE remediation_audit (id bigserial PRIMARY KEY);\n")
    overrides = '{"testinfra_service_overrides": {"schema_file": "schema.sql", "run_schema_prefix": "contextapi_test"}}'
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_repo_dir=%s" % service_copy, "-e", overrides, "-v")
    assert rc == 0, out
    assert re.search(r'schema: contextapi_test_\d{14}', out), out


def test_minimum_extension_version_not_met(clean_host):
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_min_extension_version=99.0")
    assert rc != 0
    assert "older than the minimum 99.0" in out
    assert "Provisioning for datastorage failed; nothing was left running." in out


def test_missing_image_is_one_clear_error(clean_host):
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_image=localhost/kubernaut/does-not-exist:1")
    assert rc != 0
    assert "Image localhost/kubernaut/does-not-exist:1 is not available" in out
    assert "pgvector_image_source=local" in out


def test_port_in_use_fails_before_provisioning(clean_host, busy_port):
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_port=%d" % busy_port)
    assert rc != 0
    assert "port 127.0.0.1:%d for pgvector is in use by another program (not a kubernaut.testinfra run)" % busy_port in out
    assert "-e testinfra_isolate=true" in out and "-e pgvector_port=<port>" in out
    assert "make cleanup" not in out  # a cleanup does not free a port another program holds


def test_port_taken_at_start_names_the_fix_and_leaves_nothing(clean_host, busy_port):
    # Keep mode skips the start-of-run port check: Podman itself meets the taken port here.
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_port=%d" % busy_port, "-e", "testinfra_keep=true")
    assert rc != 0
    assert "Container datastorage-postgres (localhost/kubernaut/pgvector:pg17-trixie) did not start" in out, out
    assert "port %d is taken by another process" % busy_port in out and "-e pgvector_port=<port>" in out
    assert "datastorage-postgres" not in podman_names()


def test_runs_the_same_with_and_without_in_process_modules(clean_host):
    # Default: the collection's modules run inside the worker (no AnsiballZ payload of theirs is executed).
    # TESTINFRA_IN_PROCESS=0: every one runs as a module, as it would on a remote host; same result.
    for setting, as_module in (("1", False), ("0", True)):
        rc, out = run_playbook("datastorage.yml", "-vvv", env={"TESTINFRA_IN_PROCESS": setting})
        assert rc == 0, out
        assert re.search(r"datastorage: PASSED - 10 tests: 10 passed, 0 failed, 0 skipped", out), out
        for module in ("preflight", "backend_container", "pgvector_ready", "result_files", "reap"):
            assert ("AnsiballZ_%s.py" % module in out) is as_module, (setting, module)
        # go test: a raw command line from the repository, no module payload (the command module's ~0.4 s)
        assert "AnsiballZ_command.py" not in out
        assert re.search(r"EXEC cd \S+ && exec /bin/sh -c .*testinfra-env \S+/test\.env /usr/bin/timeout", out), out


def test_test_binaries_outlive_the_run_and_are_not_linked_again(clean_host):
    rc, out = run_playbook("datastorage.yml")
    assert rc == 0, out
    cached = os.path.join(test_binaries.cache_dir(STATE_BASE, "datastorage", EXAMPLES), "datastorage.test")
    inode = os.stat(cached).st_ino
    rc, out = run_playbook("datastorage.yml", "-v")
    assert rc == 0, out
    assert re.search(r"^\s*- -o\n\s*- /\S+/bin/\n", out, re.M), out  # go test -o <run dir>/bin/
    # go test found the binary seeded from the cache current: no new link, so the cache keeps its file
    assert os.stat(cached).st_ino == inode
    assert run_state_dirs() == []  # the run's directory (and its bin/) is gone
    rc, out = run_playbook("datastorage.yml", "-v", "-e", "testinfra_go_test_cache_binaries=false")
    assert rc == 0, out
    assert not re.search(r"^\s*- -o$", out, re.M)
