#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: envtest_binaries
short_description: Get etcd and kube-apiserver binaries for a bare control plane, building them if need be
version_added: "0.1.0"
description:
  - Finds or makes the C(kube-apiserver) and C(etcd) binaries that a bare control plane
    (controller-runtime envtest style, without kubelet and controllers) needs, and returns their paths.
  - With O(source=auto) the binaries are taken from the first place that has them, for each binary
    on its own - explicit paths (O(kube_apiserver), O(etcd)); the O(assets_dir) directory or
    C(KUBEBUILDER_ASSETS); the cache; C(setup-envtest) when it is on PATH; a build.
  - Building works on an air-gapped host that reaches only the Go module proxy and a Debian mirror
    (no dl.k8s.io, no GitHub). C(kube-apiserver) is built from the C(k8s.io/kubernetes) Go module
    with a generated wrapper module that pins the staging modules (C(k8s.io/api), C(k8s.io/apiserver),
    ...) to their published C(v0.<minor>.<patch>) tags, and reports C(Kubernetes v<version>) from
    C(--version) like a release build. C(etcd) is the C(etcd-server) package of Debian (see
    O(etcd_source)), else built from C(go.etcd.io/etcd/server/v3) with Go.
  - Built and downloaded binaries are cached as C(<cache_dir>/bin/kube-apiserver-v<version>) and
    C(<cache_dir>/bin/etcd-v<version>), written under a temporary name and renamed, so that a concurrent
    or interrupted run never sees half a binary. A lock file per binary (C(<cache_dir>/locks/)) makes a
    second concurrent run wait for the first one's build and reuse it. A failed build leaves nothing in
    C(<cache_dir>/bin) and removes its build directory.
  - A cold C(kube-apiserver) build takes about 200 s and 2 GB of Go build cache on 2 cores; a rebuild
    with a warm Go build cache takes seconds; a cache hit only runs the binaries' C(--version).
author:
  - kubernaut.testinfra contributors
