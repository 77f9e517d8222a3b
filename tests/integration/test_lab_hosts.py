"""Lab hosts over SSH: the same playbooks with -e testinfra_hosts=<inventory host>.

The lab host is a pristine Debian 12 machine (tests/pristine/lab.py: privileged Podman container, nested Podman,
its own network and hostname, sshd on a loopback port, a key made for the test), removed by the fixture whatever
happens (a killed test's machine expires and is removed by the next test's reap_expired()). The local images are
not copied in by the test: the collection copies the controller's (local_image's action plugin), and so it does the
controller's envtest binaries (envtest_binaries').
The machine is prepared from nothing with prepare_host.yml over SSH (Podman, Go, the modules' Python packages); the
first service run then prepares it again (idempotent, and writes its stamp), the second finds the stamp.
"""

import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
from conftest import EXAMPLES, ROOT, run_playbook, start_playbook

_SPEC = importlib.util.spec_from_file_location("lab_host", os.path.join(ROOT, "tests", "pristine", "lab.py"))
lab = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lab)

# A first run prepares the machine from nothing: apt (Podman), Go from the module proxy, the Go modules of the suite.
TIMEOUT = 1800
IMAGES = ["localhost/kubernaut/pgvector:pg17-trixie", "localhost/kubernaut/redis:trixie"]
OURS_INSIDE = "label=io.kubernaut.testinfra.collection"
PROFILE = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks"}


@pytest.fixture(scope="module")
def lab_hosts():
    """Two lab hosts (lab1 and lab2 of group lab in an inventory file), prepared; removed at the end of the module."""
    lab.pristine.reap_expired()
    image, _ = lab.pristine.ensure_image()
    keys = lab.Keys()
    hosts = []
    try:
        for dummy in range(2):
            host = lab.LabHost(image, keys, lifetime=TIMEOUT * 3)
            hosts.append(host)
            host.start()
        inventory = lab.write_inventory(os.path.join(keys.dir, "lab.ini"), hosts)
        start = time.monotonic()
        rc, out = run_playbook("prepare_host.yml", "-i", inventory, "-e", "testinfra_hosts=lab",
                               "-e", "prepare_host_kind=false", timeout=TIMEOUT)  # kind: minutes of go install
        assert rc == 0, out[-4000:]
        print("\n2 lab hosts prepared from nothing at once (prepare_host.yml over SSH) in %.1f s"
              % (time.monotonic() - start))
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
    # zombies do not count: PID 1 of the machine (sleep) does not reap the orphans of Go's telemetry child
    procs = host.ssh("ps -eo stat=,comm= | awk '$1 !~ /^Z/ {print $2}' | "
                     "grep -E '^(etcd|kube-apiserver|go|datastorage\\.tes.*)$' || true").stdout.split()
    found += ["process %s" % name for name in procs]
    return found


def task_seconds(out, name):
    """Seconds of a task from the profile_tasks callback's recap ('<role> : <name> ---- 1.23s')."""
    found = re.findall(r"%s -+ (\d+\.\d+)s" % re.escape(name), out[out.find("TASKS RECAP"):])
    return float(found[-1]) if found else None


def image_id(ref, host=None):
    """The image's id in the controller's Podman, or in the lab host's; None when it has no such image."""
    cmd = "podman image inspect --format '{{.Id}}' %s 2>/dev/null" % ref
    proc = host.ssh(cmd) if host else subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or None


IMAGE_PLAY = """- hosts: lab2
  gather_facts: false
  tasks:
    - name: The redis role's image task, as a service run has it
      ansible.builtin.include_role:
        name: kubernaut.testinfra.redis
        tasks_from: image
    - name: Its result, for the test
      ansible.builtin.copy:
        content: "{{ _redis_image | to_json }}"
        dest: "%s"
        mode: "0600"
      delegate_to: localhost
"""


