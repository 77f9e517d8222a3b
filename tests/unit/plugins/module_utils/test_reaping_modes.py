"""Which resources each cleanup mode removes: a live run only by force, kept backends by their owner."""

import os
import socket
import time

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.reaping import left_lines, wanted

NOW = time.time()


def labels(run, owner="alice", keep=False, controller=None, expires=NOW + 3600, host=None):
    return {runstate.RUN_LABEL: run, runstate.OWNER_LABEL: owner, runstate.KEEP_LABEL: str(keep).lower(),
            runstate.CONTROLLER_LABEL: controller or "%d:%s" % (os.getpid(), runstate.start_time(os.getpid())),
            runstate.HOST_LABEL: host or socket.gethostname(), runstate.EXPIRES_LABEL: str(expires),
            runstate.SERVICE_LABEL: "ai", runstate.CREATED_LABEL: str(NOW - 60)}


LIVE = labels("live")                                   # this process stands for a running ansible-playbook
ORPHANED = labels("orphaned", controller="999999999:1")  # its ansible-playbook is gone
EXPIRED = labels("expired", expires=NOW - 1)
MINE_KEPT = labels("mine-kept", keep=True, controller="999999999:1")
THEIRS_KEPT = labels("theirs-kept", owner="bob", keep=True, controller="999999999:1")
OTHER_HOST = labels("elsewhere", host="another-host", controller="1:1")
ALL = [LIVE, ORPHANED, EXPIRED, MINE_KEPT, THEIRS_KEPT, OTHER_HOST]


def removed(**params):
    params = dict(dict(run_id=None, expired_only=False, stale=False, keep_labels=[], kept_owner=None, force=False), **params)
    left = {}
    gone = [item[runstate.RUN_LABEL] for item in ALL if wanted(item, params, NOW, left)]
    return gone, sorted(left)


@pytest.mark.parametrize("params, gone, left", [
    ({"kept_owner": "alice"}, ["orphaned", "expired", "mine-kept"], ["elsewhere", "live", "theirs-kept"]),
    ({"kept_owner": "*"}, ["orphaned", "expired", "mine-kept", "theirs-kept"], ["elsewhere", "live"]),
    ({"kept_owner": "*", "force": True}, ["live", "orphaned", "expired", "mine-kept", "theirs-kept", "elsewhere"], []),
    ({"stale": True, "force": True}, ["orphaned", "expired"], ["elsewhere", "live", "mine-kept", "theirs-kept"]),
    ({"expired_only": True}, ["expired"], []),
    ({"run_id": "live"}, [], ["live"]),
    ({"run_id": "live", "force": True}, ["live"], []),
])
def test_modes(params, gone, left):
    assert removed(**params) == (gone, left)


def test_left_lines_name_run_user_start_and_pid():
    lines = left_lines({"live": dict(LIVE, state="live"), "mine-kept": dict(MINE_KEPT, state="kept")})
    start = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(NOW - 60))
    assert lines == ["left running: run live (service ai, user alice, started %s, pid %d)" % (start, os.getpid()),
                     "left kept: run mine-kept (service ai, user alice, started %s, pid 999999999), kept on purpose "
                     "by a keep run" % start]


def test_test_processes_of_another_pid_namespace_are_not_ours(monkeypatch):
    """A run inside a container shows in the host's /proc with a controller PID of its own namespace."""
    import subprocess
    from ansible_collections.kubernaut.testinfra.plugins.module_utils import reaping
    env = dict(os.environ, TESTINFRA_RUN_ID="r-ns", TESTINFRA_CONTROLLER="1:1")
    child = subprocess.Popen(["sleep", "30"], env=env)
    try:
        assert child.pid in reaping.test_processes()
        real = reaping._pid_namespace
        monkeypatch.setattr(reaping, "_pid_namespace",
                            lambda pid: "pid:[other]" if str(pid) == str(child.pid) else real(pid))
        assert child.pid not in reaping.test_processes()
    finally:
        child.kill()
        child.wait()


def test_without_podman_only_the_run_directory_goes(tmp_path):
    """A keep run's own cleanup (podman ""): no Podman call at all, and the run id's directory is still removed."""
    from ansible_collections.kubernaut.testinfra.plugins.module_utils.reaping import reap

    class NoPodman:
        check_mode = False

        def get_bin_path(self, name, required=False):
            raise AssertionError("looked for %r: podman '' must not touch Podman" % name)

        def run_command(self, args, **kwargs):
            raise AssertionError("ran %r" % (args,))

    (tmp_path / "20261203-abcd").mkdir()
    (tmp_path / "20261203-abcd" / "test.env").write_text("X=1\n")
    (tmp_path / "keep-ai").mkdir()
    result = reap(NoPodman(), dict(run_id="20261203-abcd", expired_only=False, stale=False,
                                   keep_labels=[runstate.KEEP_LABEL + "=true"], force=True, podman="",
                                   state_dir=str(tmp_path)))
    assert result["runs"] == ["20261203-abcd"] and result["containers"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep-ai"]
