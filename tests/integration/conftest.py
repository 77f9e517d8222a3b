"""Integration tests: run the real playbooks with real Podman, PostgreSQL, Redis and go test.

The host may be shared: other programs, and other users' kubernaut.testinfra runs, may be active while the
suite runs. So the harness counts and removes only what this test session's own runs made:

- every ansible-playbook the tests start goes through start_playbook(), which records its PID and start time
  (the `io.kubernaut.testinfra.controller` label its resources carry, as runstate.controller() writes it);
  containers, volumes and networks are ours when that label names one of those processes (or this pytest
  process, for what a test labels by hand) on this host;
- those runs get a TMPDIR of the session (SESSION_TMPDIR, /tmp/kubernaut-testinfra-tests-<pid>-<start time>),
  so their state base (STATE_BASE, where run directories, kubeconfigs and the test binary cache live) and the
  temp files of their go test are there, and nowhere else: the temp-file check looks only there;
- control-plane processes are ours when their arguments name STATE_BASE or this session's pytest temp
  directory; Kind nodes when their cluster was recorded in one of our run directories (kind.json, written
  before the cluster is created); anonymous volumes when they are new, no container uses them, and a container
  of ours mounted them (seen in `podman events` while the test ran: a volume another program's container left
  is not ours).
A leak is removed run by run (`cleanup.yml -e testinfra_cleanup_run=<run id>`), never by a cleanup of
everything of ours on the host.
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as test_binaries

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
VENV_BIN = os.path.dirname(sys.executable)
COLLECTION = "io.kubernaut.testinfra.collection=kubernaut.testinfra"
OURS = "label=" + COLLECTION
KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"
KIND_NODES = "label=" + KIND_CLUSTER_LABEL
HOSTNAME = socket.gethostname()
TEST_BINARY_CACHE = ".test-binaries"

# This pytest process, as a controller label: what a test labels by hand carries it.
SELF = "%d:%s" % (os.getpid(), runstate.start_time(os.getpid()))
SESSION_PREFIX = "kubernaut-testinfra-tests-"
SESSION_TMPDIR = os.path.join(tempfile.gettempdir(), "%s%s" % (SESSION_PREFIX, SELF.replace(":", "-")))
# Where this session's runs keep their state: runstate.default_base_dir() under their TMPDIR.
STATE_BASE = os.path.join(SESSION_TMPDIR, "kubernaut-testinfra-%d" % os.getuid())
# ansible-playbook processes this session started ("<pid>:<start time>"), and this process.
CONTROLLERS = {SELF}
# Directories whose naming in a control-plane process's arguments makes it ours (pytest's own is added at start).
OWN_DIRS = [STATE_BASE]
# Kind clusters of this session's runs (recorded in kind.json in their run directories, before they are created).
KIND_CLUSTERS = set()


def ensure_session_dir():
    os.makedirs(SESSION_TMPDIR, mode=0o700, exist_ok=True)


def playbook_env(env=None):
    """The environment of everything the tests run with Ansible: the checkout's ansible.cfg, no colours, the venv
    and Go on PATH, and the session's TMPDIR; ``env`` overrides (its PATH goes between the venv and Go)."""
    ensure_session_dir()
    env = dict(os.environ, **(env or {}))
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=VENV_BIN + os.pathsep + env.get("PATH", "") + os.pathsep + "/usr/local/go/bin",
               TMPDIR=SESSION_TMPDIR)
    return env


def record_controller(pid):
    """Remember process ``pid`` as one of this session's controllers; returns its controller label."""
    controller = "%d:%s" % (pid, runstate.start_time(pid))
    CONTROLLERS.add(controller)
    return controller


