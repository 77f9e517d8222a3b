# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Go toolchain that builds kube-apiserver and etcd: found and asked ``go env`` once; a module looked up on
the Go module proxy; a wrapper module built into a binary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import (
    PROBE_TIMEOUT, is_executable, remove, run, tail)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import (
    go_at_least, latest_per_minor, module_versions, same_minor)

GO_FALLBACK = "/usr/local/go/bin/go"


class GoToolchain(object):
    """The go option's Go; ``fail(msg, **kwargs)`` ends the module."""

    def __init__(self, module, name, fail):
        self.module = module
        self.name = name
        self.fail = fail
        self.path = None
        self.env = None  # `go env -json` of GOVERSION, GOFLAGS, GOPROXY, GOCACHE, GOMODCACHE

    def find(self, what):
        """The path of Go, found (and its `go env` read) on first use; ``what`` names what must be built."""
        if self.path:
            return self.path
        name = self.name
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
            self.env = json.loads(out) if rc == 0 else None
        except ValueError:
            self.env = None
        if not self.env:
            self.fail("%s env failed (rc=%s): %s" % (path, rc, tail(out)))
        self.path = path
        return path

    def build_env(self):
        """The environment of Go's commands: modules only, no cgo, no toolchain switch, no VCS stamping."""
        flags = (self.env.get("GOFLAGS") or "").split()
        for flag in ("-modcacherw", "-buildvcs=false"):
            if flag not in flags:
                flags.append(flag)
        env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOWORK="off", GO111MODULE="on",
                   GOFLAGS=" ".join(flags), LC_ALL="C")
        return env

    def module_info(self, module_path, version, what, setting, require_listed=True):
        """`go list -m -json module@version` after checking the proxy has the version. With ``require_listed``
        false, a version missing from the proxy's list is still looked up (some modules' lists are incomplete)."""
        go = self.find(what)
        env = self.build_env()
        rc, out = run([go, "list", "-m", "-versions", module_path], cwd="/", env=env, timeout=300)
        proxy = self.env.get("GOPROXY") or "the Go module proxy"
        if rc == 0:
            versions = module_versions(out)
            if version not in versions and require_listed:
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

    def check(self, what, need, why):
        """Fail unless this Go is at least ``need`` (``why``: what asks for that version)."""
        have = self.env.get("GOVERSION") or ""
        if not go_at_least(have, need):
            self.fail("building %s needs Go %s or newer (%s), but %s is %s: install Go %s+ (https://go.dev/dl/, "
                      "e.g. into /usr/local/go) and/or set the go option to it, or provide the binary instead"
                      % (what, need, why, self.path, have or "of unknown version", need))

    def build(self, label, build_dir, gomod, package, ldflags, tmp):
        """Write the wrapper module, tidy it and build ``package`` into ``tmp``; the build directory is removed on
        failure. ``label`` names the binary in messages (kube-apiserver v1.34.4)."""
        env = self.build_env()
        ok = False
        try:
            remove(build_dir)
            os.makedirs(build_dir)
            with open(os.path.join(build_dir, "go.mod"), "w") as handle:
                handle.write(gomod)
            for step in ([self.path, "mod", "tidy"],
                         [self.path, "build", "-trimpath", "-ldflags=" + ldflags, "-o", tmp, package]):
                rc, out = run(step, cwd=build_dir, env=env)
                if rc != 0:
                    self.fail("building %s failed: `%s` in %s exited with %s; last lines of its output:\n%s\n"
                              "fix the cause (network to GOPROXY=%s? disk space for GOCACHE=%s?) and run again"
                              % (label, " ".join(step[1:3]), build_dir, rc, tail(out, 20),
                                 self.env.get("GOPROXY"), self.env.get("GOCACHE")), rc=rc)
            ok = True
        finally:
            if not ok:
                remove(build_dir)
