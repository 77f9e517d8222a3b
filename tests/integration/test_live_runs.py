"""A shared host: one user's cleanup or second run never ends another's live run, and says who holds what."""

import json
import subprocess
import time

import pytest
from conftest import add_fixture, go_test_running, run_playbook, start_playbook


def start_live_ai_run(service_copy, marker):
    """ai.yml (not isolated: Redis on 127.0.0.1:6379) whose test waits for ``marker``; returns the process once its
    container runs."""
    add_fixture(service_copy, "outlives_reap_test.go.txt", "test/integration/ai/outlives_reap_test.go")
    live = start_playbook("ai.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
                          "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestOutlivesAStaleReap"],
                                            "testinfra_env": {"TESTINFRA_REAPED_MARKER": str(marker)}}))
    deadline = time.time() + 120
    while not go_test_running(live.controller):
        if time.time() > deadline or live.poll() is not None:
            marker.write_text("done")
            pytest.fail("the live run did not reach go test: %s" % live.communicate()[0])
        time.sleep(0.2)
    return live


def container_names():
    return subprocess.run(["podman", "ps", "--format", "{{.Names}}"], capture_output=True, text=True,
                          check=True).stdout.split()


def test_default_cleanup_and_a_second_run_leave_a_live_run_alone(clean_host, service_copy, tmp_path):
    marker = tmp_path / "released"
    live = start_live_ai_run(service_copy, marker)
    try:
        rc, out = run_playbook("cleanup.yml")
        assert rc == 0, out
        assert "Removed 0 container(s)" in out, out
        assert "left running: run " in out and "service ai" in out and "pid %d" % live.pid in out, out
        assert "Live runs are never ended by default" in out, out
        assert "ai-redis" in container_names()

        # the same service again, not isolated: its port is the live run's
        rc, out = run_playbook("ai.yml")
        assert rc != 0, out
        assert "port 127.0.0.1:6379 for redis is held by container ai-redis of run " in out, out
        assert "pid %d), which is still running: run isolated (-e testinfra_isolate=true" % live.pid in out, out
        assert "make cleanup" not in out, out
        assert "ai-redis" in container_names()
    finally:
        marker.write_text("done")
        output = live.communicate(timeout=300)[0]
    assert live.returncode == 0, output
    assert "ai: PASSED - 1 test: 1 passed" in output


def test_forced_cleanup_ends_a_live_run_which_says_so(clean_host, service_copy, tmp_path):
    live = start_live_ai_run(service_copy, tmp_path / "never")
    try:
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup_force=true")
        assert rc != 0 and "goes with -e testinfra_cleanup=all" in out, out  # force alone is refused
        # the run by its id: -e testinfra_cleanup=all with the force would end every live run on the host, and
        # this suite must leave other users' runs alone
        run_id = subprocess.run(["podman", "inspect", "--format", '{{ index .Config.Labels "io.kubernaut.testinfra.run" }}',
                                 "ai-redis"], capture_output=True, text=True, check=True).stdout.strip()
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup_run=" + run_id)
        assert rc == 0 and "Removed 0 container(s)" in out and "left running: run " + run_id in out, out
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup_run=" + run_id, "-e", "testinfra_cleanup_force=true")
        assert rc == 0, out
        assert "Removed 1 container(s) ai-redis" in out, out
        output = live.communicate(timeout=120)[0]
    finally:
        if live.poll() is None:
            live.kill()
            live.communicate()
    assert live.returncode != 0, output
    assert "ai: INTERRUPTED" in output, output
    assert "ai: go test was ended from outside by SIGTERM" in output, output
    assert "backend redis (container ai-redis) stopped or was removed while the tests ran" in output, output


@pytest.mark.parametrize("playbook", ["datastorage.yml", "all.yml"])
def test_a_tag_that_selects_nothing_fails(playbook):
    rc, out = run_playbook(playbook, "--tags", "datastorge")
    assert rc != 0, out
    assert "Unknown tag(s) datastorge: a tag selects a service or a backend" in out, out
    assert ("Use any of ai, datastorage, envtest, envtest_assets, existing, gateway, inprocess, kind, pgvector, "
            "postgres, redis, toolset, valkey.") in out, out
