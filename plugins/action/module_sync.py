# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_sync: bring a Go module of the controller to the target, incrementally (see plugins/modules/module_sync.py).

The controller lists its files (size, mtime, mode; symlink targets), reads the list it sent last time from the target
(one shell command, which also makes the directory and resolves ~), and sends only what changed, as one tar.gz, with
the paths to delete; the target extracts it with tar. No rsync is needed on either side.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import stat
import tarfile
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

MANIFEST = ".kubernaut-testinfra-sync.json"
DELETED = ".kubernaut-testinfra-deleted"


def manifest(src, exclude):
    """{relative path: [kind, size, mtime, mode or link target]} of the files and symlinks under src."""
    found = {}
    for top, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in exclude and not os.path.islink(os.path.join(top, d)))
        entries = files + [d for d in os.listdir(top) if os.path.islink(os.path.join(top, d)) and d not in files]
        for name in sorted(entries):
            if name in exclude or name in (MANIFEST, DELETED):
                continue
            path = os.path.join(top, name)
            rel = os.path.relpath(path, src)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ["l", 0, 0, os.readlink(path)]
            elif stat.S_ISREG(info.st_mode):
                found[rel] = ["f", info.st_size, int(info.st_mtime), stat.S_IMODE(info.st_mode)]
    return found


def plan(local, remote):
    """(paths to send, paths to delete) to turn the target's copy (its last manifest) into the controller's."""
    send = sorted(p for p, entry in local.items() if remote.get(p) != entry)
    delete = sorted(p for p in remote if p not in local)
    return send, delete


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _supports_check_mode = True

    def _remote(self, cmd):
        res = self._low_level_execute_command("/bin/sh -c %s" % shlex.quote(cmd))
        if res.get("rc", 1) != 0:
            raise AnsibleActionFail("on the target, %r failed: %s" % (cmd[:200], (res.get("stderr") or res.get("stdout")
                                                                                  or "").strip()[-1000:]))
        return res.get("stdout", "")

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self._task.args
        src = os.path.realpath(os.path.expanduser(str(args.get("src") or "")))
        if not args.get("src") or not os.path.isdir(src):
            raise AnsibleActionFail("src must be a directory on the controller: %r" % args.get("src"))
        name = args.get("name") or "%s-%s" % (os.path.basename(src), hashlib.sha1(src.encode()).hexdigest()[:8])
        if "/" in name or name in (".", ".."):
            raise AnsibleActionFail("name must be a plain directory name: %r" % name)
        dest_base = str(args.get("dest_base") or "~/.cache/kubernaut-testinfra/modules").rstrip("/")
        exclude = set(args.get("exclude") or [".git", ".testinfra"])
        # ~ stays unquoted so that the target's shell expands it
        base = dest_base if not dest_base.startswith("~") else '"$HOME"' + shlex.quote(dest_base[1:])
        if not dest_base.startswith("~"):
            base = shlex.quote(dest_base)
        out = self._remote("mkdir -p %s/%s && cd %s/%s && pwd && cat %s 2>/dev/null; true"
                           % (base, shlex.quote(name), base, shlex.quote(name), MANIFEST))
        path, _, previous = out.partition("\n")
        path = path.strip()
        try:
            remote = json.loads(previous) if previous.strip() else {}
        except ValueError:
            remote = {}  # a copy we cannot read: send everything
        local = manifest(src, exclude)
        send, delete = plan(local, remote)
        result.update(path=path, sent=len(send), deleted=len(delete), files=len(local), changed=bool(send or delete))
        if not result["changed"] or self._task.check_mode:
            return result
        with tempfile.TemporaryDirectory(prefix="kubernaut-sync-") as scratch:
            archive = os.path.join(scratch, "module.tar.gz")
            listing = os.path.join(scratch, MANIFEST)
            doomed = os.path.join(scratch, DELETED)
            with open(listing, "w", encoding="utf-8") as handle:
                json.dump(local, handle, separators=(",", ":"))
            with open(doomed, "wb") as handle:
                handle.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in delete))
            with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
                for rel in send:
                    tar.add(os.path.join(src, rel), arcname=rel, recursive=False)
                tar.add(doomed, arcname=DELETED)
                tar.add(listing, arcname=MANIFEST)  # last: a copy interrupted before it is sent again in full
            tmpdir = self._make_tmp_path()
            try:
                remote_archive = self._connection._shell.join_path(tmpdir, "module.tar.gz")
                self._transfer_file(archive, remote_archive)
                self._remote("cd %s && rm -f %s && tar -xzf %s --no-same-owner && xargs -0 -r rm -f -- < %s && rm -f %s"
                             % (shlex.quote(path), MANIFEST, shlex.quote(remote_archive), DELETED, DELETED))
            finally:
                self._remove_tmp_path(tmpdir)
        return result