def test_local_image_is_copied_from_the_controller_once(lab_hosts, tmp_path):
    """The first run on a host without the image copies the controller's (the host builds nothing); the second
    finds it there and sends nothing."""
    inventory, (dummy, host) = lab_hosts
    ref = "localhost/kubernaut/redis:trixie"
    assert image_id(ref, host) is None, "the fresh lab host has the image already"
    results = []
    for attempt in (1, 2):
        play = tmp_path / ("image-%d.yml" % attempt)
        answer = tmp_path / ("image-%d.json" % attempt)
        play.write_text(IMAGE_PLAY % answer)
        start = time.monotonic()
        rc, out = run_playbook(str(play), "-i", inventory, timeout=TIMEOUT)
        assert rc == 0, out[-4000:]
        results.append(json.loads(answer.read_text()))
        print("\nimage task %d on lab2: %.1f s, %s" % (attempt, time.monotonic() - start,
                                                     {k: results[-1].get(k) for k in ("action", "origin", "copy")}))
    first, second = results
    assert first["action"] == "copied", first
    assert first["origin"] in ("copied from the controller", "built on the controller and copied"), first
    assert first["copy"]["bytes"] > 1024 * 1024 and first["copy"]["seconds"] > 0, first
    assert "build_seconds" not in first and "cmd" not in first, "the host built it: %s" % first
    # podman load keeps the image id; a build on the host would make another one
    assert image_id(ref, host) == image_id(ref) is not None
    assert second["action"] == "reused" and second["origin"] == "host" and "copy" not in second, second
    assert host.ssh("podman images --filter dangling=true -q").stdout.strip() == ""


