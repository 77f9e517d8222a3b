# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kube-apiserver, etcd (and kubectl) binaries of the envtest_binaries module: found (see ``sources``) or made
into the cache: kube-apiserver and kubectl built with Go, etcd downloaded from Debian or built with Go, each under a
lock and renamed into place; optionally linked into a KUBEBUILDER_ASSETS-style directory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import glob
import os
import shutil
import tempfile
import time

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.apt import (
    apt_env, apt_field, debian_upstream_version)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import assets_dir_name, cache_layout
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import (
    APT_TIMEOUT, PROBE_TIMEOUT, is_executable, remove, run, tail)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.gobuild import GoToolchain
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.gomod import (
    ETCD_MODULE, KUBE_APISERVER_PACKAGE, KUBECTL_PACKAGE, KUBERNETES_MODULE, go_directive, godebug_settings, kube_apiserver_ldflags,
    required_go, staging_replaces, wrapper_gomod_etcd, wrapper_gomod_kube_apiserver)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.sources import (
    ETCD, KEYS, KUBE, KUBECTL, BinarySources)

PACKAGES = {KUBE: KUBE_APISERVER_PACKAGE, KUBECTL: KUBECTL_PACKAGE}


class Failed(Exception):
    """A step failed; in source=auto some failures fall through to the next source."""


