# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kind node image (module kind_node_image): a Debian root file system with what kind's base image has, kind's
node files, the Kubernetes binaries and the preloaded control-plane images, built by module_utils/image (mmdebstrap
into podman import, spec label) and reused when its spec label matches."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shlex
import shutil

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import default_cache_dir
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import PROBE_TIMEOUT, remove, run, tail
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.gobuild import GoToolchain
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import normalize_version
from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.build import LocalImage
from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.spec import LABEL_SPEC
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.components import DPKG_TRIM, Components
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.nodefiles import (
    KIND_MODULE, kind_base_files, own_files)

# Bump when the node recipe changes in a way the spec hash does not see (forces a rebuild).
RECIPE = 2
LABEL_KUBERNETES = "io.kubernaut.testinfra.kind.kubernetes"
LABEL_KIND = "io.kubernaut.testinfra.kind.version"
LABEL_CNI = "io.kubernaut.testinfra.kind.cni"
CNI = "ptp"
# What the image holds besides its files: the preloaded images and the kubeadm patches they need.
STAGE_INFO = "/kind/kubernaut-images.json"

# What kind's base image installs (images/base/Dockerfile), from Debian: containerd, runc and the CNI plugins
# are Debian's packages instead of kind's own builds.
PACKAGES = ["systemd", "systemd-sysv", "containerd", "runc", "containernetworking-plugins", "conntrack",
            "iptables", "nftables", "iproute2", "ethtool", "util-linux", "mount", "kmod", "libseccomp2", "pigz",
            "e2fsprogs", "bash", "ca-certificates", "curl", "jq", "procps", "socat"]

# kind's Dockerfile, after installing the packages and copying its files.
SETUP = " && ".join([
    "set -e",
    "find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete",
    "rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/*"
    " /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev*"
    " /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*",
    "echo ReadKMsg=no >> /etc/systemd/journald.conf",
    "ln -sf /usr/lib/systemd/systemd /sbin/init",
    "systemctl enable kubelet.service containerd.service undo-mount-hacks.service kubernaut-images.service"
    " kubernaut-cni.service",
    "systemctl mask systemd-binfmt.service",
    "mkdir -p /etc/kubernetes/manifests /opt/cni",
    # Debian's paths where kind's units and kubelet expect kind's own builds
    "ln -sfn /usr/lib/cni /opt/cni/bin",
    "ln -sf /usr/bin/containerd /usr/local/bin/containerd",
    "ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + "
    "{\"path\": \"/kind/bin/mount-product-files.sh\"}' | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json",
    "test -s /etc/containerd/cri-base.json",
    # containerd may only raise oom_score_adj: hosts that are containers themselves (no CAP_SYS_RESOURCE) refuse
    # the negative scores of critical pods, and on other hosts containerd's own -999 keeps them as asked
    "sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml",
    "grep -q 'restrict_oom_score_adj = true' /etc/containerd/config.toml",
    "apt-get clean",
    "rm -rf /var/lib/apt/lists/*",
])


def sandbox_image(containerd_config):
    match = re.search(r'^\s*sandbox_image\s*=\s*"([^"]+)"', containerd_config, re.M)
    return match.group(1) if match else None


class _Options(object):
    """The module seen by module_utils/image, with the node image's options as its params."""

    def __init__(self, module, params):
        self._module = module
        self.params = params

    def __getattr__(self, name):
        return getattr(self._module, name)


