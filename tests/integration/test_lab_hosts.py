"""Lab hosts over SSH: the same playbooks with -e testinfra_hosts=<inventory host>.

The lab host is a pristine Debian 12 machine (tests/pristine/lab.py: privileged Podman container, nested Podman,
its own network and hostname, sshd on a loopback port, a key made for the test), removed by the fixture whatever
happens (a killed test's machine expires and is removed by the next test's reap_expired()). The local PostgreSQL
image is copied in (podman save | podman load, as for an air-gapped host), so that the machine does not build it.
The machine is prepared from nothing with prepare_host.yml over SSH (Podman, Go, the modules' Python packages); the
first service run then prepares it again (idempotent, and writes its stamp), the second finds the stamp.
"""

import importlib.util
import json
import os
import re
import time

import pytest
from conftest import ROOT, run_playbook

_SPEC = importlib.util.spec_from_file_location("lab_host", os.path.join(ROOT, "tests", "pristine", "lab.py"))
lab = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lab)

# A first run prepares the machine from nothing: apt (Podman), Go from the module proxy, the Go modules of the suite.
TIMEOUT = 1800
IMAGES = ["localhost/kubernaut/pgvector:pg17-trixie"]
OURS_INSIDE = "label=io.kubernaut.testinfra.collection"
PROFILE = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks"}


@pytest.fixture(scope="module")
def lab_hosts():
    """One lab host (lab1 of an inventory file); removed at the end of the module."""
    lab.pristine.reap_expired()
    image, _ = lab.pristine.ensure_image()
    keys = lab.Keys()
    hosts = []
    try:
        host = lab.LabHost(image, keys, lifetime=TIMEOUT * 3)
        hosts.append(host)
        host.start()
        inventory = lab.write_inventory(os.path.join(keys.dir, "lab.ini"), hosts)
        start = time.monotonic()
        rc, out = run_playbook("prepare_host.yml", "-i", inventory, "-e", "testinfra_hosts=lab1",
                               "-e", "prepare_host_kind=false", timeout=TIMEOUT)  # kind: minutes of go install
        assert rc == 0, out[-4000:]
        print("\nlab host prepared from nothing (prepare_host.yml over SSH) in %.1f s" % (time.monotonic() - start))
        host.load_images(*IMAGES)  # after Podman is there
        yield inventory, hosts
    finally:
        for host in hosts:
            host.remove()
        keys.remove()
        assert not any(host.exists() for host in hosts), "a lab host was not removed"


def leftovers(host):
    """What of the collection exists on the lab host: containers, volumes, networks, run directories."""
    found = []
    for kind in ("container", "volume", "network"):
        proc = host.ssh("podman %s ls %s --filter %s --format '{{.Names}}{{.Name}}' 2>/dev/null"
                        % (kind, "--all" if kind == "container" else "", OURS_INSIDE))
        found += ["%s %s" % (kind, name) for name in proc.stdout.split()]
    runs = host.ssh("ls /tmp/kubernaut-testinfra-0 2>/dev/null | grep -v '^\\.' || true").stdout.split()
    found += ["run dir %s" % name for name in runs]
    procs = host.ssh("ps -eo comm= | grep -E '^(etcd|kube-apiserver|go|datastorage.test)$' || true").stdout.split()
    found += ["process %s" % name for name in procs]
    return found


def task_seconds(out, name):
    """Seconds of a task from the profile_tasks callback's recap ('<role> : <name> ---- 1.23s')."""
    found = re.findall(r"%s -+ (\d+\.\d+)s" % re.escape(name), out)
    return float(found[-1]) if found else None


def test_datastorage_runs_on_a_lab_host_and_leaves_nothing_there(lab_hosts, tmp_path, record_property):
    inventory, (host,) = lab_hosts
    runs = []
    for attempt in (1, 2):  # the first prepares the machine and copies the module; the second finds both done
        artifacts = tmp_path / ("artifacts-%d" % attempt)
        start = time.monotonic()
        rc, out = run_playbook("datastorage.yml", "-i", inventory, "-e", "testinfra_hosts=lab1",
                               "-e", "testinfra_isolate=true", "-e", "testinfra_artifacts_dir=%s" % artifacts,
                               timeout=TIMEOUT, env=PROFILE)
        seconds = round(time.monotonic() - start, 1)
        tail = out[-6000:]
        assert rc == 0, tail
        assert re.search(r"datastorage: PASSED - \d+ tests: \d+ passed, 0 failed", out), tail
        summary = json.loads((artifacts / "summary.json").read_text())
        assert summary["service"] == "datastorage", summary
        assert (artifacts / "junit.xml").read_text().startswith("<?xml"), "no JUnit XML on the controller"
        assert leftovers(host) == [], "left on the lab host: %s" % leftovers(host)
        runs.append(dict(seconds=seconds, prepare=task_seconds(out, "Install Podman, runc, Go and the modules' Python "
                                                                     "packages there"),
                         sync=task_seconds(out, "Bring the Go module to the lab host (what changed since the last "
                                                "run)")))
        print("\nlab host run %d: %.1f s, tasks: %s" % (attempt, seconds, runs[-1]))
        print("".join(line + "\n" for line in out.splitlines() if re.search(r"-{4,} \d+\.\d+s$", line))[:3000])
        record_property("run_%d_seconds" % attempt, seconds)
    # the second run neither prepares the machine nor sends files
    assert runs[1]["prepare"] is None, runs
    cached = host.ssh("cat ~/.cache/kubernaut-testinfra/modules/*/.kubernaut-testinfra-sync.json").stdout
    assert '"go.mod"' in cached, cached


def test_cleanup_playbook_runs_on_the_lab_host(lab_hosts):
    inventory, (host,) = lab_hosts
    rc, out = run_playbook("cleanup.yml", "-i", inventory, "-e", "testinfra_hosts=lab1", timeout=300)
    assert rc == 0, out[-3000:]
    assert re.search(r"ok: \[lab1\]", out), out[-3000:]
    assert "Removed 0 container(s)" in out, out[-3000:]
    assert leftovers(host) == []
