"""Ownership rules the reaper relies on: what counts as stale, and process identity by start time."""

import os
import socket
import subprocess
import threading
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate

HOST = socket.gethostname()


def labels(**extra):
    base = {runstate.HOST_LABEL: HOST, runstate.CONTROLLER_LABEL: "%d:%s" % (os.getpid(), runstate.start_time(os.getpid())),
            runstate.EXPIRES_LABEL: str(int(time.time()) + 3600)}
    base.update(extra)
    return base


def test_live_owner_is_not_stale():
    assert not runstate.stale(labels())


def test_dead_owner_is_stale_unless_kept():
    proc = subprocess.Popen(["true"])
    proc.wait()
    dead = labels(**{runstate.CONTROLLER_LABEL: "%d:%s" % (proc.pid, "12345")})
    assert runstate.stale(dead)
    assert not runstate.stale(dict(dead, **{runstate.KEEP_LABEL: "true"}))


def test_reused_pid_with_another_start_time_is_not_the_owner():
    assert runstate.owner_gone(labels(**{runstate.CONTROLLER_LABEL: "%d:1" % os.getpid()}))


def test_expired_is_stale_even_when_kept():
    assert runstate.stale(labels(**{runstate.EXPIRES_LABEL: "1", runstate.KEEP_LABEL: "true"}))


def test_other_hosts_and_unlabelled_owners_are_left_alone():
    assert not runstate.owner_gone(labels(**{runstate.HOST_LABEL: "elsewhere", runstate.CONTROLLER_LABEL: "1:1"}))
    assert not runstate.owner_gone({runstate.HOST_LABEL: HOST})
    assert not runstate.expired({runstate.EXPIRES_LABEL: "soon"})


def test_stop_processes_ends_a_process_group(tmp_path):
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    entry = {"name": "sleep", "pid": proc.pid, "start": runstate.start_time(proc.pid)}
    assert runstate.alive(entry["pid"], entry["start"])
    assert runstate.stop_processes([entry], grace=2) == ["sleep"]
    proc.wait(timeout=5)
    assert runstate.stop_processes([entry]) == []  # already gone: nothing to stop


def test_write_json_is_private(tmp_path):
    path = str(tmp_path / "state.json")
    runstate.write_json(path, {"a": 1})
    assert runstate.read_json(path) == {"a": 1}
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert runstate.read_json(str(tmp_path / "missing.json")) is None


def test_stop_processes_without_grace_kills_at_once_and_waits_for_the_end():
    # a process that ignores SIGTERM, like a kube-apiserver busy with its graceful shutdown
    proc = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 60"], start_new_session=True)
    time.sleep(0.2)
    entry = {"name": "stubborn", "pid": proc.pid, "start": runstate.start_time(proc.pid)}
    begun = time.monotonic()
    threading.Thread(target=proc.wait).start()  # its parent reaps it, as init does for a control plane
    assert runstate.stop_processes([entry], grace=0) == ["stubborn"]
    assert not runstate.alive(entry["pid"], entry["start"])
    assert time.monotonic() - begun < 5  # the default grace alone would be 10 s


def test_a_zombie_is_not_alive_so_stopping_does_not_wait_for_a_late_reaper():
    # PID 1 of a container may reap orphans late (every 2 s here) or never; the killed control plane
    # is gone for good once it is a zombie.
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    entry = {"name": "sleep", "pid": proc.pid, "start": runstate.start_time(proc.pid)}
    try:
        assert runstate.alive(entry["pid"], entry["start"])
        assert runstate.stop_processes([entry], grace=0) == ["sleep"]
        # nobody has reaped it yet: it is still in the process table, as a zombie, and not alive
        assert runstate._stat(proc.pid)[0] == "Z"
        assert not runstate.alive(entry["pid"], entry["start"])
        assert runstate.start_time(proc.pid) == entry["start"]
    finally:
        proc.kill()
        proc.wait()


def test_runs_of_a_controller_elsewhere_are_orphaned_only_when_that_controller_says_so():
    remote = labels(**{runstate.HOST_LABEL: "lab1", runstate.CONTROLLER_LABEL: "4242:99@ctl"})
    try:
        assert not runstate.owner_gone(remote)  # nobody told this host anything: live until it expires
        runstate.set_controller_view("ctl", ["4242:99"])
        assert not runstate.owner_gone(remote)  # that controller still runs it
        runstate.set_controller_view("other", [])
        assert not runstate.owner_gone(remote)  # another controller knows nothing about it
        runstate.set_controller_view("ctl", ["4242:1"])
        assert runstate.owner_gone(remote) and runstate.state(remote) == "orphaned"
    finally:
        runstate.set_controller_view("", [])


def test_live_controllers_lists_ansible_playbook_processes_only():
    assert all(":" in item for item in runstate.live_controllers())
    assert "%d:%s" % (os.getpid(), runstate.start_time(os.getpid())) not in runstate.live_controllers()
