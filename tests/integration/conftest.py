"""Integration tests: run the real playbooks with real Podman, PostgreSQL, Redis and go test."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import test_binaries

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
OURS = "label=io.kubernaut.testinfra.collection=kubernaut.testinfra"
KIND_NODES = "label=io.x-k8s.kind.cluster"
STATE_BASE = os.path.join(tempfile.gettempdir(), "kubernaut-testinfra-%d" % os.getuid())
TEST_BINARY_CACHE = ".test-binaries"


def run_playbook(playbook, *args, timeout=900, env=None):
    """Run ansible-playbook from the checkout; return (exit code, combined output)."""
    env = dict(os.environ, **(env or {}))
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "") + os.pathsep + "/usr/local/go/bin")
    target = playbook if "." in playbook and not playbook.endswith(".yml") else os.path.join(ROOT, "playbooks", playbook)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), target, *args],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def control_plane_processes():
    """'pid name' of running etcd / kube-apiserver processes started by a run (their args name a run dir)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                args = handle.read().split(b"\0")
        except OSError:
            continue
        binary = os.path.basename(args[0]).decode(errors="replace")
        if binary.startswith(("etcd", "kube-apiserver")) and any(b"kubernaut-testinfra" in a for a in args[1:]):
            found.append("%s %s" % (pid, binary))
    return found


def run_state_dirs():
    """Run state directories (kubeconfigs, control-plane data, Kind state, test binaries) still on disk.
    The test binary cache (.test-binaries) is meant to stay: it is no run's."""
    names = os.listdir(STATE_BASE) if os.path.isdir(STATE_BASE) else []
    return sorted(n for n in names if n != TEST_BINARY_CACHE)


def podman_list(cmd, filt):
    out = subprocess.run(["podman", *cmd, "--filter", filt, "--format", "json"], capture_output=True,
                         text=True, check=True).stdout
    names = []
    for item in json.loads(out or "[]") or []:
        name = item.get("Names", item.get("Name", item.get("name")))
        names.append(name[0] if isinstance(name, list) else name)
    return names


def leftovers():
    """Our containers, volumes, networks, Kind nodes, control-plane processes and run state dirs still present."""
    found = []
    for cmd in (["ps", "-a"], ["volume", "ls"], ["network", "ls"]):
        found += podman_list(cmd, OURS)
    found += ["kind node " + n for n in podman_list(["ps", "-a"], KIND_NODES)]
    found += ["process " + p for p in control_plane_processes()]
    found += ["state dir " + d for d in run_state_dirs()]
    return found


def podman_names():
    return subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                          check=True).stdout.split()


def volumes():
    """All volume names: anonymous volumes carry no labels, so new ones are compared by name."""
    return set(subprocess.run(["podman", "volume", "ls", "-q"], capture_output=True, text=True,
                              check=True).stdout.split())


def temp_entries():
    """Names in the temp directory, pytest's own directories aside: a run must leave nothing there (kubernetes.core's
    discovery cache did, one file per API server port)."""
    return {name for name in os.listdir(tempfile.gettempdir()) if not name.startswith("pytest-of-")}


@pytest.fixture
def clean_host():
    """Fails the test when the run left any container, volume, network, process or file of ours behind."""
    assert leftovers() == [], "leftovers from an earlier test"
    before, temp_before = volumes(), temp_entries() | {os.path.basename(STATE_BASE)}
    yield
    left = leftovers() + ["anonymous volume " + v for v in sorted(volumes() - before)]
    left += ["temp file " + name for name in sorted(temp_entries() - temp_before)]
    if left:
        run_playbook("cleanup.yml")
    assert left == [], "the run left resources behind: %s" % left


@pytest.fixture
def service_copy(tmp_path):
    """A copy of the example Go module that a test may break; returns its path. Its test binary caches
    (one per service run from it) go with it."""
    dest = tmp_path / "service"
    shutil.copytree(EXAMPLES, dest)
    yield dest
    key = test_binaries.cache_dir(STATE_BASE, "any", str(dest)).rpartition("-")[2]
    for cache in glob.glob(os.path.join(STATE_BASE, TEST_BINARY_CACHE, "*-" + key)):
        shutil.rmtree(cache, ignore_errors=True)


def add_fixture(repo, name, dest):
    """Copy fixtures/<name> into the module copy at dest (relative path)."""
    target = os.path.join(str(repo), dest)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy(os.path.join(FIXTURES, name), target)


@pytest.fixture
def busy_port():
    """A 127.0.0.1 port that something else is listening on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def kill_toolset_run_during_go_test(playbook, service_copy, marker, *args):
    """Run ``playbook`` on the toolset service with a test that waits for ``marker``, SIGKILL ansible-playbook once
    go test runs (the control plane up), then let the orphaned test end. What the run leaves is the caller's."""
    add_fixture(service_copy, "slow_cluster_test.go.txt", "test/integration/toolset/slow_test.go")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"] + os.pathsep + "/usr/local/go/bin")
    run = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(ROOT, "playbooks", playbook),
         "-e", "testinfra_cluster=envtest", "-e", "testinfra_repo_dir=%s" % service_copy,
         "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestWaitsForTheMarker"],
                           "testinfra_env": {"TESTINFRA_MARKER": str(marker)}}), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 180
        while "go test" not in " ".join(ps_args()):
            assert time.time() < deadline and run.poll() is None, run.communicate()[0]
            time.sleep(0.2)
        assert len(control_plane_processes()) == 2
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        marker.write_text("done")


def ps_args():
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout.splitlines()