requirements:
  - Go 1.24 or newer (and at least the C(go) line of C(k8s.io/kubernetes)'s go.mod) to build
  - apt-get and dpkg-deb to download etcd from Debian
attributes:
  check_mode:
    support: full
    description:
      - Downloads and builds nothing and writes nothing to O(cache_dir); queries the Go module proxy for
        the version list and go.mod of C(k8s.io/kubernetes) (so that a wrong version or a too old Go is
        reported), and reports in RV(actions) and RV(changed) what a real run would do.
  diff_mode:
    support: none
options:
  kubernetes_version:
    description: Kubernetes version of C(kube-apiserver), with or without leading C(v).
    type: str
    default: "1.34.4"
  etcd_version:
    description:
      - etcd version, with or without leading C(v).
      - Not checked for binaries from O(etcd), O(assets_dir) or C(setup-envtest), which come with their own
        etcd; RV(etcd_version) tells which one.
    type: str
    default: "3.5.16"
  kube_apiserver:
    description: Path of a C(kube-apiserver) binary to use as is. It must exist and be executable.
    type: path
  etcd:
    description: Path of an C(etcd) binary to use as is. It must exist and be executable.
    type: path
  assets_dir:
    description:
      - A C(KUBEBUILDER_ASSETS)-style directory holding C(kube-apiserver) and C(etcd), used as is.
      - Default, with O(source=auto) or O(source=assets), the C(KUBEBUILDER_ASSETS) environment variable of
        the module (for C(localhost) with the local connection that is the controller's environment). With
        O(source=auto), a directory taken from C(KUBEBUILDER_ASSETS) that lacks a binary or whose
        C(kube-apiserver) is not O(kubernetes_version) is skipped with a warning; a directory given here
        must hold both binaries.
    type: path
  cache_dir:
    description:
      - Cache directory.
      - Default C($XDG_CACHE_HOME/kubernaut-testinfra), else C(~/.cache/kubernaut-testinfra).
    type: path
  source:
    description:
      - V(auto) - explicit paths, then O(assets_dir) / C(KUBEBUILDER_ASSETS), then the cache, then
        C(setup-envtest use <version>) when C(setup-envtest) is on PATH (its downloads are kept in
        C(<cache_dir>/setup-envtest)), then a build. A failing C(setup-envtest) (for example without access
        to GitHub) is skipped with a warning.
      - V(assets) - only O(assets_dir) / C(KUBEBUILDER_ASSETS).
      - V(cache) - only the cache; fails if a binary is not cached.
      - V(setup-envtest) - only C(setup-envtest).
      - V(build) - the cache, else a download from Debian (etcd) or a build.
      - Explicit paths (O(kube_apiserver), O(etcd)) are used with every source.
    type: str
    choices: [auto, assets, cache, setup-envtest, build]
    default: auto
  etcd_source:
    description:
      - How to make etcd when it must be made.
      - V(auto) - the C(etcd-server) package of O(debian_suite) when apt-get exists and the package has
        O(etcd_version) (Debian trixie has 3.5.16), else a Go build of exactly O(etcd_version). A failing
        download (no mirror) falls back to the Go build with a warning.
      - V(debian) - only the Debian package; fails naming the version Debian has if it is another one.
      - V(go) - only the Go build.
      - The package is fetched with a private apt configuration under C(<cache_dir>/apt) (own sources list,
        lists and caches; of the host configuration only proxy and similar C(Acquire::) settings, the trusted
        keys and C(auth.conf) are used), so the host's apt setup and state are never changed.
    type: str
    choices: [auto, debian, go]
    default: auto
  debian_mirror:
    description: Debian mirror URL for the etcd download, or a complete C(deb ...) sources.list line.
    type: str
    default: http://deb.debian.org/debian
  debian_suite:
    description: Debian suite whose C(etcd-server) package is used.
    type: str
    default: trixie
  go:
    description: The Go executable; when it is not on PATH, C(/usr/local/go/bin/go) is tried.
    type: str
    default: go
  setup_envtest:
    description: The C(setup-envtest) executable (sigs.k8s.io/controller-runtime/tools/setup-envtest).
    type: str
    default: setup-envtest
notes:
  - Builds use the usual C(GOCACHE), C(GOMODCACHE), C(GOPROXY) and C(GOFLAGS) with C(CGO_ENABLED=0),
    C(GOTOOLCHAIN=local) and C(-modcacherw). The wrapper module of a build stays in
    C(<cache_dir>/build/<binary>-v<version>/) (C(go.mod), C(go.sum)).
  - The Go-built C(kube-apiserver) has no git commit (C(gitCommit) is empty in C(/version)) and
    C(gitTreeState=archive).
  - To hand the binaries to controller-runtime's envtest, set C(TEST_ASSET_KUBE_APISERVER) and
    C(TEST_ASSET_ETCD) to RV(kube_apiserver) and RV(etcd).
seealso:
  - name: setup-envtest
    description: The envtest binary installer this module uses when it is available.
    link: https://github.com/kubernetes-sigs/controller-runtime/tree/main/tools/setup-envtest
"""

EXAMPLES = r"""
- name: Get kube-apiserver 1.34.4 and etcd 3.5.16 (cache, else build / download once)
  kubernaut.testinfra.envtest_binaries:
  register: envtest

- name: Start etcd
  ansible.builtin.command: "{{ envtest.etcd }} --version"
  changed_when: false

- name: Only use what is cached (fails fast, naming how to fill the cache)
  kubernaut.testinfra.envtest_binaries:
    kubernetes_version: v1.34.4
    source: cache

- name: Use binaries from a KUBEBUILDER_ASSETS directory
  kubernaut.testinfra.envtest_binaries:
    assets_dir: /usr/local/kubebuilder/bin

- name: Build etcd 3.6.5 with Go (Debian has another version)
  kubernaut.testinfra.envtest_binaries:
    etcd_version: 3.6.5
    etcd_source: go
"""

RETURN = r"""
kube_apiserver:
  description: Path of the kube-apiserver binary (in check mode, where it would be).
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra/bin/kube-apiserver-v1.34.4
etcd:
  description: Path of the etcd binary (in check mode, where it would be).
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra/bin/etcd-v3.5.16
kube_apiserver_version:
  description:
    - Version the kube-apiserver binary reports with C(--version), with leading C(v).
    - In check mode, for a binary that would be built, the requested version.
  returned: always
  type: str
  sample: v1.34.4
etcd_version:
  description:
    - Version the etcd binary reports with C(--version), without leading C(v).
    - In check mode, for a binary that would be made, the requested version.
  returned: always
  type: str
  sample: 3.5.16
sources:
  description:
    - Where each binary came from, V(explicit), V(assets), V(cache), V(setup-envtest), V(built) (Go build now)
      or V(debian) (Debian package downloaded now). In check mode, where it would come from.
  returned: always
  type: dict
  sample: {kube-apiserver: cache, etcd: debian}
build_seconds:
  description: Wall-clock seconds of each binary built or downloaded by this run (empty when nothing was).
  returned: always
  type: dict
  sample: {etcd: 1.9}
actions:
  description: What was done (or in check mode would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["etcd v3.5.16: downloaded etcd-server 3.5.16-4 from http://deb.debian.org/debian trixie"]
cache_dir:
  description: The cache directory used.
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra
"""

import contextlib
import errno
import fcntl
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.kubernaut.testinfra.plugins.module_utils.kube_build import (
    ETCD_MODULE, KUBE_APISERVER_PACKAGE, KUBERNETES_MODULE, apt_field, cache_layout, carried_acquire_settings,
    debian_upstream_version, default_cache_dir, go_at_least, go_directive, godebug_settings,
    kube_apiserver_ldflags, latest_per_minor, module_versions, normalize_version, parse_etcd_version,
    parse_kube_apiserver_version, private_apt_config, required_go, same_minor, sources_line, staging_replaces,
    tail, wrapper_gomod_etcd, wrapper_gomod_kube_apiserver)

KUBE = "kube-apiserver"
ETCD = "etcd"
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
GO_FALLBACK = "/usr/local/go/bin/go"
PROBE_TIMEOUT = 60
GO_TIMEOUT = 3600
APT_TIMEOUT = 900


class Failed(Exception):
    """A step failed; in source=auto some failures fall through to the next source."""


class Interrupted(BaseException):
    """SIGTERM (a task timeout, a killed play): unwinds through the clean-ups of temporary files."""


def is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def run(args, cwd=None, env=None, timeout=GO_TIMEOUT):
    """(rc, combined output) of a command; the command is killed when this process is interrupted."""
    try:
        proc = subprocess.run(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        return 124, "%s\n%s timed out after %s s" % (to_native(exc.output or b""), args[0], timeout)
    except OSError as exc:
        return 127, "cannot run %s: %s" % (args[0], to_native(exc))
    return proc.returncode, to_native(proc.stdout, errors="surrogate_or_replace")


def remove(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


class EnvtestBinaries(object):

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
        self.versions = {KUBE: self.k8s, ETCD: self.etcd_v}
        self.cache_dir = os.path.abspath(self.params["cache_dir"] or default_cache_dir(os.environ,
                                                                                        os.path.expanduser("~")))
        self.result = dict(changed=False, kube_apiserver="", etcd="", kube_apiserver_version="", etcd_version="",
                           sources={}, build_seconds={}, actions=[], cache_dir=self.cache_dir)
        self._go = None
        self._go_env = None

    # -- small helpers -----------------------------------------------------------------------
    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, actions=self.result["actions"], **kwargs)

    def act(self, text):
        self.result["actions"].append(text)

    def label(self, binary):
        return "%s %s" % (binary, self.versions[binary])

    def probe(self, binary, path):
        """Version the binary reports, or None."""
        rc, out = run([path, "--version"], timeout=PROBE_TIMEOUT)
        if rc != 0:
            return None
        return parse_kube_apiserver_version(out) if binary == KUBE else parse_etcd_version(out)

    def wanted(self, binary, reported):
        """Does a reported version match the requested one?"""
        if reported is None:
            return False
        want = self.versions[binary]
        return reported == want if binary == KUBE else "v" + reported == want

    def take(self, binary, path, source, version):
        key = "kube_apiserver" if binary == KUBE else "etcd"
        self.result[key] = path
        self.result[key + "_version"] = version
        self.result["sources"][binary] = source

    # -- explicit paths and assets -------------------------------------------------------------
    def from_explicit(self, todo):
        bad = []
        for binary in list(todo):
            path = self.params["kube_apiserver" if binary == KUBE else "etcd"]
            if not path:
                continue
            if not os.path.exists(path):
                bad.append("%s %s does not exist" % (binary.replace("-", "_"), path))
            elif not is_executable(path):
                bad.append("%s %s is not an executable file" % (binary.replace("-", "_"), path))
            else:
                version = self.probe(binary, path)
                if version is None:
                    bad.append("%s %s does not report a %s version with --version" % (binary.replace("-", "_"),
                                                                                      path, binary))
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
        missing = [b for b in todo if not is_executable(os.path.join(assets, b))]
        if missing:
            msg = "%s has no executable %s" % (where, " and no ".join(missing))
            if lenient:
                self.module.warn(msg + "; ignoring it")
                self.act("skipped %s: no %s" % (where, ", ".join(missing)))
                return
            self.fail(msg + ": put kube-apiserver and etcd there (for example with `setup-envtest use %s "
                      "--bin-dir <dir>`), point assets_dir at the directory that has them, or unset it to use "
                      "the cache or a build" % self.k8s[1:])
        found = {}
        for binary in todo:
            path = os.path.join(assets, binary)
            version = self.probe(binary, path)
            if version is None:
                msg = "%s/%s does not report a %s version with --version" % (assets, binary, binary)
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
                              if binary == KUBE else self.versions[binary][1:])
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

    # -- Go ----------------------------------------------------------------------------------
    def go(self, what):
        if self._go:
            return self._go
        name = self.params["go"]
        path = self.module.get_bin_path(name)
        if not path and name == "go" and is_executable(GO_FALLBACK):
            path = GO_FALLBACK
        if not path:
            self.fail("%s must be built but Go (%s) was not found on PATH or in /usr/local/go/bin: install Go "
                      "1.24 or newer (https://go.dev/dl/), set the go option to its path, or provide the binary "
                      "(kube_apiserver/etcd, assets_dir or KUBEBUILDER_ASSETS)" % (what, name))
        rc, out = run([path, "env", "-json", "GOVERSION", "GOFLAGS", "GOPROXY", "GOCACHE", "GOMODCACHE"],
                      timeout=PROBE_TIMEOUT)
        try:
            self._go_env = json.loads(out) if rc == 0 else None
        except ValueError:
            self._go_env = None
        if not self._go_env:
            self.fail("%s env failed (rc=%s): %s" % (path, rc, tail(out)))
        self._go = path
        return path

    def go_env(self):
        flags = (self._go_env.get("GOFLAGS") or "").split()
        for flag in ("-modcacherw", "-buildvcs=false"):
            if flag not in flags:
                flags.append(flag)
        env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOWORK="off", GO111MODULE="on",
                   GOFLAGS=" ".join(flags), LC_ALL="C")
        return env

    def module_info(self, module_path, version, what, setting):
        """`go list -m -json module@version` after checking the proxy has the version."""
        go = self.go(what)
        env = self.go_env()
        rc, out = run([go, "list", "-m", "-versions", module_path], cwd="/", env=env, timeout=300)
        proxy = self._go_env.get("GOPROXY") or "the Go module proxy"
        if rc == 0:
            versions = module_versions(out)
            if version not in versions:
                near = same_minor(versions, version)
                if near:
                    listed = "available %s releases: %s" % (".".join(version[1:].split(".")[:2]), ", ".join(near))
                else:
                    listed = "no release of that minor; newest releases: %s" % ", ".join(latest_per_minor(versions))
                self.fail("%s %s is not on the Go module proxy (GOPROXY=%s); %s: set %s to one of them"
                          % (module_path, version, proxy, listed, setting))
        else:
            self.module.warn("cannot list the versions of %s (GOPROXY=%s): %s" % (module_path, proxy, tail(out, 3)))
        rc, out = run([go, "list", "-m", "-json", "%s@%s" % (module_path, version)], cwd="/", env=env, timeout=300)
        try:
            info = json.loads(out) if rc == 0 else None
        except ValueError:
            info = None
        if not info or not info.get("GoMod"):
            self.fail("cannot get %s@%s from the Go module proxy (GOPROXY=%s): %s\ncheck %s and that the proxy is "
                      "reachable" % (module_path, version, proxy, tail(out), setting))
        return info

    def check_go(self, what, need, why):
        have = self._go_env.get("GOVERSION") or ""
        if not go_at_least(have, need):
            self.fail("building %s needs Go %s or newer (%s), but %s is %s: install Go %s+ (https://go.dev/dl/, "
                      "e.g. into /usr/local/go) and/or set the go option to it, or provide the binary instead"
                      % (what, need, why, self._go, have or "of unknown version", need))

    def go_build(self, binary, build_dir, gomod, package, ldflags, tmp):
        """Write the wrapper module, tidy it and build ``package`` into ``tmp``; the build directory is removed on
        failure."""
        env = self.go_env()
        ok = False
        try:
            remove(build_dir)
            os.makedirs(build_dir)
            with open(os.path.join(build_dir, "go.mod"), "w") as handle:
                handle.write(gomod)
            for step in ([self._go, "mod", "tidy"],
                         [self._go, "build", "-trimpath", "-ldflags=" + ldflags, "-o", tmp, package]):
                rc, out = run(step, cwd=build_dir, env=env)
                if rc != 0:
                    self.fail("building %s failed: `%s` in %s exited with %s; last lines of its output:\n%s\n"
                              "fix the cause (network to GOPROXY=%s? disk space for GOCACHE=%s?) and run again"
                              % (self.label(binary), " ".join(step[1:3]), build_dir, rc, tail(out, 20),
                                 self._go_env.get("GOPROXY"), self._go_env.get("GOCACHE")), rc=rc)
            ok = True
        finally:
            if not ok:
                remove(build_dir)

    # -- kube-apiserver ------------------------------------------------------------------------
    def build_kube_apiserver(self):
        what = "kube-apiserver %s" % self.k8s
        info = self.module_info(KUBERNETES_MODULE, self.k8s, what, "kubernetes_version")
        with open(info["GoMod"]) as handle:
            gomod = handle.read()
        need = required_go(go_directive(gomod))
        self.check_go(what, need, "the go line of %s %s's go.mod, and the tool directive of the wrapper module"
                      % (KUBERNETES_MODULE, self.k8s))
        staging = staging_replaces(gomod)
        if not staging:
            self.fail("the go.mod of %s %s replaces no ./staging module; this module does not know how to build "
                      "that release: provide kube_apiserver or assets_dir instead" % (KUBERNETES_MODULE, self.k8s))
        layout = cache_layout(self.cache_dir, KUBE, self.k8s)
        plan = "%s: build from %s via GOPROXY=%s with %s into %s" % (
            self.label(KUBE), KUBERNETES_MODULE, self._go_env.get("GOPROXY"), self._go_env.get("GOVERSION"),
            layout["bin"])
        if self.check:
            self.act("would " + plan)
            self.result["changed"] = True
            self.take(KUBE, layout["bin"], "built", self.k8s)
            return
        wrapper = wrapper_gomod_kube_apiserver(self.k8s, need, staging, godebug_settings(gomod))
        ldflags = kube_apiserver_ldflags(self.k8s, info.get("Time"))

        def produce(tmp):
            self.go_build(KUBE, layout["build"], wrapper, KUBE_APISERVER_PACKAGE, ldflags, tmp)
            return "built"

        self.guarded_install(KUBE, produce)
        if self.result["sources"].get(KUBE) == "built":
            self.act(plan.replace(": build", ": built", 1) + " in %s s" % self.result["build_seconds"][KUBE])

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

    def apt_env(self, root):
        rc, dump = run(["apt-config", "dump"], timeout=PROBE_TIMEOUT)
        carried = carried_acquire_settings(dump if rc == 0 else "")
        for sub in ("empty", "state/lists/partial", "cache/archives/partial", "log"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        status = os.path.join(root, "state", "status")
        if not os.path.exists(status):
            open(status, "w").close()
        keyring = DEBIAN_KEYRING if os.path.exists(DEBIAN_KEYRING) else None
        with open(os.path.join(root, "sources.list"), "w") as handle:
            handle.write(sources_line(self.params["debian_mirror"], self.params["debian_suite"], ["main"], keyring)
                         + "\n")
        with open(os.path.join(root, "apt.conf"), "w") as handle:
            handle.write(private_apt_config(root, sandbox_root=os.geteuid() == 0, carried=carried))
        return dict(os.environ, APT_CONFIG=os.path.join(root, "apt.conf"), LC_ALL="C", DEBIAN_FRONTEND="noninteractive")

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
            env = self.apt_env(root)
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
        info = self.module_info(ETCD_MODULE, self.etcd_v, "etcd %s" % self.etcd_v, "etcd_version")
        need = required_go(info.get("GoVersion"))
        self.check_go("etcd %s" % self.etcd_v, need, "the go line of %s %s's go.mod, and the tool directive of "
                      "the wrapper module" % (ETCD_MODULE, self.etcd_v))
        plan = "%s: build from %s via GOPROXY=%s with %s into %s" % (
            self.label(ETCD), ETCD_MODULE, self._go_env.get("GOPROXY"), self._go_env.get("GOVERSION"), layout["bin"])
        if self.check:
            self.act("would " + plan)
        return need, plan

    def build_etcd(self, layout):
        need, plan = self.go_etcd_plan(layout)
        wrapper = wrapper_gomod_etcd(self.etcd_v, need)

        def produce(tmp):
            self.go_build(ETCD, layout["build"], wrapper, ETCD_MODULE, "-s -w", tmp)
            return "built"

        self.guarded_install(ETCD, produce)
        if self.result["sources"].get(ETCD) == "built":
            self.act(plan.replace(": build", ": built", 1) + " in %s s" % self.result["build_seconds"][ETCD])

    # -- main --------------------------------------------------------------------------------
    def resolve(self):
        source = self.params["source"]
        todo = [KUBE, ETCD]
        self.from_explicit(todo)
        if todo and source in ("auto", "assets"):
            self.from_assets(todo)
        if todo and source in ("auto", "cache", "build"):
            self.from_cache(todo)
        if todo and source in ("auto", "setup-envtest"):
            self.from_setup_envtest(todo)
        if todo and source in ("auto", "build"):
            if KUBE in todo:
                self.build_kube_apiserver()
            if ETCD in todo:
                self.fetch_etcd()
        return self.result


ARGUMENT_SPEC = dict(
    kubernetes_version=dict(type="str", default="1.34.4"),
    etcd_version=dict(type="str", default="3.5.16"),
    kube_apiserver=dict(type="path"),
    etcd=dict(type="path"),
    assets_dir=dict(type="path"),
    cache_dir=dict(type="path"),
    source=dict(type="str", default="auto", choices=["auto", "assets", "cache", "setup-envtest", "build"]),
    etcd_source=dict(type="str", default="auto", choices=["auto", "debian", "go"]),
    debian_mirror=dict(type="str", default="http://deb.debian.org/debian"),
    debian_suite=dict(type="str", default="trixie"),
    go=dict(type="str", default="go"),
    setup_envtest=dict(type="str", default="setup-envtest"),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""

    def terminated(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    binaries = None
    try:
        binaries = EnvtestBinaries(module)
        result = binaries.resolve()
    except Interrupted as exc:
        signal.signal(signal.SIGTERM, previous)
        module.fail_json(msg="interrupted by signal %s (task timeout or killed play); removed the unfinished "
                             "binary and build directory: run again" % exc.args[0],
                         actions=binaries.result["actions"] if binaries else [])
    finally:
        signal.signal(signal.SIGTERM, previous)
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