TWO_HOSTS_PLAY = """- hosts: lab
  gather_facts: false
  tasks:
    - name: An image neither the controller nor the hosts have
      kubernaut.testinfra.local_image:
        name: "%(ref)s"
        dpkg_options: [path-exclude=/usr/share/doc/*, path-exclude=/usr/share/man/*, path-exclude=/usr/share/locale/*]
        config: {cmd: [/bin/sh], labels: {io.kubernaut.testinfra.test: lab-hosts}}
        force: "{{ force | default(false) }}"
      register: made
    - name: Its result, for the test
      ansible.builtin.copy:
        content: "{{ made | to_json }}"
        dest: "%(out)s/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""


def test_an_image_the_controller_lacks_is_built_once_there_for_two_hosts(lab_hosts, tmp_path):
    """Two hosts want an image nobody has: the controller builds it once (the other host waits on its lock) and both
    hosts get it copied; built on a host (force), the same image takes longer than the copy (printed)."""
    inventory, hosts = lab_hosts
    ref = "localhost/kubernaut-test/lab-copy-%s:1" % os.urandom(4).hex()
    try:
        play = tmp_path / "two.yml"
        play.write_text(TWO_HOSTS_PLAY % {"ref": ref, "out": tmp_path})
        start = time.monotonic()
        rc, out = run_playbook(str(play), "-i", inventory, timeout=TIMEOUT)
        assert rc == 0, out[-4000:]
        results = {name: json.loads((tmp_path / ("%s.json" % name)).read_text()) for name in ("lab1", "lab2")}
        print("\nan image for two hosts (one controller build, two copies): %.1f s; %s" % (
            time.monotonic() - start, {n: (r["origin"], r.get("copy")) for n, r in results.items()}))
        origins = sorted(r["origin"] for r in results.values())
        assert origins == ["built on the controller and copied", "copied from the controller"], results
        assert image_id(ref) is not None
        for host in hosts:
            assert image_id(ref, host) == image_id(ref)
        # the same image built on a host (force: the host builds, as without a controller), for the figures
        rc, out = run_playbook(str(play), "-i", inventory, "--limit", "lab1", "-e", "force=true", timeout=TIMEOUT)
        assert rc == 0, out[-4000:]
        built = json.loads((tmp_path / "lab1.json").read_text())
        assert built["action"] == "rebuilt" and built["build_seconds"] > 0, built
        print("built on lab1 instead: %s s (%s bytes image)" % (built["build_seconds"], built["image"]["size"]))
    finally:
        subprocess.run(["podman", "rmi", "--force", ref], capture_output=True, check=False)
        lock = os.path.expanduser("~/.cache/kubernaut-testinfra/locks/image-%s.lock"
                                  % hashlib.sha1(ref.encode()).hexdigest()[:16])  # the controller's build lock
        if os.path.exists(lock):
            os.remove(lock)


def sha256_on(host, path):
    return host.ssh("sha256sum %s 2>/dev/null" % path).stdout.split(" ")[0] or None


def test_toolset_on_envtest_on_a_lab_host_with_the_controllers_binaries(lab_hosts, tmp_path):
    """toolset on envtest on a lab host passes with kube-apiserver and etcd copied from the controller's cache (no
    Go build on the host) and leaves nothing there."""
    inventory, (dummy, host) = lab_hosts
    cache = os.path.expanduser("~/.cache/kubernaut-testinfra/bin")
    names = ["kube-apiserver-v1.34.4", "etcd-v3.5.16"]
    mine = {name: os.path.join(cache, name) for name in names}
    missing = [path for path in mine.values() if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip("the controller's envtest cache lacks %s (make envtest-assets fills it)" % missing)
    assert all(sha256_on(host, "~/.cache/kubernaut-testinfra/bin/" + name) is None for name in names)
    artifacts = tmp_path / "artifacts"
    start = time.monotonic()
    rc, out = run_playbook("toolset.yml", "-i", inventory, "-e", "testinfra_hosts=lab2", "-e", "testinfra_cluster=envtest",
                           "-e", "testinfra_isolate=true", "-e", "testinfra_artifacts_dir=%s" % artifacts,
                           timeout=TIMEOUT, env=PROFILE)
    seconds = round(time.monotonic() - start, 1)
    print("\ntoolset on envtest on lab2 (binaries from the controller): %.1f s" % seconds)
    print(out[out.find("TASKS RECAP"):][:3000])
    assert rc == 0, out[-6000:]
    assert re.search(r"toolset: PASSED - \d+ tests: \d+ passed, 0 failed", out), out[-6000:]
    for name, path in mine.items():
        with open(path, "rb") as handle:
            assert sha256_on(host, "~/.cache/kubernaut-testinfra/bin/" + name) == hashlib.sha256(handle.read()).hexdigest()
    # a Go build of either leaves its wrapper module in <cache>/build/<name>
    assert host.ssh("ls ~/.cache/kubernaut-testinfra/build 2>/dev/null").stdout.strip() == ""
    assert leftovers(host) == [], "left on the lab host: %s" % leftovers(host)


def test_datastorage_runs_on_a_lab_host_and_leaves_nothing_there(lab_hosts, tmp_path, record_property):
    inventory, (host, dummy) = lab_hosts
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
        runs.append(dict(seconds=seconds, out=out, prepare=task_seconds(out, "Install Podman, runc, Go and the modules' Python "
                                                                     "packages there"),
                         sync=task_seconds(out, "Bring the Go module to the lab host (what changed since the last "
                                                "run)")))
        print("\nlab host run %d: %.1f s, prepare %s s, sync %s s" % (attempt, seconds, runs[-1]["prepare"],
                                                                      runs[-1]["sync"]))
        if attempt == 1:  # the collection copied the controller's image (podman load keeps the id)
            assert image_id(IMAGES[0], host) == image_id(IMAGES[0]) is not None
        print(out[out.find("TASKS RECAP"):][:4000])
        record_property("run_%d_seconds" % attempt, seconds)
    # the second run neither prepares the machine nor sends files
    # (its banner: profile_tasks lists a skipped task among the slowest too, so the name alone can appear)
    banner = "TASK [kubernaut.testinfra.testinfra : Remember the preparation]"
    if "TASK [Install Podman, runc, Go" in runs[0]["out"]:  # the first run prepared the host: the banner is right
        assert banner in runs[0]["out"], runs[0]["out"][-3000:]
    assert banner not in runs[1]["out"], runs[1]["out"][-3000:]
    cached = host.ssh("cat ~/.cache/kubernaut-testinfra/modules/*/.kubernaut-testinfra-sync.json").stdout
    assert '"go.mod"' in cached, cached


def test_cleanup_playbook_runs_on_the_lab_host(lab_hosts):
    inventory, (host, dummy) = lab_hosts
    rc, out = run_playbook("cleanup.yml", "-i", inventory, "-e", "testinfra_hosts=lab1", timeout=300)
    assert rc == 0, out[-3000:]
    assert re.search(r"ok: \[lab1\]", out), out[-3000:]
    assert "Removed 0 container(s)" in out, out[-3000:]
    assert leftovers(host) == []


SLEEPER = """package datastorage

