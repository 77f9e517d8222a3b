# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the kube-apiserver, etcd (and kubectl) binaries of the envtest_binaries module are found when they exist: explicit
paths, an assets directory (KUBEBUILDER_ASSETS), the cache, setup-envtest; and the result that records them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import cache_layout, default_cache_dir
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import (
    APT_TIMEOUT, PROBE_TIMEOUT, is_executable, run, tail)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import (
    normalize_version, parse_etcd_version, parse_kube_apiserver_version, parse_kubectl_version)

KUBE = "kube-apiserver"
ETCD = "etcd"
KUBECTL = "kubectl"
# option / result key of each binary
KEYS = {KUBE: "kube_apiserver", ETCD: "etcd", KUBECTL: "kubectl"}


class BinarySources(object):
    """The binaries the module's options ask for, the sources that have them already, and the result (paths,
    versions, sources, actions). ``module`` is an AnsibleModule, or a LocalModule when run in process."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check = module.check_mode
        try:
            self.k8s = normalize_version(self.params["kubernetes_version"])
        except ValueError:
            module.fail_json(msg="kubernetes_version %r is not a Kubernetes version: set it like 1.34.4 or v1.34.4"
                             % self.params["kubernetes_version"])
        try:
            self.etcd_v = normalize_version(self.params["etcd_version"])
        except ValueError:
            module.fail_json(msg="etcd_version %r is not an etcd version: set it like 3.5.16"
                             % self.params["etcd_version"])
        self.versions = {KUBE: self.k8s, ETCD: self.etcd_v, KUBECTL: self.k8s}
        self.cache_dir = os.path.abspath(self.params["cache_dir"] or default_cache_dir(os.environ,
                                                                                        os.path.expanduser("~")))
        self.result = dict(changed=False, kube_apiserver="", etcd="", kube_apiserver_version="", etcd_version="",
                           sources={}, build_seconds={}, actions=[], cache_dir=self.cache_dir)
        if self.params.get("with_kubectl"):
            self.result.update(kubectl="", kubectl_version="")

    # -- small helpers -----------------------------------------------------------------------
    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, actions=self.result["actions"], **kwargs)

    def act(self, text):
        self.result["actions"].append(text)

    def label(self, binary):
        return "%s %s" % (binary, self.versions[binary])

    def probe(self, binary, path):
        """Version the binary reports, or None."""
        if binary == KUBECTL:
            rc, out = run([path, "version", "--client"], timeout=PROBE_TIMEOUT)
            return parse_kubectl_version(out) if rc == 0 else None
        rc, out = run([path, "--version"], timeout=PROBE_TIMEOUT)
        if rc != 0:
            return None
        return parse_kube_apiserver_version(out) if binary == KUBE else parse_etcd_version(out)

    def wanted(self, binary, reported):
        """Does a reported version match the requested one?"""
        if reported is None:
            return False
        want = self.versions[binary]
        return "v" + reported == want if binary == ETCD else reported == want

    def take(self, binary, path, source, version):
        key = KEYS[binary]
        self.result[key] = path
        self.result[key + "_version"] = version
        self.result["sources"][binary] = source

    # -- explicit paths and assets -------------------------------------------------------------
    def from_explicit(self, todo):
        bad = []
        for binary in list(todo):
            path = self.params[KEYS[binary]]
            if not path:
                continue
            if not os.path.exists(path):
                bad.append("%s %s does not exist" % (KEYS[binary], path))
            elif not is_executable(path):
                bad.append("%s %s is not an executable file" % (KEYS[binary], path))
            else:
                version = self.probe(binary, path)
                if version is None:
                    bad.append("%s %s does not report a %s version" % (KEYS[binary], path, binary))
                else:
                    self.take(binary, path, "explicit", version)
                    todo.remove(binary)
        if bad:
            self.fail("%s: point the option at a working binary, or leave it unset so that the binary is taken "
                      "from the cache or built" % "; ".join(bad))

    def from_assets(self, todo):
        source = self.params["source"]
        assets = self.params["assets_dir"]
        from_env = False
        if not assets and os.environ.get("KUBEBUILDER_ASSETS"):
            assets, from_env = os.environ["KUBEBUILDER_ASSETS"], True
        if not assets:
            if source == "assets":
                self.fail("source=assets needs a directory holding kube-apiserver and etcd: set assets_dir or the "
                          "KUBEBUILDER_ASSETS environment variable (or use source=auto)")
            return
        where = "KUBEBUILDER_ASSETS=%s" % assets if from_env else "assets_dir %s" % assets
        lenient = from_env and source == "auto"
        # kubectl is optional there (an envtest assets directory need not have it): else the cache or a build
        here = [b for b in todo if b != KUBECTL or is_executable(os.path.join(assets, b))]
        missing = [b for b in here if not is_executable(os.path.join(assets, b))]
        if missing:
            msg = "%s has no executable %s" % (where, " and no ".join(missing))
            if lenient:
                self.module.warn(msg + "; ignoring it")
                self.act("skipped %s: no %s" % (where, ", ".join(missing)))
                return
            self.fail(msg + ": put %s there (for example with `setup-envtest use %s "
                      "--bin-dir <dir>`), point assets_dir at the directory that has them, or unset it to use "
                      "the cache or a build" % (" and ".join(here), self.k8s[1:]))
        found = {}
        for binary in here:
            path = os.path.join(assets, binary)
            version = self.probe(binary, path)
            if version is None:
                msg = "%s/%s does not report a %s version" % (assets, binary, binary)
                if lenient:
                    self.module.warn(msg + "; ignoring %s" % where)
                    return
                self.fail(msg + ": replace it with a working %s binary" % binary)
            found[binary] = (path, version)
        if lenient and KUBE in found and found[KUBE][1] != self.k8s:
            self.module.warn("%s holds kube-apiserver %s, not %s; ignoring it (set assets_dir to use it anyway)"
                             % (where, found[KUBE][1], self.k8s))
            self.act("skipped %s: kube-apiserver %s" % (where, found[KUBE][1]))
            return
        for binary, (path, version) in found.items():
            self.take(binary, path, "assets", version)
            todo.remove(binary)

    # -- cache ------------------------------------------------------------------------------
    def cached(self, binary):
        """Path of a good cached binary, or None."""
        path = cache_layout(self.cache_dir, binary, self.versions[binary])["bin"]
        if not os.path.lexists(path):
            return None
        reported = self.probe(binary, path) if is_executable(path) else None
        if self.wanted(binary, reported):
            return path, reported
        self.module.warn("cached %s is broken or reports %s instead of %s; it will be replaced"
                         % (path, reported or "nothing", self.versions[binary]))
        return None

    def from_cache(self, todo):
        for binary in list(todo):
            hit = self.cached(binary)
            if hit:
                self.take(binary, hit[0], "cache", hit[1])
                todo.remove(binary)
        if todo and self.params["source"] == "cache":
            self.fail("%s not in the cache %s (expected %s): run once with source=auto or source=build to "
                      "build/download %s into it (needs the Go module proxy%s), or copy working binaries there "
                      "under those names" % (
                          " and ".join(self.label(b) for b in todo), os.path.join(self.cache_dir, "bin"),
                          ", ".join(os.path.basename(cache_layout(self.cache_dir, b, self.versions[b])["bin"])
                                    for b in todo),
                          "them" if len(todo) > 1 else "it", " or a Debian mirror" if ETCD in todo else ""))

    # -- setup-envtest -------------------------------------------------------------------------
    def from_setup_envtest(self, todo):
        source = self.params["source"]
        exe = self.module.get_bin_path(self.params["setup_envtest"])
        if not exe:
            if source == "setup-envtest":
                self.fail("%s not found on PATH: install it (go install "
                          "sigs.k8s.io/controller-runtime/tools/setup-envtest@latest) or use source=auto"
                          % self.params["setup_envtest"])
            return
        bin_dir = os.path.join(self.cache_dir, "setup-envtest")
        base = [exe, "use", self.k8s[1:], "--bin-dir", bin_dir, "-p", "path"]
        rc, out = run(base[:2] + ["-i"] + base[2:], timeout=PROBE_TIMEOUT) if os.path.isdir(bin_dir) else (1, "")
        downloaded = False
        if rc != 0:
            if self.check:
                self.act("would run %s" % " ".join(base))
                self.result["changed"] = True
                for binary in list(todo):
                    self.take(binary, os.path.join(bin_dir, binary), "setup-envtest", self.versions[binary]
                              if binary != ETCD else self.versions[binary][1:])
                    todo.remove(binary)
                return
            start = time.time()
            rc, out = run(base, timeout=APT_TIMEOUT)
            downloaded = True
            if rc != 0:
                msg = "%s failed (rc=%s): %s" % (" ".join(base), rc, tail(out))
                if source == "setup-envtest":
                    self.fail(msg + "\nuse source=auto to build the binaries instead")
                self.module.warn(msg + "; building instead")
                self.act("setup-envtest failed, skipped")
                return
            seconds = round(time.time() - start, 1)
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        assets = lines[-1] if lines else ""
        found = {}
        for binary in todo:
            path = os.path.join(assets, binary)
            version = self.probe(binary, path) if is_executable(path) else None
            if version is None:
                msg = "setup-envtest returned %r, which has no working %s" % (assets, binary)
                if source == "setup-envtest":
                    self.fail(msg + ": check `%s`" % " ".join(base))
                self.module.warn(msg + "; building instead")
                return
            found[binary] = (path, version)
        if KUBE in found and found[KUBE][1] != self.k8s:
            msg = "setup-envtest gave kube-apiserver %s for %s" % (found[KUBE][1], self.k8s)
            if source == "setup-envtest":
                self.fail(msg + ": check `%s`" % " ".join(base))
            self.module.warn(msg + "; building instead")
            return
        for binary, (path, version) in found.items():
            self.take(binary, path, "setup-envtest", version)
            todo.remove(binary)
            if downloaded:
                self.result["build_seconds"][binary] = seconds
        if downloaded:
            self.result["changed"] = True
            self.act("setup-envtest downloaded the %s envtest binaries into %s" % (self.k8s, assets))
