"""Shared machines: isolated concurrent runs, interrupts at any point, a backend dying mid-suite, secrets."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, add_fixture, leftovers, podman_names, run_playbook

ISOLATE = ["-e", "testinfra_isolate=true"]


def start_playbook(playbook, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"] + os.pathsep + "/usr/local/go/bin")
    return subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                             os.path.join(ROOT, "playbooks", playbook), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


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
    return [json.loads(open(p).read()) for p in sorted(glob.glob(os.path.join(str(fixture_dir), "*.json")))]


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
        assert any(victim_run in n for n in podman_names()), "the interrupted run should have left its container"
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
        assert rc == 0, out
        assert "datastorage-postgres-" + victim_run in out
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
    assert "backend pgvector (container %s) stopped while the tests ran" % name in out, out


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
