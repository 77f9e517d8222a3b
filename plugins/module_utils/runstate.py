# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ownership of what a run leaves on the host: labels (stale or not), processes recorded with
their start time (so a reused PID is never killed), and the per-run state directories."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import socket
import tempfile
import time

EXPIRES_LABEL = "io.kubernaut.testinfra.expires"
CONTROLLER_LABEL = "io.kubernaut.testinfra.controller"
HOST_LABEL = "io.kubernaut.testinfra.host"
RUN_LABEL = "io.kubernaut.testinfra.run"
KEEP_LABEL = "io.kubernaut.testinfra.keep"
OWNER_LABEL = "io.kubernaut.testinfra.owner"
SERVICE_LABEL = "io.kubernaut.testinfra.service"
CREATED_LABEL = "io.kubernaut.testinfra.created"


def default_base_dir():
    """Where runs keep their state (kubeconfigs, control-plane data): one directory per user."""
    return os.path.join(tempfile.gettempdir(), "kubernaut-testinfra-%d" % os.getuid())


def _proc(pid):
    """(cmdline parts, parent pid, start time) of a process, or None."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmd = handle.read().split(b"\0")
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return cmd, int(fields[1]), fields[19]
    except (IOError, OSError, ValueError, IndexError):
        return None


def controller():
    """'<pid>:<start time>' of the ansible-playbook process above this module; '' when not found.

    Ansible runs each task in a forked worker with the same command line as the main process, and
    the worker exits after the task: the topmost ansible-playbook process is the one that lives
    as long as the run.
    """
    found = ""
    pid = os.getppid()
    for dummy in range(16):
        info = _proc(pid)
        if info is None:
            break
        cmd, ppid, start = info
        is_playbook = any(os.path.basename(part).startswith(b"ansible-playbook") for part in cmd[:2])
        if is_playbook:
            found = "%d:%s" % (pid, start)
        elif found or ppid <= 1:
            break
        pid = ppid
    return found


def own_labels(labels):
    """``labels`` with this host and the ansible-playbook process running the play filled in when missing."""
    labels = dict(labels or {})
    if not labels.get(HOST_LABEL):
        labels[HOST_LABEL] = socket.gethostname()
    if not labels.get(CONTROLLER_LABEL):
        labels[CONTROLLER_LABEL] = controller()
    return labels


def _stat(pid):
    """The fields of /proc/<pid>/stat after the command name (state first), or []."""
    try:
        with open("/proc/%d/stat" % int(pid)) as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (IOError, OSError, IndexError, ValueError):
        return []


def start_time(pid):
    """The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), or None."""
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else None


def alive(pid, start):
    """True when process ``pid`` still runs and is the one that started at ``start``.

    A zombie is not alive: it has exited and only waits for its parent (often PID 1 of a container,
    which may reap late or never) to collect its status."""
    fields = _stat(pid)
    return start is not None and len(fields) > 19 and fields[0] not in ("Z", "X") and fields[19] == str(start)


def expired(labels, now=None):
    try:
        return float(labels.get(EXPIRES_LABEL, "inf")) <= (time.time() if now is None else now)
    except (TypeError, ValueError):
        return False


# Runs a controller started on this host over SSH (a lab host) carry '<pid>:<start>@<controller host>' as their
# controller label: this host cannot see that process. A module called from that controller is told which of its
# ansible-playbook processes still run (set_controller_view), and then knows which of its runs are orphaned.
_CONTROLLER_VIEW = {}


def set_controller_view(host, live):
    """What the controller ``host`` says: ``live``, the '<pid>:<start>' of its ansible-playbook processes."""
    _CONTROLLER_VIEW.clear()
    if host:
        _CONTROLLER_VIEW.update(host=host, live=set(live or []))


def live_controllers():
    """'<pid>:<start>' of every ansible-playbook process on this host (what a lab host is told, set_controller_view)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        info = _proc(int(pid))
        if info and any(os.path.basename(part).startswith(b"ansible-playbook") for part in info[0][:2]):
            found.append("%s:%s" % (pid, info[2]))
    return found


