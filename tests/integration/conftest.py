"""Integration tests: run the real playbooks with real Podman, PostgreSQL, Redis and go test."""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
OURS = "label=io.kubernaut.testinfra.collection=kubernaut.testinfra"


def run_playbook(playbook, *args, timeout=900):
    """Run ansible-playbook from the checkout; return (exit code, combined output)."""
    env = dict(os.environ)
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "") + os.pathsep + "/usr/local/go/bin")
    target = playbook if "." in playbook and not playbook.endswith(".yml") else os.path.join(ROOT, "playbooks", playbook)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), target, *args],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def leftovers():
    """Names of our containers, volumes and networks still present."""
    found = []
    for cmd in (["ps", "-a"], ["volume", "ls"], ["network", "ls"]):
        out = subprocess.run(["podman", *cmd, "--filter", OURS, "--format", "json"], capture_output=True,
                             text=True, check=True).stdout
        for item in json.loads(out or "[]") or []:
            name = item.get("Names", item.get("Name", item.get("name")))
            found.append(name[0] if isinstance(name, list) else name)
    return found


def podman_names():
    return subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                          check=True).stdout.split()


@pytest.fixture
def clean_host():
    """Fails the test when the run left any container, volume or network of ours behind."""
    assert leftovers() == [], "leftovers from an earlier test"
    yield
    left = leftovers()
    if left:
        subprocess.run(["podman", "rm", "-f", "-v", *left], capture_output=True, check=False)
    assert left == [], "the run left resources behind: %s" % left


@pytest.fixture
def service_copy(tmp_path):
    """A copy of the example Go module that a test may break; returns its path."""
    dest = tmp_path / "service"
    shutil.copytree(EXAMPLES, dest)
    return dest


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