class EnvtestBinaries(BinarySources):
    """Resolves both binaries in the order of the source option; ``resolve()`` returns the module's result."""

    def __init__(self, module):
        super(EnvtestBinaries, self).__init__(module)
        self.go = GoToolchain(module, self.params["go"], self.fail)

    # -- making a binary: under its lock, into the cache --------------------------------------
    @contextlib.contextmanager
    def locked(self, name):
        path = os.path.join(self.cache_dir, "locks", name + ".lock")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                start = time.time()
                fcntl.flock(fd, fcntl.LOCK_EX)
                self.act("waited %.1f s for another run holding %s" % (time.time() - start, path))
            yield
        finally:
            os.close(fd)  # releases the lock

    def install(self, binary, produce):
        """Under the binary's lock: reuse what a concurrent run made, else produce it into a temporary file in
        <cache_dir>/bin and rename it into place. produce(tmp_path) returns a source name or None (not made)."""
        layout = cache_layout(self.cache_dir, binary, self.versions[binary])
        with self.locked(os.path.basename(layout["bin"])):
            hit = self.cached(binary)
            if hit:
                self.take(binary, hit[0], "cache", hit[1])
                self.act("%s: made meanwhile by another run" % self.label(binary))
                return True
            for stale in glob.glob(layout["tmp_prefix"] + "*"):
                remove(stale)  # left by a killed run; only the lock holder writes these
            os.makedirs(os.path.dirname(layout["bin"]), exist_ok=True)
            tmp = "%s%d" % (layout["tmp_prefix"], os.getpid())
            start = time.time()
            try:
                source = produce(tmp)
                if source is None:
                    return False
                os.chmod(tmp, 0o755)
                reported = self.probe(binary, tmp)
                if not self.wanted(binary, reported):
                    raise Failed("the %s made by %s reports %s with --version, not %s"
                                 % (binary, source, reported or "nothing", self.versions[binary]))
                os.rename(tmp, layout["bin"])
            finally:
                if os.path.lexists(tmp):
                    remove(tmp)
            self.result["build_seconds"][binary] = round(time.time() - start, 1)
            self.result["changed"] = True
            self.take(binary, layout["bin"], source, reported)
            return True

    # -- kube-apiserver and kubectl -----------------------------------------------------------
    def build_kubernetes(self, binary):
        """Build kube-apiserver or kubectl (``binary``) from k8s.io/kubernetes into the cache."""
        what = "%s %s" % (binary, self.k8s)
        info = self.go.module_info(KUBERNETES_MODULE, self.k8s, what, "kubernetes_version")
        with open(info["GoMod"]) as handle:
            gomod = handle.read()
        need = required_go(go_directive(gomod))
        self.go.check(what, need, "the go line of %s %s's go.mod, and the tool directive of the wrapper module"
                      % (KUBERNETES_MODULE, self.k8s))
        staging = staging_replaces(gomod)
        if not staging:
            self.fail("the go.mod of %s %s replaces no ./staging module; this module does not know how to build "
                      "that release: provide %s or assets_dir instead" % (KUBERNETES_MODULE, self.k8s, KEYS[binary]))
        layout = cache_layout(self.cache_dir, binary, self.k8s)
        plan = "%s: build from %s via GOPROXY=%s with %s into %s" % (
            self.label(binary), PACKAGES[binary], self.go.env.get("GOPROXY"), self.go.env.get("GOVERSION"),
            layout["bin"])
        if self.check:
            self.act("would " + plan)
            self.result["changed"] = True
            self.take(binary, layout["bin"], "built", self.k8s)
            return
        wrapper = wrapper_gomod_kube_apiserver(self.k8s, need, staging, godebug_settings(gomod), PACKAGES[binary])
        ldflags = kube_apiserver_ldflags(self.k8s, info.get("Time"))

        def produce(tmp):
            self.go.build(self.label(binary), layout["build"], wrapper, PACKAGES[binary], ldflags, tmp)
            return "built"

        self.guarded_install(binary, produce)
        if self.result["sources"].get(binary) == "built":
            self.act(plan.replace(": build", ": built", 1) + " in %s s" % self.result["build_seconds"][binary])

    def guarded_install(self, binary, produce):
        try:
            return self.install(binary, produce)
        except Failed as exc:
            self.fail("%s: %s" % (self.label(binary), to_native(exc)))

    # -- etcd ------------------------------------------------------------------------------------
    def debian_plan(self):
        return "%s: download etcd-server from %s %s" % (self.label(ETCD), self.params["debian_mirror"],
                                                         self.params["debian_suite"])

    def fetch_etcd(self):
        mode = self.params["etcd_source"]
        apt = self.module.get_bin_path("apt-get")
        dpkg_deb = self.module.get_bin_path("dpkg-deb")
        use_debian = mode == "debian" or (mode == "auto" and apt and dpkg_deb)
        if mode == "debian" and not (apt and dpkg_deb):
            self.fail("etcd_source=debian needs apt-get and dpkg-deb, which this host lacks: use etcd_source=go "
                      "(builds etcd %s with Go) or provide etcd" % self.etcd_v)
        layout = cache_layout(self.cache_dir, ETCD, self.etcd_v)
        if self.check:
            if use_debian:
                self.act("would %s into %s (or, if it is not etcd %s, build it with Go)"
                         % (self.debian_plan(), layout["bin"], self.etcd_v[1:]))
            else:
                self.go_etcd_plan(layout)
            self.result["changed"] = True
            self.take(ETCD, layout["bin"], "debian" if use_debian else "built", self.etcd_v[1:])
            return
        if use_debian:
            def produce(tmp):
                return self.debian_etcd(apt, dpkg_deb, tmp)

            if self.guarded_install(ETCD, produce):
                return
        self.build_etcd(layout)

    def debian_etcd(self, apt, dpkg_deb, tmp):
        """Download etcd-server into tmp; None (fall back to Go) when Debian has another version or, with
        etcd_source=auto, the mirror cannot be used."""
        mode = self.params["etcd_source"]
        where = "%s %s" % (self.params["debian_mirror"], self.params["debian_suite"])

        def trouble(msg):
            if mode == "debian":
                self.fail(msg + ": check the mirror (debian_mirror, proxy settings), or use etcd_source=go")
            self.module.warn(msg + "; building etcd %s with Go instead" % self.etcd_v[1:])
            self.act("%s: Debian download failed, building with Go" % self.label(ETCD))
            return None

        root = os.path.join(self.cache_dir, "apt")
        with self.locked("apt"):
            env = apt_env(root, self.params["debian_mirror"], self.params["debian_suite"])
            rc, out = run([apt, "-q", "update"], env=env, timeout=APT_TIMEOUT)
            if rc != 0:
                return trouble("apt-get update of %s failed (rc=%s): %s" % (where, rc, tail(out, 8)))
            rc, out = run(["apt-cache", "show", "--no-all-versions", "etcd-server"], env=env, timeout=PROBE_TIMEOUT)
            version = apt_field(out, "Version") if rc == 0 else None
            if not version:
                return trouble("%s has no etcd-server package (%s)" % (where, tail(out, 3)))
            upstream = debian_upstream_version(version)
            if "v" + upstream != self.etcd_v:
                if mode == "debian":
                    self.fail("%s has etcd-server %s (etcd %s), not etcd %s: set etcd_version: %s, or "
                              "etcd_source: go to build %s with Go" % (where, version, upstream, self.etcd_v[1:],
                                                                       upstream, self.etcd_v[1:]))
                self.act("%s: %s has etcd %s, building with Go" % (self.label(ETCD), where, upstream))
                return None
            work = tempfile.mkdtemp(prefix=os.path.basename(tmp) + "-", dir=os.path.dirname(tmp))
            try:
                rc, out = run([apt, "-q", "download", "etcd-server=%s" % version], cwd=work, env=env,
                              timeout=APT_TIMEOUT)
                debs = glob.glob(os.path.join(work, "*.deb"))
                if rc != 0 or len(debs) != 1:
                    return trouble("apt-get download etcd-server=%s from %s failed (rc=%s): %s"
                                   % (version, where, rc, tail(out, 8)))
                rc, out = run([dpkg_deb, "-x", debs[0], os.path.join(work, "root")], timeout=APT_TIMEOUT)
                extracted = os.path.join(work, "root", "usr", "bin", "etcd")
                if rc != 0 or not is_executable(extracted):
                    return trouble("cannot extract usr/bin/etcd from %s: %s" % (os.path.basename(debs[0]),
                                                                                 tail(out, 5)))
                if not self.wanted(ETCD, self.probe(ETCD, extracted)):
                    return trouble("etcd from etcd-server %s does not run on this host or reports another version"
                                   % version)
                shutil.copyfile(extracted, tmp)
            finally:
                remove(work)
        self.act("%s: downloaded etcd-server %s from %s" % (self.label(ETCD), version, where))
        return "debian"

    def go_etcd_plan(self, layout):
        info = self.go.module_info(ETCD_MODULE, self.etcd_v, "etcd %s" % self.etcd_v, "etcd_version")
        need = required_go(info.get("GoVersion"))
        self.go.check("etcd %s" % self.etcd_v, need, "the go line of %s %s's go.mod, and the tool directive of "
                      "the wrapper module" % (ETCD_MODULE, self.etcd_v))
        plan = "%s: build from %s via GOPROXY=%s with %s into %s" % (
            self.label(ETCD), ETCD_MODULE, self.go.env.get("GOPROXY"), self.go.env.get("GOVERSION"), layout["bin"])
        if self.check:
            self.act("would " + plan)
        return need, plan

    def build_etcd(self, layout):
        need, plan = self.go_etcd_plan(layout)
        wrapper = wrapper_gomod_etcd(self.etcd_v, need)

        def produce(tmp):
            self.go.build(self.label(ETCD), layout["build"], wrapper, ETCD_MODULE, "-s -w", tmp)
            return "built"

        self.guarded_install(ETCD, produce)
        if self.result["sources"].get(ETCD) == "built":
            self.act(plan.replace(": build", ": built", 1) + " in %s s" % self.result["build_seconds"][ETCD])

    # -- main --------------------------------------------------------------------------------
    def link_assets(self):
        """The KUBEBUILDER_ASSETS-style directory of the resolved binaries: <link_dir>/<name> links to them, each
        replaced through a temporary link (a reader never sees a missing name); returns its path."""
        binaries = [b for b in (KUBE, ETCD, KUBECTL) if self.result.get(KEYS[b])]
        directory = os.path.join(self.cache_dir, "assets", assets_dir_name(self.k8s, self.etcd_v, binaries)) \
            if self.params["link_dir"] == "auto" else os.path.abspath(self.params["link_dir"])
        if self.check:
            return directory
        os.makedirs(directory, exist_ok=True)
        for binary in binaries:
            target, link = self.result[KEYS[binary]], os.path.join(directory, binary)
            if os.path.islink(link) and os.readlink(link) == target:
                continue
            tmp = "%s.tmp-%d" % (link, os.getpid())
            if os.path.lexists(tmp):
                remove(tmp)
            os.symlink(target, tmp)
            os.rename(tmp, link)
            self.result["changed"] = True
            self.act("linked %s -> %s" % (link, target))
        return directory

    def resolve(self):
        source = self.params["source"]
        todo = [KUBE, ETCD] + ([KUBECTL] if self.params.get("with_kubectl") else [])
        self.from_explicit(todo)
        if todo and source in ("auto", "assets"):
            self.from_assets(todo)
        if todo and source in ("auto", "cache", "build"):
            self.from_cache(todo)
        if todo and source in ("auto", "setup-envtest"):
            self.from_setup_envtest(todo)
        if todo and source in ("auto", "build"):
            if KUBE in todo:
                self.build_kubernetes(KUBE)
            if ETCD in todo:
                self.fetch_etcd()
            if KUBECTL in todo:
                self.build_kubernetes(KUBECTL)
        missing = [b for b in todo if not self.result.get(KEYS[b])]
        if missing:  # source=assets or setup-envtest without kubectl
            self.fail("%s not found with source=%s: provide %s (option %s), or use source=auto to take it from the "
                      "cache or build it" % (" and ".join(self.label(b) for b in missing), source,
                                             " and ".join(missing), " / ".join(KEYS[b] for b in missing)))
        if self.params.get("link_dir"):
            self.result["assets_dir"] = self.link_assets()
        return self.result
