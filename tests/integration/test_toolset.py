"""toolset.yml end to end on the envtest backend: a real etcd and kube-apiserver, real client-go tests."""

import json
import os
import re
import subprocess
import sys

from conftest import (ROOT, add_fixture, control_plane_processes, kill_toolset_run_during_go_test, leftovers,
                      playbook_env, run_playbook, run_state_dirs)

ENVTEST = ["-e", "testinfra_cluster=envtest"]


def test_toolset_passes_on_envtest(clean_host):
    rc, out = run_playbook("toolset.yml", *ENVTEST)
    assert rc == 0, out
    assert re.search(r"toolset: PASSED - \d+ tests: (\d+) passed, 0 failed", out), out
    assert "Start etcd and kube-apiserver" in out


def test_envtest_tag_picks_the_backend(clean_host):
    rc, out = run_playbook("toolset.yml", "--tags", "envtest")
    assert rc == 0, out
    assert "toolset: PASSED" in out
    assert "Kind cluster" not in out and "kind create" not in out


def test_tags_without_a_cluster_backend_run_nothing(clean_host):
    rc, out = run_playbook("toolset.yml", "--tags", "redis")
    assert rc == 0, out
    assert "Nothing to run: service toolset uses kind" in out
    rc, out = run_playbook("datastorage.yml", "--tags", "envtest")
    assert rc == 0, out
    assert "Nothing to run: service datastorage uses pgvector" in out


def test_any_service_can_add_a_cluster(clean_host, service_copy):
    add_fixture(service_copy, "postgres_and_cluster_test.go.txt", "test/integration/mixed/mixed_test.go")
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_repo_dir=%s" % service_copy, *ENVTEST,
                           "-e", json.dumps({"testinfra_extra_backends": ["cluster"],
                                             "testinfra_service_overrides": {"packages": ["./test/integration/mixed/..."]}}))
    assert rc == 0, out
    assert "datastorage: PASSED - 1 test: 1 passed" in out


def test_existing_cluster_is_used_and_left_running(clean_host, tmp_path):
    state = tmp_path / "existing-cluster"
    rc, out = adhoc_control_plane("state_dir=%s" % state)
    assert rc == 0, out
    try:
        rc, out = run_playbook("toolset.yml", "-e", "testinfra_cluster=existing",
                               "-e", "testinfra_kubeconfig=%s" % (state / "kubeconfig"))
        assert rc == 0, out
        assert "toolset: PASSED" in out
        assert "Start etcd and kube-apiserver" not in out
        pids = [p["pid"] for p in json.loads((state / "state.json").read_text())["processes"]]
        assert all(os.path.exists("/proc/%d" % pid) for pid in pids)  # not ours to stop
    finally:
        rc, out = adhoc_control_plane("state=stopped state_dir=%s" % state)
        assert rc == 0, out


def test_killed_run_is_reaped_by_the_cleanup_playbook(clean_host, service_copy, tmp_path):
    kill_toolset_run_during_go_test("toolset.yml", service_copy, tmp_path / "marker")
    assert run_state_dirs() and control_plane_processes(), "the killed run should have left its control plane"
    rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
    assert rc == 0, out
    assert "1 run state dir(s)" in out, out
    assert leftovers() == []


def adhoc_control_plane(args):
    """Run envtest_control_plane outside any playbook: a cluster that is not ours."""
    binaries = os.path.expanduser("~/.cache/kubernaut-testinfra/bin")
    if "state=stopped" not in args:
        args += " kube_apiserver=%s/kube-apiserver-v1.34.4 etcd=%s/etcd-v3.5.16" % (binaries, binaries)
    env = playbook_env()  # the session's TMPDIR: temp files of the module are checked there
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost",
                           "-m", "kubernaut.testinfra.envtest_control_plane", "-a", args,
                           "-e", "ansible_python_interpreter=%s" % sys.executable],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout + proc.stderr