import (
	"os"
	"testing"
	"time"
)

// Only for the lab-host kill test: go test is still running when the controller is killed.
func TestSleepsWhileTheControllerIsKilled(t *testing.T) {
	if os.Getenv("TESTINFRA_LAB_SLEEP") == "" {
		t.Skip("only for the lab-host kill test")
	}
	time.Sleep(120 * time.Second)
}
"""


def test_cleanup_on_the_lab_host_after_the_controller_was_killed_during_go_test(lab_hosts, tmp_path):
    inventory, (host, dummy) = lab_hosts
    service = tmp_path / "service"
    shutil.copytree(EXAMPLES, service)
    (service / "test" / "integration" / "datastorage" / "zz_sleep_test.go").write_text(SLEEPER)
    run = start_playbook("datastorage.yml", "-i", inventory, "-e", "testinfra_hosts=lab1", "-e", "testinfra_isolate=true",
                         "-e", "testinfra_repo_dir=%s" % service,
                         "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestSleepsWhileTheControllerIsKilled"],
                                           "testinfra_env": {"TESTINFRA_LAB_SLEEP": "1"}}))
    try:
        deadline = time.time() + 300
        while "datastorage.tes" not in host.ssh("ps -eo comm=").stdout:
            assert time.time() < deadline and run.poll() is None, run.communicate()[0][-4000:]
            time.sleep(0.5)
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    left = leftovers(host)
    assert any(item.startswith("container ") for item in left), left  # the killed run's PostgreSQL is still there
    rc, out = run_playbook("cleanup.yml", "-i", inventory, "-e", "testinfra_hosts=lab1", timeout=300)
    assert rc == 0, out[-3000:]
    deadline = time.time() + 15  # the go test process gets SIGTERM, then SIGKILL after its grace time
    while leftovers(host) and time.time() < deadline:
        time.sleep(0.5)
    assert leftovers(host) == [], "%s\n%s" % (leftovers(host), out[-3000:])


def test_all_services_across_two_lab_hosts_and_an_unreachable_third(lab_hosts, tmp_path):
    inventory, hosts = lab_hosts
    with open(inventory, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    # lab3: nothing listens on its port (a port sshd of lab1 had, now closed: bound and released by this process)
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed = probe.getsockname()[1]
    probe.close()
    lines.append(lines[1].replace("lab1 ", "lab3 ", 1).replace("ansible_port=%d" % hosts[0].port, "ansible_port=%d" % closed))
    three = tmp_path / "lab3.ini"
    three.write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    rc, out = run_playbook("all.yml", "-i", str(three), "-e", "testinfra_hosts=lab",
                           "-e", json.dumps({"testinfra_all_services": ["datastorage", "ai", "toolset"]}),
                           "-e", "testinfra_artifacts_dir=%s" % (tmp_path / "artifacts"), timeout=TIMEOUT)
    print("\nall.yml across lab1, lab2 and an unreachable lab3: %.1f s" % (time.monotonic() - start))
    table = "\n".join(line for line in out.splitlines() if re.search(r"on lab\d|services failed|NOT RUN", line))
    print(table)
    assert rc != 0, out[-4000:]
    assert re.search(r"datastorage\s+PASSED.*on lab1", out), out[-4000:]
    assert re.search(r"ai\s+PASSED.*on lab2", out), out[-4000:]
    assert re.search(r"toolset\s+NOT RUN\s+on lab3 \(unreachable", out), out[-4000:]
    assert "services failed: 1 of 3" in out, out[-4000:]
    # what the next run balances the hosts by
    durations = json.loads((tmp_path / "artifacts" / "all-durations.json").read_text())
    assert sorted(durations) == ["ai", "datastorage"], durations
    for host in hosts:
        assert leftovers(host) == [], "left on %s: %s" % (host.name, leftovers(host))


# -- an air-gapped lab host: the Go modules come from the controller (testinfra_lab_go_modules=controller) -------------

# A module the example module does not use: not in the file GOPROXY, and the module proxy is out of reach.
FOREIGN_MODULE = "rsc.io/quote@v1.5.2"
SYNC_PLAY = """- hosts: lab1
  gather_facts: false
  tasks:
    - name: sync {name} with {transfer} 1
      kubernaut.testinfra.module_sync: {{src: "{src}", name: "{name}", transfer: {transfer}, go_proxy: {go_proxy}}}
      register: first
    - name: sync {name} with {transfer} 2
      kubernaut.testinfra.module_sync: {{src: "{src}", name: "{name}", transfer: {transfer}, go_proxy: {go_proxy}}}
      register: second
    - name: results
      ansible.builtin.copy:
        content: "{{{{ [first, second] | to_json }}}}"
        dest: "{results}"
        mode: "0600"
      delegate_to: localhost
