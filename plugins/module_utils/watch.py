# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watch loop for TDD (``make watch-<service>``, docs/watch.md): provision once, re-run the tests on every save.

The driver (:func:`main`, started by playbooks/watch.py) runs the service's playbook with ``testinfra_watch=true`` in
a session of its own, so that Ctrl-C in the terminal reaches the driver only. The play provisions the backends as
usual and, instead of running the tests, its test command becomes a *hold* (roles/testinfra/files/watch_hold.sh): a
shell that writes the tests' command line, working directory and environment into the driver's private directory
(mode 0700, files 0600; the driver reads the environment and removes it at once) and waits. The driver runs that command line with that
environment right away and again after every save of a ``.go`` file under the module (inotify, debounced), printing
one summary line per run. On Ctrl-C (or SIGTERM) it ends the running tests, tells the hold to finish: the hold prints
the last run's output and exits with its exit code, so that the play writes JUnit and summary.json of the last run
and its usual cleanup removes everything. The driver waits for the play, which was not interrupted, and exits with
its exit code. If the driver dies, the hold sees it and the play cleans up all the same.

The tests keep the run's TESTINFRA_* environment, so the reaper tells them as the live run's processes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import errno
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
WATCH_MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE
EVENT = struct.Struct("iIII")
WATCHED_NAMES = ("go.mod", "go.sum")
SKIPPED_DIRS = ("vendor", "testdata", "node_modules")
DEBOUNCE = 0.05  # seconds of quiet after a save before the tests start (editors write a file in several steps)

class Inotify(object):
    """Recursive inotify watch (pure ctypes) of a directory tree: which ``.go`` files were saved."""

    def __init__(self, root):
        self.libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1: " + os.strerror(ctypes.get_errno()))
        self.dirs = {}
        self.add_tree(root)

    def add_tree(self, root):
        for path, dirs, dummy in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and d not in SKIPPED_DIRS]
            self.add(path)

    def add(self, path):
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(path), WATCH_MASK)
        if wd < 0:
            err = ctypes.get_errno()
            if err == errno.ENOSPC:
                raise OSError(err, "inotify watch limit reached at %s: raise fs.inotify.max_user_watches" % path)
            return  # a directory that went away meanwhile
        self.dirs[wd] = path

    def read(self, timeout):
        """The ``.go`` files saved (written and closed, moved in, created, deleted) within ``timeout`` seconds."""
        ready = select.select([self.fd], [], [], timeout)[0]
        if not ready:
            return []
        try:
            data = os.read(self.fd, 65536)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EINTR):
                return []
            raise
        saved, offset = [], 0
        while offset + EVENT.size <= len(data):
            wd, mask, dummy, length = EVENT.unpack_from(data, offset)
            name = data[offset + EVENT.size:offset + EVENT.size + length].rstrip(b"\0").decode(errors="replace")
            offset += EVENT.size + length
            if mask & IN_Q_OVERFLOW:
                saved.append("(many files)")
                continue
            if mask & IN_IGNORED:
                self.dirs.pop(wd, None)
                continue
            path = os.path.join(self.dirs.get(wd, "?"), name)
            if mask & IN_ISDIR:
                if mask & (IN_CREATE | IN_MOVED_TO) and not name.startswith((".", "_")) and name not in SKIPPED_DIRS:
                    self.add_tree(path)
                continue
            if relevant(name):
                saved.append(path)
        return saved

    def close(self):
        os.close(self.fd)


def relevant(name):
    """A Go source file or go.mod/go.sum, not an editor's temporary (.#x.go, x.go~, .x.go.swp)."""
    return (name.endswith(".go") and not name.startswith((".", "#"))) or name in WATCHED_NAMES


def wait_for_saves(inotify, timeout=None, debounce=DEBOUNCE):
    """Block until a relevant file is saved, then until ``debounce`` seconds pass without another; (files, first)."""
    saved = []
    while not saved:
        saved = inotify.read(timeout if timeout is not None else 3600)
        if timeout is not None and not saved:
            return [], None
    first = time.time()
    while True:
        more = inotify.read(debounce)
        if not more:
            return sorted(set(saved)), first
        saved += more


def summary_line(output, rc, title, number, seconds, latency=None):
    """One line (plus the failed tests, indented) for one run of the tests."""
    from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json
    from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_text
    result = parse_go_test_json(output, rc=rc)
    lines = summary_text(result, title=title).splitlines()
    head = "%s #%d %s (%.1f s%s)" % (time.strftime("%H:%M:%S"), number, lines[0], seconds,
                                      "" if latency is None else ", started %.2f s after the save" % latency)
    return "\n".join([head] + [line for line in lines[1:] if line.strip()][:12])


