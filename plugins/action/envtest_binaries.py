# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""envtest_binaries: in the worker process on the controller (plugin_utils/in_process.py); on a remote host, the
kube-apiserver, etcd (and kubectl) the host's cache lacks are first copied from the controller's cache, when the
controller has them for the host's OS and architecture, instead of built there (minutes of Go on the host).

One shell command on the host says its ``uname -sm``, its cache directory and which of the wanted cache files it has.
Each missing file the controller's cache has is sent into a temporary directory there, its sha256 checked by
``sha256sum -c``, and renamed into ``<cache>/bin`` under the name the module looks for; the module then runs as
usual and takes it from its cache (``sources: cache``), after checking its ``--version``. Nothing is sent when the
task names the binaries itself (``kube_apiserver``, ``etcd``, ``kubectl``, ``assets_dir``), with ``source`` other than
``auto``, ``cache`` or ``build``, or with ``copy_from_controller: false``.
"""

from __future__ import annotations

import os
import shlex
import time

from ansible.errors import AnsibleError

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import cached_name, default_cache_dir
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import normalize_version
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.controller_copy import (
    REMOTE_CACHE, ControllerCopy, binaries_to_copy, parse_probe, sha256_file)

KEYS = {"kube-apiserver": "kube_apiserver", "etcd": "etcd", "kubectl": "kubectl"}


def wanted_files(args):
    """{binary: cache file name} the module would look for in its cache, or {} when it would not use the cache."""
    if str(args.get("source") or "auto") not in ("auto", "cache", "build") or args.get("assets_dir"):
        return {}
    binaries = ["kube-apiserver", "etcd"] + (["kubectl"] if args.get("with_kubectl") in (True, "true", "yes", "True")
                                             else [])
    versions = {"kube-apiserver": args.get("kubernetes_version") or "1.34.4", "kubectl":
                args.get("kubernetes_version") or "1.34.4", "etcd": args.get("etcd_version") or "3.5.16"}
    try:
        return {b: cached_name(b, normalize_version(str(versions[b]))) for b in binaries if not args.get(KEYS[b])}
    except ValueError:
        return {}  # a bad version: the module says so


class ActionModule(ControllerCopy):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if not self.remote_target(task_vars):
            return super().run(tmp, task_vars)
        wanted = wanted_files(self._task.args)
        try:
            copied = self.copy_missing(wanted) if wanted else dict(copied={}, notes=["not copied with these options"])
        except AnsibleError as exc:  # the module makes them on the host, as without the copy
            copied = dict(copied={}, notes=["copying from the controller failed: %s" % exc])
        result = super().run(tmp, task_vars)
        result["from_controller"] = copied
        return result

    def copy_missing(self, wanted):
        args = self._task.args
        cache = ('c=%s' % shlex.quote(args["cache_dir"])) if args.get("cache_dir") else REMOTE_CACHE
        probe = self.shell("%s; echo \"uname $(uname -sm)\"; echo \"cache $c\"; for f in %s; do "
                           "[ -x \"$c/bin/$f\" ] && echo \"have $f\"; done; true"
                           % (cache, " ".join(shlex.quote(n) for n in sorted(wanted.values()))))
        host = parse_probe(probe.get("stdout", ""))
        mine = (os.uname().sysname.lower(), os.uname().machine)
        if host["platform"] != mine:
            return dict(copied={}, notes=["the host is %s, the controller %s: nothing copied"
                                          % ("/".join(host["platform"] or ("?",)), "/".join(mine))])
        controller_cache = default_cache_dir(os.environ, os.path.expanduser("~"))
        controller_files = {}
        for name in wanted.values():
            path = os.path.join(controller_cache, "bin", name)  # as cache_layout() names it
            controller_files[name] = path if os.path.isfile(path) and os.access(path, os.X_OK) else None
        send, notes = binaries_to_copy(wanted, host["have"], controller_files)
        copied = {}
        if not send:
            return dict(copied=copied, notes=notes)
        target = host["cache"] + "/bin"
        with self.remote_tmpdir() as tmpdir:
            for binary, path in sorted(send.items()):
                start = time.monotonic()
                digest = sha256_file(path)
                remote, transfer = self.send(path, tmpdir, wanted[binary])
                final = "%s/%s" % (target, wanted[binary])
                staged = "%s/.%s.copy-%d" % (target, wanted[binary], os.getpid())
                self.shell("mkdir -p %s && echo %s | sha256sum -c --quiet - && cp %s %s && chmod 0755 %s && mv -f %s %s"
                           % (shlex.quote(target), shlex.quote("%s  %s" % (digest, remote)), shlex.quote(remote),
                              shlex.quote(staged), shlex.quote(staged), shlex.quote(staged), shlex.quote(final)))
                copied[binary] = dict(bytes=os.path.getsize(path), sha256=digest, transfer_seconds=transfer,
                                      seconds=round(time.monotonic() - start, 2), path=final)
        return dict(copied=copied, notes=notes)