def start_playbook(playbook, *args, env=None, **popen):
    """Start ansible-playbook from the checkout (a playbook of playbooks/ or a path) as a run of this session:
    its PID and start time are recorded (proc.controller) before it can create anything. Output: stdout with
    stderr unless ``popen`` says otherwise."""
    by_name = "." in playbook and not playbook.endswith(".yml")  # kubernaut.testinfra.ai
    target = playbook if by_name else os.path.join(ROOT, "playbooks", playbook)  # an absolute path stays as it is
    options = dict(cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    options.update(popen)
    proc = subprocess.Popen([os.path.join(VENV_BIN, "ansible-playbook"), target, *args], env=playbook_env(env),
                            **options)
    proc.controller = record_controller(proc.pid)
    return proc


def run_playbook(playbook, *args, timeout=900, env=None):
    """Run ansible-playbook from the checkout; return (exit code, combined output)."""
    proc = start_playbook(playbook, *args, env=env)
    try:
        out = proc.communicate(timeout=timeout)[0]
    except BaseException:  # a timeout, or pytest interrupted: the run does not go on unwatched
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out


def session_labels(**extra):
    """Labels that make a container a test puts up by hand count as this session's (and not stale)."""
    labels = {"io.kubernaut.testinfra.collection": "kubernaut.testinfra", runstate.CONTROLLER_LABEL: SELF,
              runstate.HOST_LABEL: HOSTNAME}
    labels.update(extra)
    return labels


def label_args(labels):
    return [arg for key, value in sorted(labels.items()) for arg in ("--label", "%s=%s" % (key, value))]


def is_ours(labels):
    """True for labels of a resource made by a run (or a test) of this session on this host."""
    labels = labels or {}
    return (labels.get(runstate.CONTROLLER_LABEL) in CONTROLLERS
            and labels.get(runstate.HOST_LABEL) in (None, "", HOSTNAME))


def _cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            return handle.read().split(b"\0")
    except OSError:
        return []


def _names_own_dir(arg):
    return any(arg == d or arg.startswith(d + "/") or ("=" + d + "/") in arg or arg.endswith("=" + d)
               for d in OWN_DIRS)


def control_plane_processes():
    """'pid name' of running etcd / kube-apiserver processes of this session: their arguments name its state
    base or its pytest temp directory (a control plane of another user's run names theirs)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        args = _cmdline(pid)
        if not args or not args[0]:
            continue
        binary = os.path.basename(args[0]).decode(errors="replace")
        if binary.startswith(("etcd", "kube-apiserver")) and any(_names_own_dir(a.decode(errors="replace"))
                                                                   for a in args[1:]):
            found.append("%s %s" % (pid, binary))
    return found


def go_test_running(controller):
    """True when the go test of the run of ``controller`` runs (its environment names the controller)."""
    needle = ("TESTINFRA_CONTROLLER=" + controller).encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if b"go test" not in b" ".join(_cmdline(pid)):
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    return True
        except OSError:
            continue
    return False


def run_state_dirs():
    """Run state directories (kubeconfigs, control-plane data, Kind state, test binaries) of this session's runs
    still on disk. The test binary cache (.test-binaries) is meant to stay: it is no run's."""
    names = os.listdir(STATE_BASE) if os.path.isdir(STATE_BASE) else []
    return sorted(n for n in names if n != TEST_BINARY_CACHE)


def run_ids_in(base):
    """{run id: run directory} of the run directories under ``base``: the run label of their state files (a kept
    run's directory is named keep-<service>), else the directory's name."""
    found = {}
    for run_dir in sorted(glob.glob(os.path.join(base, "*"))):
        if not os.path.isdir(run_dir) or os.path.basename(run_dir) == TEST_BINARY_CACHE:
            continue
        run_id = None
        for path in sorted(glob.glob(os.path.join(run_dir, "*", "*.json"))):
            if os.path.basename(path) in ("state.json", "kind.json"):
                run_id = run_id or ((runstate.read_json(path) or {}).get("labels") or {}).get(runstate.RUN_LABEL)
        found[run_id or os.path.basename(run_dir)] = run_dir
    return found


def podman_items(cmd, filt=OURS):
    out = subprocess.run(["podman", *cmd, "--filter", filt, "--format", "json"], capture_output=True,
                         text=True, check=True).stdout
    items = []
    for item in json.loads(out or "[]") or []:
        name = item.get("Names", item.get("Name", item.get("name")))
        items.append((name[0] if isinstance(name, list) else name, item.get("Labels", item.get("labels")) or {}))
    return items


def podman_list(cmd, filt):
    """Names of all items (any owner) that match ``filt``."""
    return [name for name, dummy in podman_items(cmd, filt)]


KINDS = {"container": ["ps", "-a"], "volume": ["volume", "ls"], "network": ["network", "ls"]}


def our_resources():
    """{kind: {name: labels}} of the labelled containers, volumes and networks of this session's runs."""
    return {kind: {name: labels for name, labels in podman_items(cmd) if is_ours(labels)}
            for kind, cmd in KINDS.items()}


def kind_nodes():
    """{node container: cluster} of all Kind nodes on the host."""
    return {name: labels.get(KIND_CLUSTER_LABEL, "") for name, labels in podman_items(["ps", "-a"], KIND_NODES)}


def recorded_kind_clusters():
    """Kind clusters recorded by this session's runs (kind/kind.json in their run directories)."""
    clusters = set()
    for path in glob.glob(os.path.join(STATE_BASE, "*", "*", "kind.json")):
        cluster = (runstate.read_json(path) or {}).get("cluster")
        if cluster:
            clusters.add(cluster)
    KIND_CLUSTERS.update(clusters)
    return clusters


def leftovers():
    """This session's containers, volumes, networks, Kind nodes, control-plane processes and run state dirs still
    present."""
    found = []
    for names in our_resources().values():
        found += sorted(names)
    clusters = recorded_kind_clusters() | KIND_CLUSTERS
    found += ["kind node " + n for n, cluster in sorted(kind_nodes().items()) if cluster in clusters]
    found += ["process " + p for p in control_plane_processes()]
    found += ["state dir " + d for d in run_state_dirs()]
    return found


def podman_names():
    """Names of the containers of this session's runs (a container of someone else never counts)."""
    return sorted(our_resources()["container"])


def all_podman_names():
    """Names of every container on the host."""
    return subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                          check=True).stdout.split()


