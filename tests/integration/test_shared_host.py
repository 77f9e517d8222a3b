"""A shared host: what other programs and other users' runs have here is neither counted nor touched by the suite.

Bystanders: a busybox container and a PostgreSQL (the pgvector image, on a port that is not 5432, with its
anonymous data volume) without our labels; a container labelled like a live run of another user (its
ansible-playbook - a stand-in process - still runs); an etcd-like process whose arguments name the default
state base of another user's run; temp files of another program in /tmp and next to the session's TMPDIR.
A run of datastorage.yml (with the stale reap at its start) and the leak check after it leave them all running;
and the leak check still catches, and removes, what a run of this session leaves.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import yaml

from conftest import (HOSTNAME, ROOT, SESSION_TMPDIR, STATE_BASE, LeakCheck, all_podman_names, label_args, leftovers,
                      podman_names, run_playbook, runstate, session_labels, start_playbook, temp_entries)

ROOTFS = "/var/lib/kubernaut-testinfra/smoke-rootfs"


def podman(*args, check=True, timeout=120):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check, timeout=timeout)


def role_default(role, var):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)[var]


def pg_image():
    """A PostgreSQL image the host has (the one the pgvector role built or pulled); made by one run if none."""
    candidates = [role_default("pgvector", "pgvector_local_image"), role_default("pgvector", "pgvector_image")]
    for attempt in range(2):
        for image in candidates:
            if podman("image", "exists", image, check=False).returncode == 0:
                return image
        if attempt == 0:
            rc, out = run_playbook("datastorage.yml")  # builds (or pulls) the image, as the quick start does
            assert rc == 0, out
    raise AssertionError("no PostgreSQL image among %s" % candidates)


def free_port():
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 5432:
            return port


def sql_answers(port, password, timeout=60):
    import psycopg2
    deadline = time.time() + timeout
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=password, dbname="postgres",
                                    connect_timeout=2)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                    return cur.fetchone()[0] == 1
            finally:
                conn.close()
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


class Bystanders:
    """Things on the host that are not this session's; all removed by remove()."""

    def __init__(self):
        self.tag = secrets.token_hex(4)
        self.containers, self.processes, self.files, self.volumes = [], [], [], []
        self.pg = None

    def container(self, name, *args):
        self.containers.append(name)
        podman("run", "-d", "--name", name, *args)
        return name

    def busybox(self, *labels):
        """An unlabelled (or foreign-labelled) container that sleeps."""
        return self.container("kt-bystander-%s-%d" % (self.tag, len(self.containers)), *labels,
                              "--rootfs", ROOTFS, "/busybox", "sleep", "3600")

    def process(self, argv, executable=None):
        proc = subprocess.Popen(argv, executable=executable, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append((proc, runstate.start_time(proc.pid)))
        return proc

    def left_volume(self):
        """An anonymous volume that another program's container left (removed without its volumes)."""
        name = "kt-bystander-vol-%s-%d" % (self.tag, len(self.volumes))
        podman("create", "--name", name, "-v", "/data", "--rootfs", ROOTFS, "/busybox", "true")
        volume = anonymous_volume(name)
        podman("rm", name)
        self.volumes.append(volume)
        return volume

    def another_users_run(self):
        """A container labelled like one of a live run of another user: its controller process still runs."""
        controller = self.process(["sleep", "3600"])
        now = int(time.time())
        labels = {"io.kubernaut.testinfra.collection": "kubernaut.testinfra",
                  runstate.RUN_LABEL: "bystander-" + self.tag, "io.kubernaut.testinfra.service": "datastorage",
                  "io.kubernaut.testinfra.owner": "someone-else", runstate.HOST_LABEL: HOSTNAME,
                  runstate.CONTROLLER_LABEL: "%d:%s" % (controller.pid, runstate.start_time(controller.pid)),
                  "io.kubernaut.testinfra.created": str(now), runstate.EXPIRES_LABEL: str(now + 3600),
                  runstate.KEEP_LABEL: "false"}
        return self.busybox(*label_args(labels))

    def another_users_control_plane(self):
        """An etcd-like process whose arguments name a run directory in the default state base (another user's run
        of kubernaut.testinfra): the old leak check counted any such process."""
        data_dir = os.path.join(runstate.default_base_dir(), "bystander-" + self.tag, "envtest", "etcd")
        return self.process(["etcd", "-c", "import time; time.sleep(3600)", "--data-dir=" + data_dir],
                            executable=sys.executable)

    def postgres(self):
        """PostgreSQL without our labels on a port that is not 5432; its data is an anonymous volume."""
        self.pg = {"port": free_port(), "password": secrets.token_hex(8)}
        self.pg["name"] = self.container("kt-bystander-pg-" + self.tag,
                                         "-e", "POSTGRES_PASSWORD=" + self.pg["password"],
                                         "-p", "127.0.0.1:%d:5432" % self.pg["port"], pg_image())
        assert sql_answers(self.pg["port"], self.pg["password"])
        return self.pg["name"]

    def temp_files(self):
        """Temp files of another program: in /tmp, in the temp directory of this pytest, next to the session's
        TMPDIR (often all /tmp)."""
        for parent in sorted({"/tmp", tempfile.gettempdir(), os.path.dirname(SESSION_TMPDIR)}):
            build = os.path.join(parent, "go-build%s" % self.tag)
            os.makedirs(build, exist_ok=True)
            with open(os.path.join(build, "b001.a"), "w") as handle:
                handle.write("not ours")
            self.files.append(build)
            for name in ("aptq", "sd"):
                path = os.path.join(parent, "%s-%s" % (name, self.tag))
                with open(path, "w") as handle:
                    handle.write("not ours")
                self.files.append(path)

    def assert_alive(self):
        running = {n: podman("inspect", "--format", "{{.State.Running}}", n, check=False).stdout.strip()
                   for n in self.containers}
        assert running == {n: "true" for n in self.containers}, running
        if self.pg:
            assert sql_answers(self.pg["port"], self.pg["password"], timeout=10)
        for proc, start in self.processes:
            assert runstate.alive(proc.pid, start), "bystander process %d is gone" % proc.pid
        assert all(os.path.exists(f) for f in self.files), [f for f in self.files if not os.path.exists(f)]
        present = set(podman("volume", "ls", "-q").stdout.split())
        assert set(self.volumes) <= present, set(self.volumes) - present

    def remove(self):
        if self.containers:
            podman("rm", "-f", "-i", "-v", "-t", "0", *self.containers, check=False)  # -i: one may be gone
        if self.volumes:
            podman("volume", "rm", "-f", *self.volumes, check=False)
        for proc, dummy in self.processes:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        for path in self.files:
            if os.path.isdir(path):
                subprocess.run(["rm", "-rf", "--", path], check=False)
            elif os.path.lexists(path):
                os.unlink(path)


@pytest.fixture
def bystanders():
    """Set up before clean_host and torn down after it: the bystanders must still be there, and answer, after the
    leak check of the test has run; then they are removed, whatever happened."""
    found = Bystanders()
    try:
        yield found
        found.assert_alive()
    finally:
        found.remove()


def test_bystanders_are_neither_counted_nor_touched(bystanders, clean_host):
    # Made after clean_host looked at the host: the PostgreSQL's anonymous volume is new, but in use.
    bystanders.busybox()
    bystanders.postgres()
    bystanders.another_users_run()
    bystanders.another_users_control_plane()
    run = start_playbook("datastorage.yml")
    try:
        bystanders.temp_files()  # while the run goes
        bystanders.left_volume()
        out = run.communicate(timeout=900)[0]
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, out
    assert "Reap what dead or expired runs left" in out  # the stale reap at the start of the run
    assert "datastorage: PASSED - 10 tests: 10 passed" in out
    assert leftovers() == []
    clean_host.verify()  # the fixture's check, as it runs again after the test: nothing of ours is left
    bystanders.assert_alive()
    assert set(bystanders.containers) <= set(all_podman_names())


def anonymous_volume(container):
    mounts = json.loads(podman("container", "inspect", "--format", "json", container).stdout)[0]["Mounts"]
    return [m["Name"] for m in mounts if m["Type"] == "volume"][0]


def our_leak(tag, check):
    """What a run of this session could leave, made by hand: a labelled container (as its run would label it),
    its run directory, an anonymous volume a container of ours left, a temp file in the session's TMPDIR, a control
    plane in its run dir."""
    run_id = "itest-leak-" + tag
    now = int(time.time())
    labels = session_labels(**{runstate.RUN_LABEL: run_id, "io.kubernaut.testinfra.created": str(now),
                               runstate.EXPIRES_LABEL: str(now + 3600), runstate.KEEP_LABEL: "false"})
    container = "kt-itest-leak-" + tag
    podman("create", "--name", container, *label_args(labels), "--rootfs", ROOTFS, "/busybox", "true")
    run_dir = os.path.join(STATE_BASE, run_id)
    os.makedirs(os.path.join(run_dir, "tmp"))
    runstate.write_json(os.path.join(run_dir, "tmp", "state.json"), {"labels": labels})
    # an anonymous volume of a container of ours, removed without its volumes
    holder = "kt-itest-leak-vol-" + tag
    podman("create", "--name", holder, *label_args(labels), "-v", "/data", "--rootfs", ROOTFS, "/busybox", "true")
    volume = anonymous_volume(holder)
    deadline = time.time() + 30
    while volume not in check.watch.volumes:  # seen, as for a container of a run, which lives for seconds at least
        assert time.time() < deadline, "the leak check did not see container %s being created" % holder
        time.sleep(0.1)
    podman("rm", holder)
    with open(os.path.join(SESSION_TMPDIR, "go-build-leak-" + tag), "w") as handle:
        handle.write("ours")
    etcd = subprocess.Popen(["etcd", "-c", "import time; time.sleep(3600)",
                             "--data-dir=" + os.path.join(run_dir, "envtest", "etcd")],
                            executable=sys.executable, start_new_session=True)
    return {"run": run_id, "container": container, "volume": volume, "temp": "go-build-leak-" + tag, "etcd": etcd}


@pytest.fixture
def leak_check():
    """clean_host's check, started, for a test that expects it to fail."""
    check = LeakCheck()
    try:
        check.start()
        yield check
    finally:
        check.close()


def test_leak_check_catches_a_leak_of_ours_and_removes_only_that(bystanders, leak_check):
    other = bystanders.busybox()
    foreign = bystanders.another_users_run()
    foreign_etcd = bystanders.another_users_control_plane()
    foreign_volume = bystanders.left_volume()
    bystanders.temp_files()
    leak = {}
    try:
        leak = our_leak(bystanders.tag, leak_check)
        with pytest.raises(AssertionError, match="the run left resources behind"):
            leak_check.verify()
        found = leak_check.left
        assert sorted(found) == sorted([leak["container"], "state dir " + leak["run"],
                                        "anonymous volume " + leak["volume"], "temp file " + leak["temp"],
                                        "process %d etcd" % leak["etcd"].pid]), found
        for item in (other, foreign, "process %d " % foreign_etcd.pid, foreign_volume, "go-build" + bystanders.tag,
                     "aptq-" + bystanders.tag, "sd-" + bystanders.tag):
            assert not [f for f in found if item in f], (item, found)
        # the fixture removed what was ours, and only that
        assert leak["container"] not in all_podman_names()
        assert not os.path.exists(os.path.join(STATE_BASE, leak["run"]))
        assert leak["volume"] not in podman("volume", "ls", "-q").stdout.split()
        assert leak["temp"] not in temp_entries()
        assert leak["etcd"].wait(timeout=10) == -signal.SIGKILL
        leak_check.verify()  # nothing left now
        bystanders.assert_alive()
    finally:
        if leak:
            podman("rm", "-f", "-v", leak["container"], check=False)
            podman("volume", "rm", "-f", leak["volume"], check=False)
            if leak["etcd"].poll() is None:
                leak["etcd"].kill()
                leak["etcd"].wait()


def test_leak_check_catches_a_kept_backend_of_a_real_run(bystanders, leak_check, tmp_path):
    """A real run of this session that leaves something (a kept backend: not stale, so no other user's stale reap
    takes it away before the check) fails the check, and the check removes it by the run's id."""
    other = bystanders.busybox()
    owner = "kt-itest-" + bystanders.tag  # its own kept name (ai-redis-<owner>): no other user's kept backend
    kept = "ai-redis-" + owner
    try:
        # USER names no account: Ansible's ~/.ansible/tmp would become a directory "~<owner>" in the checkout
        rc, out = run_playbook("ai.yml", "-e", "testinfra_keep=true", "-e", "testinfra_isolate=true",
                               env={"USER": owner, "ANSIBLE_REMOTE_TMP": str(tmp_path / "ansible-tmp")})
        assert rc == 0, out
        assert kept in podman_names()
        with pytest.raises(AssertionError, match="the run left resources behind"):
            leak_check.verify()
        assert kept in leak_check.left, leak_check.left
        assert other not in leak_check.left
        assert kept not in all_podman_names()
        assert leftovers() == []
        leak_check.verify()
    finally:
        podman("rm", "-f", "-v", kept, check=False)