class Runner(object):
    """Runs the tests' command line in a process group of its own (so that it can be ended as a whole)."""

    def __init__(self, argv, cwd, env):
        self.argv, self.cwd, self.env = argv, cwd, env
        self.proc = None

    def start(self, out_path):
        self.out = open(out_path, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self.proc

    def wait(self):
        rc = self.proc.wait()
        self.out.close()
        self.proc = None
        return rc

    def stop(self, grace=5.0):
        """End the running tests and everything they started (TERM to the group, KILL after ``grace``)."""
        if self.proc is None:
            return None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except OSError:
                pass
            deadline = time.time() + grace
            while self.proc.poll() is None and time.time() < deadline:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                break
        return self.wait()


class Stop(Exception):
    """Ctrl-C or SIGTERM: the normal end of the loop."""


def _stop(signum, frame):
    raise Stop()


def read_command(work, play, poll=0.05):
    """(argv, cwd, env) the hold wrote; the environment file (passwords, tokens) is removed at once. None when the
    play ended first (provisioning failed)."""
    argv_path = os.path.join(work, "argv")
    while not os.path.exists(argv_path):
        if play.poll() is not None:
            return None
        time.sleep(poll)
    with open(os.path.join(work, "env"), "rb") as handle:
        env_data = handle.read()
    os.unlink(os.path.join(work, "env"))
    env = dict(item.decode(errors="surrogateescape").partition("=")[::2] for item in env_data.split(b"\0") if b"=" in item)
    with open(argv_path, "rb") as handle:
        argv = [a.decode(errors="surrogateescape") for a in handle.read().split(b"\0")[:-1]]
    with open(os.path.join(work, "cwd")) as handle:
        cwd = handle.read().strip()
    return argv, cwd, env


def loop(runner, watch_root, title, work, out=None, first=True, runs=None, on_start=None):
    """Run the tests, then again after each save, until Stop; returns the number of runs.

    ``runs`` stops after that many runs (benchmarks, tests); ``on_start(number, latency)`` is called as each run
    starts."""
    out = out or sys.stdout
    inotify = Inotify(watch_root)
    number, pending, saved_at = 0, first, None
    try:
        while runs is None or number < runs:
            if not pending:
                files, saved_at = wait_for_saves(inotify)
                out.write("%s saved: %s\n" % (time.strftime("%H:%M:%S"), ", ".join(
                    os.path.relpath(f, watch_root) for f in files[:5]) + (" ..." if len(files) > 5 else "")))
                out.flush()
            number += 1
            started = time.time()
            latency = started - saved_at if saved_at else None
            runner.start(os.path.join(work, "run.out"))
            if on_start:
                on_start(number, latency)
            # saves during the run: one more run once this one ended (not an ended run: a test may be half way)
            pending = False
            while runner.proc.poll() is None:
                more = inotify.read(0.1)
                if more:
                    pending, saved_at = True, saved_at if pending else time.time()
            rc = runner.wait()
            with open(os.path.join(work, "run.out"), "rb") as handle:
                output = handle.read().decode("utf-8", "replace")
            os.rename(os.path.join(work, "run.out"), os.path.join(work, "last.out"))
            with open(os.path.join(work, "last.rc.tmp"), "w") as handle:
                handle.write("%d\n" % (rc if rc >= 0 else 128 - rc))
            os.rename(os.path.join(work, "last.rc.tmp"), os.path.join(work, "last.rc"))
            out.write(summary_line(output, rc, title, number, time.time() - started, latency) + "\n")
            if pending:
                saved_at = time.time()
            out.flush()
    finally:
        inotify.close()
    return number


def main(argv=None):
    """watch.py SERVICE PLAYBOOK [ansible-playbook arguments...]"""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2:
        sys.stderr.write("usage: watch.py SERVICE PLAYBOOK [ansible-playbook arguments]\n")
        return 2
    service, playbook, extra = argv[0], argv[1], argv[2:]
    work = tempfile.mkdtemp(prefix="kubernaut-testinfra-watch-")
    os.chmod(work, 0o700)
    with open(os.path.join(work, "driver.pid"), "w") as handle:
        handle.write("%d\n" % os.getpid())
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, TESTINFRA_WATCH_DIR=work)
    play = subprocess.Popen([ansible if os.path.exists(ansible) else "ansible-playbook", playbook,
                             "-e", "testinfra_watch=true"] + extra, env=env, start_new_session=True)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    runner = None
    try:
        command = read_command(work, play)
        if command is None:
            return play.wait()
        argv, cwd, test_env = command
        runner = Runner(argv, cwd, test_env)
        sys.stdout.write("watching %s: the tests re-run on every save of a .go file; Ctrl-C ends the loop and "
                         "removes the backends\n" % cwd)
        sys.stdout.flush()
        loop(runner, cwd, service, work)
    except Stop:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # the cleanup is under way: a second Ctrl-C does not stop it
        if runner is not None and runner.proc is not None:
            runner.stop()
        open(os.path.join(work, "done"), "w").close()
        sys.stdout.write("\nwatch loop ended: the play reports the last run and removes the backends\n")
        sys.stdout.flush()
        rc = play.wait()
        shutil.rmtree(work, ignore_errors=True)
    return rc