def volumes():
    """All volume names: anonymous volumes carry no labels, so new ones are compared by name."""
    return set(subprocess.run(["podman", "volume", "ls", "-q"], capture_output=True, text=True,
                              check=True).stdout.split())


def unused_unlabelled_volumes():
    """Volumes no container uses (dangling) and that carry no label of ours (those are judged by their labels)."""
    return {name for name, labels in podman_items(["volume", "ls"], "dangling=true")
            if labels.get("io.kubernaut.testinfra.collection") != "kubernaut.testinfra"}


def container_volumes(container):
    """Names of the volumes (anonymous ones included) a container mounts; empty when it is gone."""
    out = subprocess.run(["podman", "container", "inspect", "--format", "json", container], capture_output=True,
                         text=True, check=False).stdout
    try:
        info = (json.loads(out or "[]") or [{}])[0]
    except ValueError:
        return set()
    return {m.get("Name") for m in info.get("Mounts") or [] if m.get("Type") == "volume" and m.get("Name")}


class ContainerWatch:
    """Follows `podman events` while a test runs and notes the volumes of each container of this session as it is
    created: anonymous volumes carry no labels and, once their container is removed, name no container; this is
    how a volume left behind is known to be ours (a volume another program's container left is not). Kind nodes
    carry no label of ours either: a node being created belongs to a cluster one of our runs recorded first
    (kind.json), or is not ours."""

    def __init__(self):
        self.volumes = set()
        self.seen = 0
        self.proc = subprocess.Popen(["podman", "events", "--since", str(int(time.time()) - 2), "--filter",
                                      "type=container", "--filter", "event=create", "--format", "json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            attributes = event.get("Attributes") or {}
            if is_ours(attributes):
                self.volumes |= container_volumes(event.get("ID") or event.get("Name"))
            if attributes.get(KIND_CLUSTER_LABEL):
                recorded_kind_clusters()
            self.seen += 1

    def settle(self, quiet=0.5, limit=5.0):
        """Wait until no event has come for ``quiet`` seconds (those of the last moments are being read)."""
        deadline, last, since = time.monotonic() + limit, self.seen, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < quiet:
            time.sleep(0.05)
            if self.seen != last:
                last, since = self.seen, time.monotonic()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.thread.join(timeout=10)


def temp_entries():
    """Names in the session's TMPDIR, the state base aside: a run must leave nothing there (kubernetes.core's
    discovery cache did, one file per API server port)."""
    names = os.listdir(SESSION_TMPDIR) if os.path.isdir(SESSION_TMPDIR) else []
    return {name for name in names if name != os.path.basename(STATE_BASE)}


def removed_containers(out):
    """Names of the containers a cleanup.yml run says it removed."""
    found = []
    for match in re.finditer(r"Removed (\d+) container\(s\) (.*?),? (\d+) volume\(s\)", " ".join(out.split())):
        found += [n for n in match.group(2).replace(",", " ").split() if n]
    return found


def cleanup_runs(run_ids=None, force=False):
    """Run cleanup.yml for each run of this session (``run_ids``, default: every run of ours that left something)
    on the session's state base; return (all exit codes zero, combined output). Never a cleanup of everything:
    other users' runs on this host are not ours to end."""
    if run_ids is None:
        run_ids = session_run_ids()
    ok, outputs = True, []
    for run_id in sorted(run_ids):
        args = ["-e", "testinfra_cleanup_run=%s" % run_id, "-e", "testinfra_state_dir=%s" % STATE_BASE]
        if force:  # our own run, live or not (an orphaned go test, a container a test labelled by hand)
            args += ["-e", "testinfra_cleanup_force=true"]
        rc, out = run_playbook("cleanup.yml", *args)
        ok = ok and rc == 0
        outputs.append(out)
    return ok, "\n".join(outputs)


def session_run_ids():
    """Run ids of this session's runs that left something: from the labels of our resources and our run dirs."""
    run_ids = set(run_ids_in(STATE_BASE))
    for items in our_resources().values():
        run_ids.update(labels[runstate.RUN_LABEL] for labels in items.values() if labels.get(runstate.RUN_LABEL))
    return run_ids


def _kill_process(pid):
    start = runstate.start_time(pid)
    if start is None:
        return
    try:
        os.kill(int(pid), signal.SIGKILL)
    except OSError:
        return
    deadline = time.monotonic() + 5
    while runstate.alive(pid, start) and time.monotonic() < deadline:
        time.sleep(0.05)


def remove_session_leftovers(new_volumes=(), new_temp=()):
    """Remove what this session's runs left: each run by its id through cleanup.yml, then what no run id names
    (labelled resources of ours without one, control-plane processes naming our directories, temp files in the
    session TMPDIR, new unused volumes, Kind nodes of ours)."""
    cleanup_runs(force=True)
    for kind, rm in (("container", ["rm", "-f", "-i", "-v", "-t", "0"]), ("volume", ["volume", "rm", "-f"]),
                     ("network", ["network", "rm", "-f"])):
        names = sorted(our_resources()[kind])
        if names:
            subprocess.run(["podman", *rm, *names], capture_output=True, check=False)
    clusters = recorded_kind_clusters() | KIND_CLUSTERS
    nodes = sorted(n for n, c in kind_nodes().items() if c in clusters)
    if nodes:
        subprocess.run(["podman", "rm", "-f", "-i", "-v", "-t", "0", *nodes], capture_output=True, check=False)
    for proc in control_plane_processes():
        _kill_process(proc.split()[0])
    for name in run_state_dirs():
        shutil.rmtree(os.path.join(STATE_BASE, name), ignore_errors=True)
    for name in new_temp:
        path = os.path.join(SESSION_TMPDIR, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.unlink(path)
    for name in new_volumes:  # not forced: a volume some container has come to use is not removed
        subprocess.run(["podman", "volume", "rm", name], capture_output=True, check=False)


class LeakCheck:
    """What clean_host does: start() before the test, verify() after it (fails, having removed the leak, when the
    session's runs left anything)."""

    watch = None

    def start(self):
        assert leftovers() == [], "leftovers from an earlier test"
        self.volumes_before = volumes()
        self.temp_before = temp_entries()
        self.watch = ContainerWatch()

    def new_unused_volumes(self):
        """New volumes that no container uses and that a container of this session mounted (a volume in use, or
        left by a container of another program, is not ours)."""
        candidates = unused_unlabelled_volumes() - self.volumes_before
        if candidates and self.watch:
            self.watch.settle()
        return sorted(candidates & (self.watch.volumes if self.watch else set()))

    def leaks(self):
        self.volumes = self.new_unused_volumes()  # settles the watch first: Kind nodes just created are known
        left = leftovers()
        left += ["anonymous volume " + v for v in self.volumes]
        self.temp = sorted(temp_entries() - self.temp_before)
        left += ["temp file " + name for name in self.temp]
        return left

    def verify(self):
        left = self.left = self.leaks()
        if left:
            remove_session_leftovers(self.volumes, self.temp)
        assert left == [], "the run left resources behind: %s" % left

    def close(self):
        if self.watch:
            self.watch.close()


@pytest.fixture(scope="session", autouse=True)
def test_session(tmp_path_factory):
    """The session's TMPDIR (made here, removed at the end); directories of sessions that died are swept first:
    their runs removed run by run, on their own state base."""
    OWN_DIRS.append(str(tmp_path_factory.getbasetemp()))
    parent = os.path.dirname(SESSION_TMPDIR)
    for path in glob.glob(os.path.join(parent, SESSION_PREFIX + "*")):
        pid, dummy, start = os.path.basename(path)[len(SESSION_PREFIX):].partition("-")
        if path == SESSION_TMPDIR or not pid.isdigit() or runstate.alive(pid, start):
            continue
        base = os.path.join(path, os.path.basename(STATE_BASE))
        for run_id in run_ids_in(base):
            run_playbook("cleanup.yml", "-e", "testinfra_cleanup_run=%s" % run_id,
                         "-e", "testinfra_state_dir=%s" % base)
        shutil.rmtree(path, ignore_errors=True)
    ensure_session_dir()
    yield SESSION_TMPDIR
    if leftovers():  # left by a test without clean_host
        remove_session_leftovers()
    shutil.rmtree(SESSION_TMPDIR, ignore_errors=True)


@pytest.fixture
def clean_host():
    """Fails the test when a run of this session left any container, volume, network, process or file behind.
    What other programs and other users' runs have on the host is not looked at, nor touched."""
    check = LeakCheck()
    try:
        check.start()
        yield check
        check.verify()
    finally:
        check.close()


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
    run = start_playbook(
        playbook, "-e", "testinfra_cluster=envtest", "-e", "testinfra_repo_dir=%s" % service_copy,
        "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestWaitsForTheMarker"],
                          "testinfra_env": {"TESTINFRA_MARKER": str(marker)}}), *args)
    try:
        deadline = time.time() + 180
        while not go_test_running(run.controller):  # this run's go test, not another one on the host
            assert time.time() < deadline and run.poll() is None, run.communicate()[0]
            time.sleep(0.2)
        assert len(control_plane_processes()) == 2
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        marker.write_text("done")
