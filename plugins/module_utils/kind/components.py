# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What goes into a kind node besides Debian packages, made without a registry and cached: kubelet, kubeadm,
kubectl and the control-plane binaries built from k8s.io/kubernetes through the Go module proxy (the wrapper module
of module_utils/envtest, with every command as a tool), etcd, CoreDNS and pause built the same way, a Debian root
file system for kube-proxy's iptables, and the image tarballs of the images kubeadm expects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import remove, run, tail
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.gomod import (
    ETCD_MODULE, KUBERNETES_MODULE, go_directive, godebug_settings, kube_apiserver_ldflags, required_go,
    staging_replaces, wrapper_gomod_etcd)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import (
    module_versions, normalize_version, same_minor, semver_key, staging_version)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.archive import files_layer, write_image
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.nodefiles import KUBE_PROXY_WRAPPER

COREDNS_MODULE = "github.com/coredns/coredns"
# The commands built from k8s.io/kubernetes: the node's (kubelet, kubeadm, kubectl) and the control plane's.
NODE_COMMANDS = ("kubelet", "kubeadm", "kubectl")
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
KUBE_PROXY_PACKAGES = ("iptables", "conntrack")
DPKG_TRIM = ("path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright", "path-exclude=/usr/share/man/*",
             "path-exclude=/usr/share/locale/*", "path-exclude=/usr/share/info/*")

PAUSE_GO = """// pause: the sandbox process of a pod (what registry.k8s.io/pause does): sleeps until SIGINT or SIGTERM and
// reaps the zombies of a shared PID namespace.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
"""


def wrapper_gomod_kubernetes(kubernetes_version, go_version, staging, godebug, packages):
    """go.mod of the wrapper module that builds ``packages`` of k8s.io/kubernetes ``kubernetes_version``."""
    version = normalize_version(kubernetes_version)
    pinned = staging_version(version)
    out = ["module kubernaut.local/kind-node-build", "", "go %s" % go_version, ""]
    out += ["godebug %s" % setting for setting in godebug]
    out += ["", "tool ("] + ["\t%s" % p for p in packages] + [")", ""]
    out += ["require %s %s" % (KUBERNETES_MODULE, version), "",
            "// %s replaces these with ./staging/src/k8s.io/*, absent from the module zip" % KUBERNETES_MODULE,
            "replace ("]
    out += ["\t%s => %s %s" % (path, path, pinned) for path in staging]
    out += [")", ""]
    return "\n".join(out)


def kubeadm_images(listing):
    """{name: reference} of `kubeadm config images list` output, keyed by the last path element (etcd, pause...)."""
    images = {}
    for line in listing.splitlines():
        line = line.strip()
        if re.match(r"^[a-z0-9.-]+(/[a-z0-9._-]+)+:[A-Za-z0-9._-]+$", line):
            images[line.rsplit("/", 1)[1].split(":", 1)[0]] = line
    return images


def image_version(reference):
    """Upstream version of an image tag: registry.k8s.io/etcd:3.6.5-0 -> v3.6.5, ...coredns:v1.12.1 -> v1.12.1."""
    tag = reference.rsplit(":", 1)[1]
    match = re.match(r"^v?(\d+\.\d+\.\d+)", tag)
    return "v" + match.group(1) if match else None


def pick_release(listed, wanted, servable):
    """The release to build for kubeadm's ``wanted`` version: itself when the proxy serves it (``servable()``, asked
    only when it is not ``listed``), else the next listed patch release of its minor, else the newest one; None when
    the minor has none. (The Go module proxy of some networks refuses some versions.)"""
    if wanted in listed or servable():
        return wanted
    releases = [v for v in same_minor(listed, wanted) if "-" not in v]
    newer = [v for v in releases if semver_key(v) > semver_key(wanted)]
    return (newer or releases[-1:] or [None])[0]


def config_patches(substituted):
    """kubeadm ClusterConfiguration patches for images built at another version than kubeadm names:
    ``substituted`` is {'etcd': '3.6.8-0', 'coredns': 'v1.13.2'} (new tags)."""
    lines = []
    if "etcd" in substituted:
        lines += ["etcd:", "  local:", '    imageTag: "%s"' % substituted["etcd"]]
    if "coredns" in substituted:
        lines += ["dns:", '  imageTag: "%s"' % substituted["coredns"]]
    return ["\n".join(["kind: ClusterConfiguration"] + lines) + "\n"] if lines else []


