"""What the controller sends a remote host (plugin_utils/controller_copy.py, action/envtest_binaries.py): the host
probe's output, which cache files to send, which the module would look for."""

import hashlib

from ansible_collections.kubernaut.testinfra.plugins.action.envtest_binaries import wanted_files
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.controller_copy import (
    binaries_to_copy, parse_probe, platform_of, sha256_file)


def test_probe_output_parsed():
    found = parse_probe("uname Linux x86_64\ncache /root/.cache/kubernaut-testinfra\nhave etcd-v3.5.16\n")
    assert found == {"platform": ("linux", "x86_64"), "cache": "/root/.cache/kubernaut-testinfra",
                     "have": {"etcd-v3.5.16"}}
    assert parse_probe("garbage\n")["platform"] is None
    assert platform_of("Linux aarch64") == ("linux", "aarch64")
    assert platform_of("") is None


def test_only_what_the_host_lacks_and_the_controller_has_is_sent():
    wanted = {"kube-apiserver": "kube-apiserver-v1.34.4", "etcd": "etcd-v3.5.16", "kubectl": "kubectl-v1.34.4"}
    send, notes = binaries_to_copy(wanted, {"etcd-v3.5.16"},
                                   {"kube-apiserver-v1.34.4": "/c/bin/kube-apiserver-v1.34.4", "kubectl-v1.34.4": None})
    assert send == {"kube-apiserver": "/c/bin/kube-apiserver-v1.34.4"}
    assert notes == ["kubectl-v1.34.4: not in the controller's cache either (made on the host)"]
    assert binaries_to_copy(wanted, set(wanted.values()), {}) == ({}, [])


def test_wanted_files_follow_the_module_options():
    assert wanted_files({}) == {"kube-apiserver": "kube-apiserver-v1.34.4", "etcd": "etcd-v3.5.16"}
    assert wanted_files({"kubernetes_version": "v1.33.1", "etcd_version": "3.6.5", "with_kubectl": True}) == {
        "kube-apiserver": "kube-apiserver-v1.33.1", "etcd": "etcd-v3.6.5", "kubectl": "kubectl-v1.33.1"}
    assert wanted_files({"etcd": "/usr/bin/etcd"}) == {"kube-apiserver": "kube-apiserver-v1.34.4"}
    assert wanted_files({"assets_dir": "/opt/assets"}) == {}
    assert wanted_files({"source": "setup-envtest"}) == {}
    assert wanted_files({"kubernetes_version": "latest-ish"}) == {}


def test_sha256_of_a_file(tmp_path):
    path = tmp_path / "bin"
    path.write_bytes(b"x" * 5000000)
    assert sha256_file(str(path)) == hashlib.sha256(b"x" * 5000000).hexdigest()


def test_spec_label_of_an_inspected_image():
    from ansible_collections.kubernaut.testinfra.plugins.action.local_image import spec_label
    assert spec_label({"Config": {"Labels": {"io.kubernaut.testinfra.spec": "abc"}}}) == "abc"
    assert spec_label({"Config": {"Labels": None}}) is None
    assert spec_label(None) is None