"""


def air_gap(host):
    """Reject everything the lab host sends out but the replies of connections made to it (the SSH sessions), in its
    network namespace (the host's iptables there): no DNS, no module proxy, for it and its nested containers."""
    pid = lab.pristine.podman("inspect", "--format", "{{.State.Pid}}", host.name).stdout.strip()
    for chain in ("OUTPUT", "FORWARD"):
        for rule in (["-o", "lo", "-j", "ACCEPT"], ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
                     ["-j", "REJECT"]):
            if chain == "FORWARD" and rule[:2] == ["-o", "lo"]:
                continue
            lab.subprocess.run(["nsenter", "--target", pid, "--net", "iptables", "-A", chain] + rule, check=True,
                               capture_output=True)


@pytest.fixture(scope="module")
def airgapped_lab():
    """One lab host, prepared (with network), then cut off from everything but the SSH session: the images come
    from the controller over SSH (local_image), as the Go modules do."""
    lab.pristine.reap_expired()
    image, _ = lab.pristine.ensure_image()
    keys = lab.Keys()
    host = lab.LabHost(image, keys, lifetime=TIMEOUT * 3)
    try:
        host.start()
        inventory = lab.write_inventory(os.path.join(keys.dir, "lab.ini"), [host])
        rc, out = run_playbook("prepare_host.yml", "-i", inventory, "-e", "testinfra_hosts=lab1",
                               "-e", "prepare_host_kind=false", timeout=TIMEOUT)
        assert rc == 0, out[-4000:]
        online = host.ssh("getent hosts proxy.golang.org", timeout=30)
        assert online.returncode == 0, online.stderr  # the proof below must be able to fail
        air_gap(host)
        yield inventory, host
    finally:
        host.remove()
        keys.remove()
        assert not host.exists(), "the air-gapped lab host was not removed"


def test_datastorage_on_an_airgapped_lab_host_with_the_controllers_go_modules(airgapped_lab, tmp_path):
    inventory, host = airgapped_lab
    # the lab host cannot fetch a module itself (its own module proxy, a fresh module cache)
    gone = host.ssh("export PATH=$PATH:/usr/local/go/bin; d=$(mktemp -d) && cd $d && go mod init x >/dev/null 2>&1 && "
                    "GOMODCACHE=$d/cache GOFLAGS=-modcacherw timeout 60 go mod download -json %s; rc=$?; rm -rf $d; "
                    "exit $rc" % FOREIGN_MODULE, timeout=120)
    assert gone.returncode != 0, gone.stdout
    assert "proxy.golang.org" in gone.stdout + gone.stderr, gone.stdout + gone.stderr
    # no Go, no cached toolchain zip, no stamp: the run prepares the host again, Go from the controller's file GOPROXY
    # (apt has all it needs already: apt packages for an air-gapped host are not ours to bring)
    host.ssh("rm -rf /usr/local/go ~/.cache/kubernaut-testinfra/go ~/.cache/kubernaut-testinfra/prepared")
    start = time.monotonic()
    rc, out = run_playbook("datastorage.yml", "-i", inventory, "-e", "testinfra_hosts=lab1",
                           "-e", "testinfra_isolate=true", "-e", "testinfra_lab_go_modules=controller",
                           "-e", "testinfra_artifacts_dir=%s" % (tmp_path / "artifacts"), timeout=TIMEOUT, env=PROFILE)
    print("\nair-gapped lab host, datastorage with the controller's Go modules: %.1f s" % (time.monotonic() - start))
    print(out[out.find("TASKS RECAP"):][:2500])
    assert rc == 0, out[-6000:]
    assert re.search(r"datastorage: PASSED - \d+ tests: \d+ passed, 0 failed", out), out[-6000:]
    assert "Remember the preparation" in out, out[-6000:]
    assert host.ssh("/usr/local/go/bin/go version").stdout.startswith("go version go1.24.0 linux/"), "no Go there"
    # the modules came from the synced file GOPROXY (nothing else reaches the host), go.sum untouched there
    served = host.ssh("ls -d ~/.cache/kubernaut-testinfra/modules/*.goproxy/github.com/jackc/pgx/v5/@v/v5.7.6.zip "
                      "&& ls -d ~/go/pkg/mod/github.com/jackc/pgx/v5@v5.7.6").stdout.split()
    assert len(served) == 2, served
    # so did the image: the host cannot build it (mmdebstrap needs Debian's mirror); the controller's, by its id
    assert image_id(IMAGES[0], host) == image_id(IMAGES[0]) is not None
    assert leftovers(host) == [], "left on the lab host: %s" % leftovers(host)


@pytest.mark.parametrize("transfer", ["rsync", "archive"])
def test_module_sync_by_rsync_and_archive_to_the_airgapped_lab_host(airgapped_lab, tmp_path, transfer):
    """Both transfers: a first sync sends everything (the module and its file GOPROXY), a second sends nothing; the
    figures go to docs/lab-hosts.md."""
    inventory, host = airgapped_lab
    name = "sync-%s-%d" % (transfer, os.getpid())
    play = tmp_path / "sync.yml"
    results = tmp_path / "results.json"
    play.write_text(SYNC_PLAY.format(src=EXAMPLES, name=name, transfer=transfer, go_proxy="true", results=results))
    try:
        rc, out = run_playbook(str(play), "-i", inventory, timeout=TIMEOUT, env=PROFILE)
        assert rc == 0, out[-4000:]
        first, second = json.loads(results.read_text())
        recap = out[out.find("TASKS RECAP"):]
        print("\n%s: module %d files %d bytes, go proxy %d files %d bytes; first sync %s s, second %s s"
              % (transfer, first["files"], first["bytes"], first["go_proxy"]["files"], first["go_proxy"]["bytes"],
                 task_seconds(recap, "sync %s with %s 1" % (name, transfer)),
                 task_seconds(recap, "sync %s with %s 2" % (name, transfer))))
        assert first["transfer"] == first["go_proxy"]["transfer"] == transfer, first
        assert first["sent"] == first["files"] > 20 and first["go_proxy"]["sent"] == first["go_proxy"]["files"] > 100
        assert first["changed"] and not second["changed"], second
        assert second["sent"] == second["deleted"] == second["go_proxy"]["sent"] == 0, second
        assert "bytes_sent" not in second and "bytes_sent" not in second["go_proxy"], second
        # what arrived is what the controller has
        remote = host.ssh("cd ~/.cache/kubernaut-testinfra/modules/%s && find . -type f ! -name '.kubernaut*' | "
                          "LC_ALL=C sort | xargs md5sum" % name).stdout
        local = lab.subprocess.run("cd %s && find . -type f ! -path './.testinfra/*' ! -path './.git/*' | LC_ALL=C sort | "
                                   "xargs md5sum" % EXAMPLES, shell=True, capture_output=True, text=True).stdout
        assert remote == local and remote
    finally:
        host.ssh("rm -rf ~/.cache/kubernaut-testinfra/modules/%s ~/.cache/kubernaut-testinfra/modules/%s.goproxy"
                 % (name, name))
        made = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                            "kubernaut-testinfra", "goproxy", name)
        shutil.rmtree(made, ignore_errors=True)
        if os.path.exists(made + ".lock"):
            os.remove(made + ".lock")
