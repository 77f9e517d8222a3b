"""Shared machines: isolated concurrent runs, interrupts at any point, a backend dying mid-suite, secrets."""

import glob
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import add_fixture, leftovers, podman_names, run_playbook, run_state_dirs, start_playbook

ISOLATE = ["-e", "testinfra_isolate=true"]


def wait_for(predicate, procs, timeout=240):
    deadline = time.time() + timeout
    while not predicate():
        for proc in procs:
            assert proc.poll() is None, proc.communicate()[0]
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)


def fixture_args(repo, fixture_dir):
    return ["-e", "testinfra_repo_dir=%s" % repo,
            "-e", json.dumps({"testinfra_service_overrides": {"packages": ["./test/integration/isolation/..."]},
                              "testinfra_env": {"TESTINFRA_FIXTURE_DIR": str(fixture_dir)}})]


@pytest.fixture
def waiting_repo(service_copy):
    add_fixture(service_copy, "waits_for_marker_test.go.txt", "test/integration/isolation/waits_test.go")
    return service_copy


def records(fixture_dir):
    """The records the fixture suites wrote; one still being written (empty or partial) is not one yet."""
    out = []
    for path in sorted(glob.glob(os.path.join(str(fixture_dir), "*.json"))):
        try:
            with open(path) as handle:
                out.append(json.loads(handle.read()))
        except ValueError:
            continue
    return out


def test_four_isolated_runs_at_once(clean_host, waiting_repo, tmp_path):
    runs = [start_playbook("datastorage.yml", *ISOLATE, *fixture_args(waiting_repo, tmp_path)) for _ in range(4)]
    try:
        wait_for(lambda: len(records(tmp_path)) == 4, runs)  # all four are inside go test at the same time
        seen = [n for n in podman_names() if n.startswith("datastorage-postgres-")]
        (tmp_path / "go").write_text("")
        outputs = [run.communicate(timeout=300)[0] for run in runs]
    finally:
        (tmp_path / "go").write_text("")
        for run in runs:
            if run.poll() is None:
                run.kill()
    for run, out in zip(runs, outputs):
        assert run.returncode == 0, out
        assert "datastorage: PASSED - 1 test: 1 passed" in out
    got = records(tmp_path)
    assert len(set(seen)) == 4
    assert len({r["run"] for r in got}) == 4
    assert len({r["port"] for r in got}) == 4 and "5432" not in {r["port"] for r in got}
    assert len({r["password"] for r in got}) == 4 and "postgres" not in {r["password"] for r in got}
    for record, out in ((r, o) for r in got for o in outputs):
        assert record["password"] not in out
    assert all("@127.0.0.1:" in r["url"] for r in got)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_interrupted_run_leaves_nothing_after_cleanup(clean_host, waiting_repo, tmp_path, sig):
    victim_dir, bystander_dir = tmp_path / "victim", tmp_path / "bystander"
    victim_dir.mkdir()
    bystander_dir.mkdir()
    bystander = start_playbook("datastorage.yml", *ISOLATE, *fixture_args(waiting_repo, bystander_dir))
    victim = start_playbook("datastorage.yml", *ISOLATE, *fixture_args(waiting_repo, victim_dir))
    try:
        wait_for(lambda: records(victim_dir) and records(bystander_dir), [victim, bystander])
        victim_run = records(victim_dir)[0]["run"]
        victim.send_signal(sig)
        victim.communicate(timeout=60)
        assert victim_run in run_state_dirs(), "the interrupted run should have left its run directory"
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
        assert rc == 0, out
        # Its run directory: found stale and removed by this reap (no other user's reap looks into this session's
        # state base). Its container is gone too: removed by this reap, or on a shared host perhaps first by the
        # start-of-run stale reap of another user's run, which would make "Removed ... <container>" flaky here.
        assert re.search(r"run state dir\(s\) .*%s" % victim_run, " ".join(out.split())), out
        assert victim_run not in run_state_dirs()
        assert not any(victim_run in n for n in podman_names())
        assert not test_processes_of(victim_run)
        assert bystander.poll() is None, "the unrelated run must go on"
        (bystander_dir / "go").write_text("")
        out = bystander.communicate(timeout=300)[0]
        assert bystander.returncode == 0, out
        assert "datastorage: PASSED" in out
    finally:
        for d in (victim_dir, bystander_dir):
            (d / "go").write_text("")
        for proc in (victim, bystander):
            if proc.poll() is None:
                proc.kill()
    assert leftovers() == []


def test_pg_stopped_mid_suite_names_the_backend(clean_host, waiting_repo, tmp_path):
    run = start_playbook("datastorage.yml", *ISOLATE, *fixture_args(waiting_repo, tmp_path))
    try:
        wait_for(lambda: records(tmp_path), [run])
        name = "datastorage-postgres-" + records(tmp_path)[0]["run"]
        subprocess.run(["podman", "stop", "-t", "1", name], check=True, capture_output=True)
        (tmp_path / "go").write_text("")
        out = run.communicate(timeout=300)[0]
    finally:
        (tmp_path / "go").write_text("")
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0
    assert "datastorage: FAILED" in out
    assert "backend pgvector (container %s) stopped or was removed while the tests ran" % name in out, out


def test_secrets_never_printed(clean_host, waiting_repo, tmp_path):
    (tmp_path / "go").write_text("")
    outputs = []
    for verbosity in ([], ["-v"], ["-vv"]):
        rc, out = run_playbook("datastorage.yml", *ISOLATE, *fixture_args(waiting_repo, tmp_path), *verbosity)
        assert rc == 0, out
        outputs.append(out)
    passwords = {r["password"] for r in records(tmp_path)}
    assert len(passwords) == 3
    for password in passwords:
        for out in outputs:
            assert password not in out


def test_processes_of(run_id):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/environ" % pid, "rb") as handle:
                if ("TESTINFRA_RUN_ID=" + run_id).encode() in handle.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


test_processes_of.__test__ = False
