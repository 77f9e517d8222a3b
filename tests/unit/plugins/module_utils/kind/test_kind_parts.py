# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of the local kind node image (module_utils/kind): image references and versions, the failCgroupV1
rule, kubeadm's image list, the wrapper go.mod, image tarballs (read back with tarfile and json), kind's node files
(from the real kind v0.33.0 module when Go's module cache has it) and the pod network script (bash -n)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import tarfile

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.archive import files_layer, write_image
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.components import (
    image_version, kubeadm_images, wrapper_gomod_kubernetes)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.node import PACKAGES, SETUP, sandbox_image
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.nodefiles import (
    CNI_SCRIPT, IMPORT_SCRIPT, KUBE_PROXY_WRAPPER, kind_base_files, own_files)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.refs import (
    kind_image_ref, needs_fail_cgroup_v1, tag_version)

KIND_MODULE_DIR = os.path.expanduser("~/go/pkg/mod/sigs.k8s.io/kind@v0.33.0")

KUBEADM_LIST = """registry.k8s.io/kube-apiserver:v1.34.4
registry.k8s.io/kube-controller-manager:v1.34.4
registry.k8s.io/kube-scheduler:v1.34.4
registry.k8s.io/kube-proxy:v1.34.4
registry.k8s.io/coredns/coredns:v1.12.1
registry.k8s.io/pause:3.10.1
registry.k8s.io/etcd:3.6.5-0
"""


@pytest.mark.parametrize("image, ref", [
    ("kindest/node:v1.37.0", "docker.io/kindest/node:v1.37.0"),
    ("localhost/kubernaut/kind-node:v1.34.4", "localhost/kubernaut/kind-node:v1.34.4"),
    ("registry.example:5000/node:v1", "registry.example:5000/node:v1"),
    ("node", "docker.io/library/node"),
])
def test_kind_image_ref(image, ref):
    assert kind_image_ref(image) == ref


def test_tag_version():
    assert tag_version("docker.io/kindest/node:v1.37.0") == "v1.37.0"
    assert tag_version("kindest/node:v1.35.1@sha256:abc") == "v1.35.1"
    assert tag_version("localhost/x:latest") == ""


@pytest.mark.parametrize("version, cgroup_v2, needed", [
    ("v1.34.4", False, False), ("v1.35.0", False, True), ("v1.37.2", False, True), ("v1.37.2", True, False),
    ("", False, False), ("v2.0.0", False, True),
])
def test_fail_cgroup_v1_patch_only_for_135_plus_on_cgroup_v1(version, cgroup_v2, needed):
    assert needs_fail_cgroup_v1(version, cgroup_v2) is needed


def test_kubeadm_images_and_versions():
    images = kubeadm_images(KUBEADM_LIST + "W1203 some warning line\n")
    assert images["etcd"] == "registry.k8s.io/etcd:3.6.5-0"
    assert images["coredns"] == "registry.k8s.io/coredns/coredns:v1.12.1"
    assert set(images) == {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns",
                           "pause", "etcd"}
    assert image_version(images["etcd"]) == "v3.6.5"
    assert image_version(images["coredns"]) == "v1.12.1"
    assert image_version("registry.k8s.io/pause:3.10.1") == "v3.10.1"


def test_wrapper_gomod_lists_every_command_as_tool_and_pins_staging():
    gomod = wrapper_gomod_kubernetes("1.34.4", "1.24.0", ["k8s.io/api", "k8s.io/client-go"], ["default=go1.24"],
                                     ["k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kubeadm"])
    assert "require k8s.io/kubernetes v1.34.4" in gomod
    assert "\tk8s.io/kubernetes/cmd/kubelet\n\tk8s.io/kubernetes/cmd/kubeadm\n)" in gomod
    assert "\tk8s.io/client-go => k8s.io/client-go v0.34.4" in gomod
    assert "godebug default=go1.24" in gomod and "go 1.24.0" in gomod


def test_image_tarball_layout(tmp_path):
    binary = tmp_path / "pause"
    binary.write_bytes(b"\x7fELF pretend")
    layer = str(tmp_path / "layer.tar")
    files_layer(layer, [("/pause", str(binary), 0o755), ("/usr/local/bin/tool", b"#!/bin/sh\n", 0o755)])
    out = str(tmp_path / "image.tar")
    image_id = write_image(out, ["registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10"], [layer],
                           entrypoint=["/pause"])
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert manifest[0]["RepoTags"] == ["registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10"]
        config_bytes = tar.extractfile(manifest[0]["Config"]).read()
        config = json.loads(config_bytes)
        layer_bytes = tar.extractfile(manifest[0]["Layers"][0]).read()
    assert image_id == "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer_bytes).hexdigest()]
    assert config["config"]["Entrypoint"] == ["/pause"]
    with tarfile.open(layer) as tar:
        names = tar.getnames()
        assert names == ["pause", "usr", "usr/local", "usr/local/bin", "usr/local/bin/tool"]
        assert tar.getmember("pause").mode == 0o755
    # the same inputs give the same image
    again = str(tmp_path / "again.tar")
    assert write_image(again, ["registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10"], [layer],
                       entrypoint=["/pause"]) == image_id


@pytest.mark.parametrize("script", [CNI_SCRIPT, IMPORT_SCRIPT, KUBE_PROXY_WRAPPER])
def test_node_scripts_parse(script, tmp_path):
    path = tmp_path / "script"
    path.write_text(script)
    shell = "bash" if script.startswith("#!/bin/bash") else "sh"
    assert subprocess.run([shell, "-n", str(path)], check=False).returncode == 0


def test_own_files_are_enabled_by_setup():
    dests = [f["dest"] for f in own_files()]
    assert "/etc/systemd/system/kubernaut-images.service" in dests
    assert "kubernaut-images.service" in SETUP and "kubernaut-cni.service" in SETUP
    assert "restrict_oom_score_adj = true" in SETUP
    for package in ("systemd", "containerd", "runc", "containernetworking-plugins", "iptables", "conntrack"):
        assert package in PACKAGES


@pytest.mark.skipif(not os.path.isdir(KIND_MODULE_DIR), reason="sigs.k8s.io/kind@v0.33.0 is not in Go's module cache")
def test_kind_base_files_of_real_module():
    files = dict((f["dest"], f) for f in kind_base_files(KIND_MODULE_DIR))
    assert files["/usr/local/bin/entrypoint"]["mode"] == "0755"
    assert files["/kind/bin/mount-product-files.sh"]["mode"] == "0755"
    assert files["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"]["mode"] == "0644"
    assert "/etc/systemd/system/containerd-fuse-overlayfs.service" not in files
    assert sandbox_image(files["/etc/containerd/config.toml"]["content"]) == "registry.k8s.io/pause:3.10"


def test_kind_base_files_of_missing_dir(tmp_path):
    with pytest.raises(ValueError, match="images/base/files"):
        kind_base_files(str(tmp_path))


def test_pick_release_prefers_kubeadms_then_the_next_patch_of_its_minor():
    from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.components import pick_release
    listed = ["v3.5.24", "v3.6.0", "v3.6.4", "v3.6.5", "v3.6.8", "v3.6.12", "v3.7.0-alpha.0"]
    asked = []
    assert pick_release(listed, "v3.6.5", lambda: asked.append(1)) == "v3.6.5" and not asked
    assert pick_release(listed, "v3.6.6", lambda: False) == "v3.6.8"
    assert pick_release(listed, "v3.6.6", lambda: True) == "v3.6.6"  # served though not listed (CoreDNS v1.12.1)
    assert pick_release(listed, "v3.6.20", lambda: False) == "v3.6.12"
    assert pick_release(listed, "v3.8.1", lambda: False) is None


def test_config_patches_name_the_substituted_tags():
    import yaml
    from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.components import config_patches
    assert config_patches({}) == []
    [patch] = config_patches({"etcd": "3.6.8-0", "coredns": "v1.13.2"})
    doc = yaml.safe_load(patch)
    assert doc == {"kind": "ClusterConfiguration", "etcd": {"local": {"imageTag": "3.6.8-0"}},
                   "dns": {"imageTag": "v1.13.2"}}
