# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_sync: bring a Go module of the controller to the target, incrementally (see plugins/modules/module_sync.py).

The controller lists its files (size, mtime, mode; symlink targets), reads the list it sent last time from the target
(one shell command, which also makes the directory, resolves ~ and says whether the target has rsync), and sends only
what changed: with rsync over the task's SSH connection when both ends have it (transfer=auto), else as one tar.gz
with the paths to delete, which the target extracts with tar.

go_proxy=true also brings a file-based GOPROXY (module_utils/goproxy.py) of the module's dependencies, from the
controller's module cache, to <dest_base>/<name>.goproxy, the same way: for a target without a module proxy.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import stat
import subprocess
import tarfile
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.kubernaut.testinfra.plugins.module_utils import go_toolchain, goproxy

MANIFEST = ".kubernaut-testinfra-sync.json"
DELETED = ".kubernaut-testinfra-deleted"
RSYNC_MARK = "kubernaut-testinfra-rsync=yes"


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


def choose_transfer(wanted, local_rsync, remote_rsync, ssh_ok):
    """'rsync' or 'archive' for transfer=wanted (auto, rsync, archive); raises ValueError for rsync that cannot be.
    auto takes rsync wherever it can: as fast or faster than the archive from a 150 KB module to a 117 MB module
    proxy in the measurements (docs/lab-hosts.md), sending less (--compress skips zips), no temp file."""
    can = local_rsync and remote_rsync and ssh_ok
    if wanted == "rsync" and not can:
        fixes = [fix for ok, fix in ((local_rsync, "install rsync on the controller (make prepare, or apt-get install "
                                                   "rsync)"),
                                     (remote_rsync, "install it on the target (playbooks/prepare_host.yml there)"),
                                     (ssh_ok, "connect over SSH with a key and without become"))
                 if not ok]
        raise ValueError("transfer=rsync needs rsync on the controller (%s) and on the target (%s) and an SSH "
                         "connection with key authentication and no become (%s): %s, or use transfer=auto (the "
                         "archive where rsync cannot be used)"
                         % ("yes" if local_rsync else "no", "yes" if remote_rsync else "no", "yes" if ssh_ok else "no",
                            "; ".join(fixes)))
    return "archive" if wanted == "archive" or not can else "rsync"


