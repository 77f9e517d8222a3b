"""Keep mode: backends stay up for the next run, which reuses them when healthy and recreates them when not."""

import json
import os
import subprocess

from conftest import (STATE_BASE, cleanup_runs, control_plane_processes, leftovers, podman_names, removed_containers,
                      run_playbook, session_run_ids)

KEEP = ["-e", "testinfra_keep=true"]
START_PG = "Start PostgreSQL + pgvector in its container"


def container_id(name):
    proc = subprocess.run(["podman", "container", "inspect", "--format", "{{.Id}} {{.State.Running}}", name],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_kept_postgres_is_reused_then_recreated_when_dead(clean_host):
    rc, out = run_playbook("datastorage.yml", *KEEP)
    assert rc == 0, out
    assert START_PG in out
    assert "kept for the next run (testinfra_keep): datastorage-postgres; reused: none" in out
    first = container_id("datastorage-postgres")
    assert first and first.endswith("true")

    rc, out = run_playbook("datastorage.yml", *KEEP)
    assert rc == 0, out
    assert "datastorage: PASSED - 10 tests" in out
    assert START_PG not in out  # not re-provisioned
    assert "reused: pgvector" in out
    assert container_id("datastorage-postgres") == first

    subprocess.run(["podman", "kill", "datastorage-postgres"], check=True, capture_output=True)
    rc, out = run_playbook("datastorage.yml", *KEEP)
    assert rc == 0, out
    assert START_PG in out and "reused: none" in out
    third = container_id("datastorage-postgres")
    assert third and third != first

    # A cleanup of the kept backend's run ends it (on a shared host, not a cleanup of everything of ours)
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert "Removed 1 container(s) datastorage-postgres" in out
    assert leftovers() == []


def test_a_run_without_keep_replaces_and_removes_kept_backends(clean_host):
    rc, out = run_playbook("ai.yml", *KEEP, "-e", "testinfra_isolate=true")
    assert rc == 0, out
    assert [c for c in leftovers() if c.startswith("ai-redis-")], "kept, with a per-user name when isolated"
    rc, out = run_playbook("ai.yml", *KEEP, "-e", "testinfra_isolate=true")
    assert rc == 0, out
    assert "reused: redis" in out
    kept = [c for c in podman_names() if c.startswith("ai-redis-")]
    rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
    assert rc == 0, out
    # kept backends are not stale while they have not expired (stale runs of others on the host may go)
    assert "Removed " in out and not set(kept) & set(removed_containers(out)), out
    assert [c for c in podman_names() if c.startswith("ai-redis-")] == kept
    rc, out = run_playbook("ai.yml")
    assert rc == 0, out
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert leftovers() == []


def test_kept_envtest_control_plane_is_reused(clean_host):
    rc, out = run_playbook("toolset.yml", "-e", "testinfra_cluster=envtest", *KEEP)
    assert rc == 0, out
    state = os.path.join(STATE_BASE, "keep-toolset", "envtest", "state.json")
    pids = [p["pid"] for p in json.load(open(state))["processes"]]
    rc, out = run_playbook("toolset.yml", "-e", "testinfra_cluster=envtest", *KEEP)
    assert rc == 0, out
    assert "envtest: kept control plane reused" in out
    assert [p["pid"] for p in json.load(open(state))["processes"]] == pids
    assert len(control_plane_processes()) == 2
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert "1 run state dir(s) keep-toolset" in out
    assert leftovers() == []
