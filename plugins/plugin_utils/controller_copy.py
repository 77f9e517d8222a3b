# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a remote host lacks and the controller has, sent once instead of made on each host (issue 18).

Used by the action plugins of ``local_image`` (a locally built image: ``podman save`` on the controller, sent, and
``podman load`` on the host) and ``envtest_binaries`` (kube-apiserver, etcd, kubectl from the controller's cache,
sha256-checked on the host). The pure parts (what to send, the probe's output) are functions with unit tests
(tests/unit/plugins/plugin_utils/test_controller_copy.py); ``ControllerCopy`` is the part that talks to the host.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shlex
import time

from ansible.errors import AnsibleError

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import InProcessAction

LOCK_DIR = os.path.join("~", ".cache", "kubernaut-testinfra", "locks")
# the host's cache directory as the modules compute it (module_utils/envtest/cache.py default_cache_dir)
REMOTE_CACHE = ('case "${XDG_CACHE_HOME:-}" in /*) c="$XDG_CACHE_HOME";; *) c="$HOME/.cache";; esac; '
                'c="$c/kubernaut-testinfra"')


def sha256_file(path, chunk=4 * 1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def platform_of(uname_sm):
    """('linux', 'x86_64') from `uname -sm` output ('Linux x86_64')."""
    parts = uname_sm.split()
    return (parts[0].lower(), parts[1]) if len(parts) == 2 else None


def parse_probe(out):
    """The host probe's lines -> {'platform': (os, arch) or None, 'cache': dir, 'have': set of file names}."""
    found = {"platform": None, "cache": "", "have": set()}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key == "uname":
            found["platform"] = platform_of(value)
        elif key == "cache":
            found["cache"] = value
        elif key == "have":
            found["have"].add(value)
    return found


def binaries_to_copy(wanted, host_have, controller_files):
    """Which cached binary files to send: those the host lacks and the controller has.

    wanted: {binary: cache file name}; host_have: file names present on the host; controller_files: {file name:
    controller path or None}. Returns (send {binary: controller path}, notes [why a binary is not sent])."""
    send, notes = {}, []
    for binary, name in sorted(wanted.items()):
        if name in host_have:
            continue
        if controller_files.get(name):
            send[binary] = controller_files[name]
        else:
            notes.append("%s: not in the controller's cache either (made on the host)" % name)
    return send, notes


@contextlib.contextmanager
def controller_lock(name):
    """An exclusive lock on the controller (two hosts of one all.yml run must not build the same image twice)."""
    path = os.path.join(os.path.expanduser(LOCK_DIR), name + ".lock")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class ControllerCopy(InProcessAction):
    """InProcessAction plus what the copying plugins need: the module run on the host with changed arguments,
    shell commands there, and files sent into a temporary directory there."""

    TRANSFERS_FILES = True

    def remote_target(self, task_vars):
        """True when the module runs on another machine (not the local connection), not in check mode, and the
        task did not switch the copy off (copy_from_controller: false); not for async tasks."""
        if self._connection.transport == "local" or self.in_process(task_vars) or self._task.async_val:
            return False
        return not self._task.check_mode and self._task.args.get("copy_from_controller", True) not in (
            False, "false", "no", "False")

    def base_run(self, tmp, task_vars):
        """ActionBase.run (its checks of async, check mode and the arguments), without running the module."""
        return super(InProcessAction, self).run(tmp, task_vars)  # pylint: disable=bad-super-call

    def run_remote_module(self, task_vars, **extra):
        args = dict(self._task.args, **extra)
        try:
            return self._execute_module(module_name=self._task.resolved_action, module_args=args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access

    def shell(self, cmd, check=True):
        res = self._low_level_execute_command("/bin/sh -c %s" % shlex.quote(cmd))
        if check and res.get("rc", 1) != 0:
            raise AnsibleError("on %s, %r failed (rc=%s): %s" % (
                self._task.delegate_to or self._play_context.remote_addr, cmd[:300], res.get("rc"),
                (res.get("stderr") or res.get("stdout") or "").strip()[-1000:]))
        return res

    @contextlib.contextmanager
    def remote_tmpdir(self):
        tmpdir = self._make_tmp_path()
        try:
            yield tmpdir
        finally:
            self._remove_tmp_path(tmpdir, force=True)

    def send(self, local, tmpdir, name):
        """Send a controller file into tmpdir on the host; (remote path, seconds)."""
        remote = self._connection._shell.join_path(tmpdir, name)  # pylint: disable=protected-access
        start = time.monotonic()
        self._transfer_file(local, remote)
        return remote, round(time.monotonic() - start, 2)