def rsync_argv(src, dest, host, user, ssh, exclude, extra_files=()):
    """The rsync command line that makes dest on host a copy of src (plus extra files at its top), deleting what is
    not in src, over the ssh command line given."""
    argv = ["rsync", "--archive", "--compress", "--no-devices", "--no-specials", "--delete", "--omit-dir-times", "--stats",
            "--rsh", " ".join(shlex.quote(a) for a in ssh)]
    argv += ["--exclude=%s" % name for name in sorted(exclude)]
    target = "%s%s" % ("%s@" % user if user else "", "[%s]" % host if ":" in host else host)
    return argv + [src.rstrip("/") + "/"] + list(extra_files) + ["%s:%s/" % (target, dest)]


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _supports_check_mode = True

    def _remote(self, cmd):
        res = self._low_level_execute_command("/bin/sh -c %s" % shlex.quote(cmd))
        if res.get("rc", 1) != 0:
            raise AnsibleActionFail("on the target, %r failed: %s" % (cmd[:200], (res.get("stderr") or res.get("stdout")
                                                                                  or "").strip()[-1000:]))
        return res.get("stdout", "")

    def _ssh(self):
        """(host, user, ssh argv) of the task's SSH connection, or None when rsync cannot use it (another connection
        plugin, a password, become)."""
        conn = self._connection
        if getattr(conn, "transport", "") not in ("ssh", "ansible.builtin.ssh") or self._play_context.become:
            return None
        try:
            if conn.get_option("password"):
                return None
            host, port, user = conn.get_option("host"), conn.get_option("port"), conn.get_option("remote_user")
            key = conn.get_option("private_key_file")
            ssh = [conn.get_option("ssh_executable") or "ssh"]
            for name in ("ssh_args", "ssh_common_args", "ssh_extra_args"):
                ssh += shlex.split(conn.get_option(name) or "")
        except KeyError:
            return None
        if not host:
            return None
        if port:
            ssh += ["-p", str(port)]
        if key:
            ssh += ["-i", os.path.expanduser(str(key))]
        return host, user, ssh

    def _sync(self, src, name, base, exclude, transfer):
        """Make <base>/<name> on the target a copy of src; base is a shell word (~ expanded there). Returns the
        result fields (path, files, sent, deleted, changed, transfer, bytes)."""
        out = self._remote("mkdir -p %s/%s && cd %s/%s && pwd && command -v rsync >/dev/null && echo %s; cat %s "
                           "2>/dev/null; true" % (base, shlex.quote(name), base, shlex.quote(name), RSYNC_MARK, MANIFEST))
        path, _, previous = out.partition("\n")
        path = path.strip()
        remote_rsync = previous.startswith(RSYNC_MARK)
        if remote_rsync:
            previous = previous.partition("\n")[2]
        try:
            remote = json.loads(previous) if previous.strip() else {}
        except ValueError:
            remote = {}  # a copy we cannot read: send everything
        local = manifest(src, exclude)
        send, delete = plan(local, remote)
        ssh = self._ssh()
        total = sum(entry[1] for entry in local.values())
        try:
            how = choose_transfer(transfer, bool(shutil.which("rsync")), remote_rsync, ssh is not None)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc))
        result = dict(path=path, sent=len(send), deleted=len(delete), files=len(local), bytes=total,
                      changed=bool(send or delete), transfer=how)
        if not result["changed"] or self._task.check_mode:
            return result
        with tempfile.TemporaryDirectory(prefix="kubernaut-sync-") as scratch:
            listing = os.path.join(scratch, MANIFEST)
            with open(listing, "w", encoding="utf-8") as handle:
                json.dump(local, handle, separators=(",", ":"))
            if how == "rsync":
                host, user, argv = ssh
                # the manifest comes along as an extra source (last: it names what the copy holds)
                cmd = rsync_argv(src, path, host, user, argv, exclude | {DELETED}, [listing])
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    raise AnsibleActionFail("rsync to the target failed (rc %d): %s"
                                            % (proc.returncode, (proc.stderr or proc.stdout).strip()[-1500:]))
                for line in proc.stdout.splitlines():
                    if line.startswith("Total bytes sent:"):
                        result["bytes_sent"] = int(line.split(":", 1)[1].strip().replace(",", "").split()[0])
                return result
            archive = os.path.join(scratch, "module.tar.gz")
            doomed = os.path.join(scratch, DELETED)
            with open(doomed, "wb") as handle:
                handle.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in delete))
            with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
                for rel in send:
                    tar.add(os.path.join(src, rel), arcname=rel, recursive=False)
                tar.add(doomed, arcname=DELETED)
                tar.add(listing, arcname=MANIFEST)  # last: a copy interrupted before it is sent again in full
            result["bytes_sent"] = os.path.getsize(archive)
            tmpdir = self._make_tmp_path()
            try:
                remote_archive = self._connection._shell.join_path(tmpdir, "module.tar.gz")
                self._transfer_file(archive, remote_archive)
                self._remote("cd %s && rm -f %s && tar -xzf %s --no-same-owner && xargs -0 -r rm -f -- < %s && rm -f %s"
                             % (shlex.quote(path), MANIFEST, shlex.quote(remote_archive), DELETED, DELETED))
            finally:
                self._remove_tmp_path(tmpdir)
        return result

    def _go_proxy(self, src, name, go, arch=None, min_version=None):
        """The file GOPROXY of src's dependencies on the controller (assembled again when go.mod, go.sum, the Go
        version or arch changed): (its directory, number of module versions, the toolchain module version or None).
        go runs on copies of go.mod and go.sum in a scratch directory: `go mod download` would add lines to the
        module's own go.sum. arch (a GOARCH): the Go toolchain module go_toolchain (prepare_host) would install for
        go.mod (its toolchain line, else its go line; min_version a floor) comes along, downloaded and verified
        against sum.golang.org by go on the controller."""
        cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        # one per architecture: a group of lab hosts of two architectures does not assemble it again and again
        dest = os.path.join(cache_home, "kubernaut-testinfra", "goproxy", name + ("." + arch if arch else ""))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        # all.yml syncs several lab hosts at once (forks): one assembles, the others wait and find it current
        with open(dest + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._go_proxy_locked(src, dest, go, arch, min_version)

    def _go_proxy_locked(self, src, dest, go, arch, min_version):
        with tempfile.TemporaryDirectory(prefix="kubernaut-goproxy-") as scratch:
            env = dict(os.environ, GOWORK="off", GOFLAGS="-mod=mod")

            def run(*argv):
                proc = subprocess.run([go] + list(argv), cwd=scratch, env=env, capture_output=True, text=True,
                                      check=False)
                if proc.returncode != 0 and not (argv[:2] == ("mod", "download") and proc.stdout.strip()):
                    raise AnsibleActionFail("on the controller, `go %s` for %s failed: %s"
                                            % (" ".join(argv), src, (proc.stderr or proc.stdout).strip()[-1500:]))
                return proc.stdout

            key = hashlib.sha256()
            for part in ("go.mod", "go.sum"):
                if os.path.isfile(os.path.join(src, part)):
                    shutil.copy(os.path.join(src, part), os.path.join(scratch, part))
                    with open(os.path.join(src, part), "rb") as handle:
                        key.update(handle.read())
                key.update(b"\0")
            key.update(run("version").encode())
            key.update(("%s %s" % (arch, min_version)).encode())
            stamp = {"key": key.hexdigest()}
            previous = goproxy.read_stamp(dest)
            if previous and previous.get("key") == stamp["key"]:
                return dest, previous.get("modules", 0), previous.get("toolchain")
            graph = goproxy.graph_versions(run("mod", "graph"))
            build_list = goproxy.parse_json_stream(run("mod", "download", "-json", "all"))
            if arch:
                stamp["toolchain"] = self._toolchain(run, os.path.join(scratch, "go.mod"), arch, min_version)
                build_list += goproxy.parse_json_stream(run("mod", "download", "-json",
                                                            "%s@%s" % (go_toolchain.TOOLCHAIN_MODULE, stamp["toolchain"])))
            cache = os.path.join(run("env", "GOMODCACHE").strip(), "cache", "download")
        try:
            files, lists = goproxy.layout(build_list, graph, cache)
        except ValueError as exc:
            raise AnsibleActionFail("the Go module proxy directory for %s: %s" % (src, exc))
        stamp["modules"] = sum(1 for rel in files if rel.endswith(".mod"))
        goproxy.assemble(dest, files, lists, stamp)
        return dest, stamp["modules"], stamp.get("toolchain")

    @staticmethod
    def _toolchain(run, go_mod, arch, min_version):
        """The version of golang.org/toolchain that go_toolchain picks for go.mod (as prepare_host asks it on a lab
        host: the toolchain line, else the go line, as its version; min_version a floor)."""
        try:
            with open(go_mod, encoding="utf-8") as handle:
                directives = go_toolchain.parse_go_mod(handle.read())
            wanted = directives["toolchain"] or directives["go"]
            need, exact, why = go_toolchain.requirement(version=wanted, min_version=min_version)
        except (IOError, OSError, go_toolchain.GoVersionError) as exc:
            raise AnsibleActionFail("go_toolchain=true: which Go %s needs: %s" % (go_mod, exc))
        if exact:
            return go_toolchain.toolchain_module_version(need, arch)
        listed = json.loads(run("list", "-m", "-json", "-versions", go_toolchain.TOOLCHAIN_MODULE)).get("Versions", [])
        pick = go_toolchain.choose_version(go_toolchain.listed_versions(" ".join(listed), arch), need, exact)
        if not pick:
            raise AnsibleActionFail("go_toolchain=true: the module proxy has no Go toolchain for %s, linux-%s"
                                    % (why, arch))
        return go_toolchain.toolchain_module_version(pick, arch)

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
        transfer = str(args.get("transfer") or "auto")
        if transfer not in ("auto", "rsync", "archive"):
            raise AnsibleActionFail("transfer must be auto, rsync or archive: %r" % transfer)
        # ~ stays unquoted so that the target's shell expands it
        base = '"$HOME"' + shlex.quote(dest_base[1:]) if dest_base.startswith("~") else shlex.quote(dest_base)
        result.update(self._sync(src, name, base, exclude, transfer))
        if self._boolean(args.get("go_proxy", False)):
            go = str(args.get("go") or "go")
            go = shutil.which(go) or (shutil.which("/usr/local/go/bin/go") if go == "go" else None)
            if not go:
                raise AnsibleActionFail("go_proxy=true needs Go on the controller (go %r not found)" % args.get("go"))
            arch = None
            if self._boolean(args.get("go_toolchain", False)):
                machine = self._remote("uname -m").strip()
                arch = go_toolchain.GOARCH.get(machine)
                if not arch:
                    raise AnsibleActionFail("go_toolchain=true: no Go toolchain for the target's machine %r" % machine)
            local_proxy, modules, toolchain = self._go_proxy(src, name, go, arch,
                                                             str(args.get("go_min_version") or "1.22"))
            synced = self._sync(local_proxy, name + ".goproxy", base, set(), transfer)
            result["go_proxy"] = dict(path=synced["path"], url="file://" + synced["path"], modules=modules,
                                      toolchain=toolchain,
                                      files=synced["files"], sent=synced["sent"], deleted=synced["deleted"],
                                      bytes=synced["bytes"], transfer=synced["transfer"])
            if "bytes_sent" in synced:
                result["go_proxy"]["bytes_sent"] = synced["bytes_sent"]
            result["changed"] = result["changed"] or synced["changed"]
        return result

    @staticmethod
    def _boolean(value):
        from ansible.module_utils.parsing.convert_bool import boolean
        return boolean(value, strict=False)
