"""The watch loop's parts: inotify of .go saves (debounced), the hold's hand-over, one line per run."""

import io
import json
import os
import subprocess
import sys
import threading
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils import watch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
HOLD = os.path.join(ROOT, "roles", "testinfra", "files", "watch_hold.sh")
PASS = [{"Action": "run", "Package": "ex/p", "Test": "TestA"}, {"Action": "pass", "Package": "ex/p", "Test": "TestA"},
        {"Action": "pass", "Package": "ex/p", "Elapsed": 0.1}]


def test_only_go_sources_and_go_mod_count():
    assert watch.relevant("x_test.go") and watch.relevant("go.mod") and watch.relevant("go.sum")
    assert not any(watch.relevant(n) for n in (".#x.go", "x.go~", ".x.go.swp", "README.md", "4913"))


def test_saves_are_seen_in_new_directories_and_debounced(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / ".git").mkdir()
    inotify = watch.Inotify(str(tmp_path))
    try:
        assert inotify.read(0.05) == []
        (tmp_path / ".git" / "x.go").write_text("")  # hidden directories are not watched
        (tmp_path / "pkg" / "notes.txt").write_text("")
        assert watch.wait_for_saves(inotify, timeout=0.2) == ([], None)
        (tmp_path / "new").mkdir()
        time.sleep(0.1)
        inotify.read(0.05)  # the directory is watched from now on
        for name in ("a.go", "b.go"):
            (tmp_path / "new" / name).write_text("package new\n")
        tmp = tmp_path / "pkg" / ".c.go.tmp"
        tmp.write_text("package pkg\n")
        os.rename(str(tmp), str(tmp_path / "pkg" / "c.go"))  # how many editors save
        files, first = watch.wait_for_saves(inotify, timeout=1)
        assert sorted(os.path.relpath(f, str(tmp_path)) for f in files) == ["new/a.go", "new/b.go", "pkg/c.go"]
        assert time.time() - first >= watch.DEBOUNCE
    finally:
        inotify.close()


def test_hold_hands_over_command_and_environment_then_returns_the_last_run(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "driver.pid").write_text("%d\n" % os.getpid())
    with open(HOLD) as handle:
        script = handle.read()
    hold = subprocess.Popen(["/bin/sh", "-c", script, "testinfra-watch", str(work), "go", "test", "a b"],
                            cwd=str(tmp_path), env=dict(os.environ, SECRET_X="s3cret"), stdout=subprocess.PIPE)
    argv, cwd, env = watch.read_command(str(work), hold)
    assert argv == ["go", "test", "a b"] and cwd == str(tmp_path) and env["SECRET_X"] == "s3cret"
    assert not (work / "env").exists(), "the environment file goes at once"
    assert oct(os.stat(str(work / "argv")).st_mode & 0o777) == "0o600"
    (work / "last.out").write_text("last output\n")
    (work / "last.rc").write_text("3\n")
    (work / "done").write_text("")
    assert hold.communicate(timeout=5)[0] == b"last output\n" and hold.returncode == 3


def test_hold_ends_when_the_driver_is_gone(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "driver.pid").write_text("999999999\n")
    with open(HOLD) as handle:
        script = handle.read()
    assert subprocess.run(["/bin/sh", "-c", script, "x", str(work), "true"], timeout=5).returncode == 130
    assert not work.exists(), "the dead driver's directory is removed"
    assert subprocess.run(["/bin/sh", "-c", script, "x", str(tmp_path / "none"), "true"], timeout=5).returncode == 2


def test_loop_runs_at_once_then_after_each_save(tmp_path):
    module = tmp_path / "module"
    (module / "pkg").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    events = "\n".join(json.dumps(e) for e in PASS)
    runner = watch.Runner([sys.executable, "-c", "print(%r)" % events], str(module), dict(os.environ))
    starts = []

    def save():
        while len(starts) < 1 or not (work / "last.rc").exists():
            time.sleep(0.02)
        time.sleep(0.2)
        (module / "pkg" / "x_test.go").write_text("package pkg\n")

    threading.Thread(target=save, daemon=True).start()
    out = io.StringIO()
    assert watch.loop(runner, str(module), "svc", str(work), out=out, runs=2,
                      on_start=lambda n, latency: starts.append(latency)) == 2
    assert starts[0] is None and 0 < starts[1] < 0.5
    lines = [line for line in out.getvalue().splitlines() if " #" in line]
    assert len(lines) == 2 and all("svc: PASSED - 1 test: 1 passed" in line for line in lines), out.getvalue()
    assert "saved: pkg/x_test.go" in out.getvalue()
    assert (work / "last.rc").read_text() == "0\n" and "TestA" in (work / "last.out").read_text()


def test_runner_stop_ends_the_whole_group(tmp_path):
    runner = watch.Runner(["/bin/sh", "-c", "sleep 60 & sleep 60; wait"], str(tmp_path), dict(os.environ))
    proc = runner.start(str(tmp_path / "out"))
    time.sleep(0.2)
    assert runner.stop(grace=2) is not None
    deadline = time.time() + 3
    while group_members(proc.pid):  # the sleeps get the TERM too (zombies until their new parent collects them)
        assert time.time() < deadline, group_members(proc.pid)
        time.sleep(0.05)


def group_members(pgid):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            found.append(pid)
    return found