def owner_gone(labels):
    """True when the labels name an ansible-playbook process on this host that no longer runs, or one on the controller
    that told us (set_controller_view) it does not run any more."""
    ident, at, controller_host = labels.get(CONTROLLER_LABEL, "").partition("@")
    if at:
        return (bool(_CONTROLLER_VIEW) and controller_host == _CONTROLLER_VIEW["host"]
                and ident not in _CONTROLLER_VIEW["live"])
    if labels.get(HOST_LABEL) != socket.gethostname():
        return False
    pid, dummy, start = labels.get(CONTROLLER_LABEL, "").partition(":")
    if not pid.isdigit():
        return False
    return not alive(pid, start)


def stale(labels, now=None):
    """Expired, or its owning run is gone (and it was not kept on purpose)."""
    if expired(labels, now):
        return True
    return labels.get(KEEP_LABEL) != "true" and owner_gone(labels)


def state(labels, now=None):
    """What a resource with these labels is to a cleanup: ``expired``, ``orphaned`` (its ansible-playbook on this
    host is gone), ``kept`` (left on purpose by a keep run) or ``live`` (its run is going on here, or it belongs
    to a run on another host, which this host cannot check)."""
    if expired(labels, now):
        return "expired"
    if labels.get(KEEP_LABEL) == "true":
        return "kept"
    return "orphaned" if owner_gone(labels) else "live"


def current_owner():
    """The owner name runs of this user put into their labels (the playbooks' _testinfra_owner)."""
    import pwd  # not at the top: module_utils imported on hosts without a passwd entry still load
    name = os.environ.get("USER") or ""
    if not name:
        try:
            name = pwd.getpwuid(os.getuid()).pw_name
        except KeyError:
            name = "unknown"
    return "".join(c for c in name if c.isalnum() or c in "_.-")


def describe(labels):
    """'run <id> (service s, user u, started <UTC time>, pid p[ on host h])' from a resource's labels."""
    parts = []
    if labels.get(SERVICE_LABEL):
        parts.append("service %s" % labels[SERVICE_LABEL])
    parts.append("user %s" % (labels.get(OWNER_LABEL) or "?"))
    try:
        parts.append("started %s" % time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(labels[CREATED_LABEL]))))
    except (KeyError, TypeError, ValueError):
        pass
    pid = labels.get(CONTROLLER_LABEL, "").partition(":")[0]
    if pid:
        parts.append("pid %s" % pid)
    if labels.get(HOST_LABEL) and labels.get(HOST_LABEL) != socket.gethostname():
        parts[-1] += " on host %s" % labels[HOST_LABEL]
    return "run %s (%s)" % (labels.get(RUN_LABEL) or "?", ", ".join(parts))


def stop_processes(processes, grace=10.0):
    """SIGTERM each recorded process group still alive, then SIGKILL what is left after ``grace`` s
    (``grace=0``: at once).

    ``processes``: dicts with pid and start. Each was started as the leader of its own process group.
    Returns the names of the processes that were running.
    """
    running = [p for p in processes if alive(p["pid"], p.get("start"))]
    for proc in running:
        _signal_group(proc["pid"], signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p["pid"], p.get("start")) for p in running):
        time.sleep(0.05)
    killed = [p for p in running if alive(p["pid"], p.get("start"))]
    for proc in killed:
        _signal_group(proc["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 2
    while killed and time.monotonic() < deadline and any(alive(p["pid"], p.get("start")) for p in killed):
        time.sleep(0.01)  # gone before the caller removes their files or reports them stopped
    return [p.get("name", str(p["pid"])) for p in running]


def _signal_group(pid, sig):
    try:
        os.killpg(int(pid), sig)
    except OSError:
        try:
            os.kill(int(pid), sig)
        except OSError:
            pass


def read_json(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def write_json(path, data):
    """Write atomically, readable only by the owner (state files name kubeconfigs and keys)."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.rename(tmp, path)