class Components(object):
    """Builds (or takes from ``cache_dir``/kind) what a node image needs; ``fail(msg)`` ends the module,
    ``act(text)`` records what was done."""

    def __init__(self, module, go, cache_dir, kubernetes_version, suite, mirror, fail, act):
        self.module = module
        self.go = go
        self.cache = os.path.join(cache_dir, "kind")
        self.build_root = os.path.join(cache_dir, "build")
        self.k8s = kubernetes_version
        self.suite = suite
        self.mirror = mirror
        self.fail = fail
        self.act = act
        self.seconds = {}
        self.patches = []

    @contextlib.contextmanager
    def locked(self, name):
        os.makedirs(os.path.join(self.cache, "locks"), exist_ok=True)
        fd = os.open(os.path.join(self.cache, "locks", name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def produce(self, name, make):
        """A cached directory <cache>/kind/<name>, made by make(tmp_dir) under a lock when missing."""
        final = os.path.join(self.cache, name)
        if os.path.isdir(final):
            return final
        with self.locked(name):
            if os.path.isdir(final):
                return final
            tmp = final + ".tmp-%d" % os.getpid()
            remove(tmp)
            os.makedirs(tmp)
            start = time.time()
            try:
                make(tmp)
                os.rename(tmp, final)
            finally:
                remove(tmp)
            self.seconds[name] = round(time.time() - start, 1)
            self.act("%s: made in %s s" % (name, self.seconds[name]))
        return final

    def go_build(self, label, build_name, gomod, packages, ldflags, out_dir):
        """Write the wrapper module, tidy it and build ``packages`` into ``out_dir``."""
        build_dir = os.path.join(self.build_root, build_name)
        env = self.go.build_env()
        remove(build_dir)
        os.makedirs(build_dir)
        with open(os.path.join(build_dir, "go.mod"), "w") as handle:
            handle.write(gomod)
        for step in ([self.go.path, "mod", "tidy"],
                     [self.go.path, "build", "-trimpath", "-ldflags=" + ldflags, "-o", out_dir + "/"] + list(packages)):
            rc, out = run(step, cwd=build_dir, env=env)
            if rc != 0:
                self.fail("building %s failed: `%s` in %s exited with %s; last lines of its output:\n%s\n"
                          "fix the cause (network to GOPROXY=%s? disk space for GOCACHE=%s?) and run again"
                          % (label, " ".join(step[1:3]), build_dir, rc, tail(out, 20), self.go.env.get("GOPROXY"),
                             self.go.env.get("GOCACHE")))

    # -- binaries ---------------------------------------------------------------------------
    def kubernetes(self):
        """Directory with kubelet, kubeadm, kubectl and the control-plane commands of ``kubernetes_version``."""
        def make(tmp):
            what = "Kubernetes %s" % self.k8s
            self.go.find(what)
            info = self.go.module_info(KUBERNETES_MODULE, self.k8s, what, "kind_kubernetes_version")
            with open(info["GoMod"]) as handle:
                gomod = handle.read()
            need = required_go(go_directive(gomod))
            self.go.check(what, need, "the go line of %s %s's go.mod" % (KUBERNETES_MODULE, self.k8s))
            staging = staging_replaces(gomod)
            if not staging:
                self.fail("the go.mod of %s %s replaces no ./staging module; kind_node_image does not know how to "
                          "build that release (kind_kubernetes_version)" % (KUBERNETES_MODULE, self.k8s))
            packages = ["k8s.io/kubernetes/cmd/%s" % c for c in NODE_COMMANDS + CONTROL_PLANE]
            wrapper = wrapper_gomod_kubernetes(self.k8s, need, staging, godebug_settings(gomod), packages)
            self.go_build(what, "kind-kubernetes-%s" % self.k8s, wrapper, packages,
                          kube_apiserver_ldflags(self.k8s, info.get("Time")), tmp)

        return self.produce("kubernetes-%s" % self.k8s, make)

    def etcd(self, version):
        def make(tmp):
            what = "etcd %s" % version
            self.go.find(what)
            # the proxy's version lists lack releases that it serves (etcd v3.6.6)
            info = self.go.module_info(ETCD_MODULE, version, what, "kind_kubernetes_version (kubeadm's etcd)",
                                       require_listed=False)
            need = required_go(info.get("GoVersion"))
            self.go_build(what, "kind-etcd-%s" % version, wrapper_gomod_etcd(version, need), [ETCD_MODULE], "-s -w",
                          tmp)
            # go build names the binary after go.etcd.io/etcd/server/v3's last element that is no major version
            os.rename(os.path.join(tmp, "server"), os.path.join(tmp, "etcd"))

        return self.produce("etcd-%s" % version, make)

    def coredns(self, version):
        def make(tmp):
            what = "CoreDNS %s" % version
            self.go.find(what)
            # the proxy's version list of CoreDNS lacks releases that it serves (v1.12.1)
            self.go.module_info(COREDNS_MODULE, version, what, "kind_kubernetes_version (kubeadm's CoreDNS)",
                                require_listed=False)
            gomod = "\n".join(["module kubernaut.local/coredns-build", "", "go 1.24.0", "",
                               "tool %s" % COREDNS_MODULE, "", "require %s %s" % (COREDNS_MODULE, version), ""])
            self.go_build(what, "kind-coredns-%s" % version, gomod, [COREDNS_MODULE],
                          "-s -w -X github.com/coredns/coredns/coremain.GitCommit=%s" % version, tmp)

        return self.produce("coredns-%s" % version, make)

    def pause(self):
        def make(tmp):
            self.go.find("pause")
            build_dir = os.path.join(self.build_root, "kind-pause")
            remove(build_dir)
            os.makedirs(build_dir)
            with open(os.path.join(build_dir, "go.mod"), "w") as handle:
                handle.write("module kubernaut.local/pause\n\ngo 1.24.0\n")
            with open(os.path.join(build_dir, "main.go"), "w") as handle:
                handle.write(PAUSE_GO)
            rc, out = run([self.go.path, "build", "-trimpath", "-ldflags=-s -w", "-o", os.path.join(tmp, "pause"), "."],
                          cwd=build_dir, env=self.go.build_env())
            if rc != 0:
                self.fail("building pause failed: %s" % tail(out, 10))

        return self.produce("pause-1", make)

    def kube_proxy_base(self):
        """A Debian root file system tarball with iptables and conntrack (kube-proxy runs them)."""
        def make(tmp):
            mmdebstrap = self.module.get_bin_path("mmdebstrap")
            if not mmdebstrap:
                self.fail("mmdebstrap is not installed on this host: install it (apt-get install mmdebstrap) or run "
                          "the kubernaut.testinfra.prepare_host playbook")
            cmd = [mmdebstrap, "--quiet", "--variant=essential", "--include=" + ",".join(KUBE_PROXY_PACKAGES),
                   "--format=tar"] + ["--dpkgopt=" + o for o in DPKG_TRIM]
            cmd += ['--customize-hook=rm -f "$1/etc/resolv.conf" "$1/etc/hostname" && touch "$1/etc/resolv.conf" '
                    '"$1/etc/hostname" && rm -rf "$1/var/cache/apt/"* "$1/var/lib/apt/lists/"*',
                    self.suite, os.path.join(tmp, "rootfs.tar"), self.mirror]
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, LC_ALL="C.UTF-8"), check=False)
            if proc.returncode != 0:
                self.fail("mmdebstrap of kube-proxy's root file system (%s from %s) failed (rc=%s): %s"
                          % (self.suite, self.mirror, proc.returncode,
                             tail(proc.stdout.decode("utf-8", "replace"), 15)))

        return self.produce("kube-proxy-base-%s-1" % self.suite, make)

    def kubeadm_images(self, kubeadm):
        rc, out = run([kubeadm, "config", "images", "list", "--kubernetes-version", self.k8s], timeout=60)
        images = kubeadm_images(out) if rc == 0 else {}
        missing = [n for n in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "etcd",
                               "coredns", "pause") if n not in images]
        if missing:
            self.fail("`kubeadm config images list` of %s does not name %s: %s"
                      % (self.k8s, ", ".join(missing), tail(out, 10)))
        return images

    def release(self, module_path, wanted, what):
        """pick_release for ``module_path``; fails naming the versions there are."""
        self.go.find(what)
        env = self.go.build_env()
        rc, out = run([self.go.path, "list", "-m", "-versions", module_path], cwd="/", env=env, timeout=300)
        listed = module_versions(out) if rc == 0 else []

        def servable():
            rc, out = run([self.go.path, "mod", "download", "-json", "%s@%s" % (module_path, wanted)], cwd="/",
                          env=env, timeout=600)
            return rc == 0 and '"Error"' not in out

        picked = pick_release(listed, wanted, servable)
        if not picked:
            self.fail("%s: kubeadm of Kubernetes %s wants %s %s, which the Go module proxy (GOPROXY=%s) does not "
                      "serve, nor any other release of that minor: pick another kind_kubernetes_version"
                      % (what, self.k8s, module_path, wanted, self.go.env.get("GOPROXY")))
        if picked != wanted:
            self.act("%s: the Go module proxy does not serve %s %s; built %s instead (and told kubeadm)"
                     % (what, module_path, wanted, picked))
        return picked

    # -- images -----------------------------------------------------------------------------
    def images(self, sandbox_image):
        """Directory of image tarballs (one per image, with a .sha256 each) of everything kubeadm pulls, and the
        node binaries; returns (binaries dir, images dir, {name: reference})."""
        kube = self.kubernetes()
        refs = self.kubeadm_images(os.path.join(kube, "kubeadm"))
        etcd_v, coredns_v = image_version(refs["etcd"]), image_version(refs["coredns"])
        if not etcd_v or not coredns_v:
            self.fail("cannot tell the etcd and CoreDNS versions from kubeadm's images %s, %s"
                      % (refs["etcd"], refs["coredns"]))
        substituted = {}
        picked = self.release(ETCD_MODULE, etcd_v, "etcd")
        if picked != etcd_v:
            etcd_v, substituted["etcd"] = picked, picked[1:] + "-0"
            refs["etcd"] = "%s:%s" % (refs["etcd"].rsplit(":", 1)[0], substituted["etcd"])
        picked = self.release(COREDNS_MODULE, coredns_v, "CoreDNS")
        if picked != coredns_v:
            coredns_v, substituted["coredns"] = picked, picked
            refs["coredns"] = "%s:%s" % (refs["coredns"].rsplit(":", 1)[0], picked)
        self.patches = config_patches(substituted)
        etcd, coredns, pause, base = self.etcd(etcd_v), self.coredns(coredns_v), self.pause(), self.kube_proxy_base()
        pause_tags = sorted(set([refs["pause"], sandbox_image]))
        key = "-".join([self.k8s, etcd_v, coredns_v, "1"])

        def make(tmp):
            layers = os.path.join(tmp, ".layers")
            os.makedirs(layers)

            def image(name, tags, files, entrypoint=None, base_layers=()):
                layer = os.path.join(layers, name + ".tar")
                files_layer(layer, files)
                path = os.path.join(tmp, name + ".tar")
                image_id = write_image(path, tags, list(base_layers) + [layer], entrypoint=entrypoint)
                with open(path + ".sha256", "w") as handle:
                    handle.write(image_id + "\n")

            for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
                image(name, [refs[name]], [("/usr/local/bin/" + name, os.path.join(kube, name), 0o755)])
            image("kube-proxy", [refs["kube-proxy"]],
                  [("/usr/local/libexec/kube-proxy", os.path.join(kube, "kube-proxy"), 0o755),
                   ("/usr/local/bin/kube-proxy", KUBE_PROXY_WRAPPER.encode("utf-8"), 0o755)],
                  base_layers=[os.path.join(base, "rootfs.tar")])
            image("etcd", [refs["etcd"]], [("/usr/local/bin/etcd", os.path.join(etcd, "etcd"), 0o755)])
            image("coredns", [refs["coredns"]], [("/coredns", os.path.join(coredns, "coredns"), 0o755)],
                  entrypoint=["/coredns"])
            image("pause", pause_tags, [("/pause", os.path.join(pause, "pause"), 0o755)], entrypoint=["/pause"])
            shutil.rmtree(layers)

        images = self.produce("images-%s" % key, make)
        refs["pause"] = pause_tags
        return kube, images, refs