class NodeImage(object):
    """The node image the module's options describe; ``present()`` returns the module's result."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.result = dict(changed=False, actions=[], build_seconds={})
        try:
            self.k8s = normalize_version(self.params["kubernetes_version"])
        except ValueError:
            module.fail_json(msg="kind_kubernetes_version %r is not a Kubernetes version: set it like v1.34.4"
                             % self.params["kubernetes_version"])
        self.cache_dir = os.path.abspath(self.params["cache_dir"] or default_cache_dir(os.environ,
                                                                                        os.path.expanduser("~")))
        self.go = GoToolchain(module, self.params["go"], self.fail)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, actions=self.result["actions"], **kwargs)

    def act(self, text):
        self.result["actions"].append(text)

    # -- kind ------------------------------------------------------------------------------
    def kind_version(self):
        binary = self.params["kind_binary"]
        path = binary if os.sep in binary else (self.module.get_bin_path(binary)
                                                or self.module.get_bin_path(binary, opt_dirs=["/usr/local/bin"]))
        if not path:
            self.fail("kind is not installed (kind_binary=%s); the node image takes kind's node files from the kind "
                      "Go module of the kind in use" % binary)
        rc, out = run([path, "version"], timeout=PROBE_TIMEOUT)
        match = re.search(r"\bv(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)\b", out or "")
        if rc != 0 or not match:
            self.fail("`%s version` failed or names no version (rc=%s): %s" % (path, rc, tail(out, 3)))
        return "v" + match.group(1)

    def kind_module_dir(self, version):
        self.go.find("the kind node image (kind's node files)")
        rc, out = run([self.go.path, "mod", "download", "-json", "%s@%s" % (KIND_MODULE, version)], cwd="/",
                      env=self.go.build_env(), timeout=600)
        try:
            info = json.loads(out)
        except ValueError:
            info = {}
        if rc != 0 or not info.get("Dir"):
            self.fail("cannot get %s@%s (kind's node files) from the Go module proxy (GOPROXY=%s): %s"
                      % (KIND_MODULE, version, self.go.env.get("GOPROXY"), info.get("Error") or tail(out, 5)))
        return info["Dir"]

    # -- the image -------------------------------------------------------------------------
    def stage_dir(self, key):
        return os.path.join(self.cache_dir, "kind", "stage-" + key)

    def image_params(self, kind_version, files, stage):
        p = self.params
        labels = {LABEL_KUBERNETES: self.k8s, LABEL_KIND: kind_version, LABEL_CNI: CNI}
        labels.update(p["labels"] or {})
        return dict(
            name=p["name"], state="present", packages=PACKAGES + list(p["extra_packages"]), suite=p["suite"],
            mirror=p["mirror"], components=["main"], variant="minbase", mode="auto", dpkg_options=list(DPKG_TRIM),
            apt_options=[], setup_hooks=[], essential_hooks=[],
            customize_hooks=['cp -a %s/. "$1"/' % shlex.quote(stage), 'chroot "$1" /bin/sh -c %s' % shlex.quote(SETUP)],
            files=[dict(f, src=None, owner=None) for f in files],
            config=dict(entrypoint=["/usr/local/bin/entrypoint", "/sbin/init"], cmd=None,
                        env={"container": "docker",
                             "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                        expose=None, volumes=None, stop_signal="SIGRTMIN+3", workdir=None, user=None, labels=labels),
            force=p["force"], upstream=None, source="local", fix_hint="")

    def present(self):
        kind_version = self.kind_version()
        files = kind_base_files(self.kind_module_dir(kind_version)) + own_files()
        config = [f["content"] for f in files if f["dest"] == "/etc/containerd/config.toml"]
        sandbox = sandbox_image(config[0] if config else "") or "registry.k8s.io/pause:3.10"
        # everything the staged binaries and images follow from (the versions of etcd, CoreDNS and pause follow
        # from Kubernetes' kubeadm)
        key = hashlib.sha256(json.dumps([RECIPE, self.k8s, sandbox, self.params["suite"]]).encode()).hexdigest()[:16]
        stage = self.stage_dir(key)
        image = LocalImage(_Options(self.module, self.image_params(kind_version, files, stage)))
        spec_hash = image.spec(image.load_files())
        image.podman = image.bin("podman")
        existing = image.inspect(image.ref)
        labels = ((existing or {}).get("Config") or {}).get("Labels") or {}
        self.result.update(kubernetes_version=self.k8s, kind_version=kind_version, spec_hash=spec_hash, cni=CNI,
                           ref=self.params["name"], source_used="local")
        if existing and labels.get(LABEL_SPEC) == spec_hash and not self.params["force"]:
            self.result.update(action="reused", reason="image exists with the same spec", image=image.summary(existing))
            self.result.update(self.stage_info(stage, image))
            return self.result
        if self.module.check_mode:
            self.result.update(changed=True, action="built" if not existing else "rebuilt",
                               reason="image does not exist" if not existing else "spec differs", image={})
            return self.result
        self.make_stage(stage, sandbox)
        built = image.present()
        self.result["build_seconds"]["node_image"] = built.get("build_seconds")
        self.result.update(changed=True, action=built["action"], reason=built["reason"], image=built["image"])
        return self.result

    def stage_info(self, stage, image):
        """{images, kubeadm_config_patches} of a reused image: from the cached stage, else read from the image."""
        try:
            with open(stage + STAGE_INFO) as handle:
                return json.load(handle)
        except (IOError, OSError, ValueError):
            pass
        rc, out, err = image.run([image.podman, "run", "--rm", "--network=none", "--entrypoint", "cat", image.ref,
                                  STAGE_INFO], check=False)
        try:
            return json.loads(out) if rc == 0 else {"kubeadm_config_patches": []}
        except ValueError:
            return {"kubeadm_config_patches": []}

    def make_stage(self, stage, sandbox):
        parts = Components(self.module, self.go, self.cache_dir, self.k8s, self.params["suite"], self.params["mirror"],
                           self.fail, self.act)
        kube, images, refs = parts.images(sandbox)
        self.result["build_seconds"].update(parts.seconds)
        self.result["images"] = refs
        self.result["kubeadm_config_patches"] = parts.patches
        if os.path.isdir(stage):
            return
        tmp = stage + ".tmp-%d" % os.getpid()
        remove(tmp)
        try:
            os.makedirs(os.path.join(tmp, "usr", "bin"))
            os.makedirs(os.path.join(tmp, "kind", "images"))
            for name in ("kubelet", "kubeadm", "kubectl"):
                _link(os.path.join(kube, name), os.path.join(tmp, "usr", "bin", name))
            for name in sorted(os.listdir(images)):
                _link(os.path.join(images, name), os.path.join(tmp, "kind", "images", name))
            with open(os.path.join(tmp, "kind", "version"), "w") as handle:
                handle.write(self.k8s)
            with open(os.path.join(tmp, "kind", STAGE_INFO.lstrip("/").split("/", 1)[1]), "w") as handle:
                json.dump({"images": refs, "kubeadm_config_patches": parts.patches}, handle, indent=1, sort_keys=True)
            os.rename(tmp, stage)
        finally:
            remove(tmp)


def _link(src, dest):
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
