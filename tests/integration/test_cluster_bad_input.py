"""Bad input for the cluster backends: one clear message naming the fix, non-zero exit, nothing left running."""

import json

import pytest

from conftest import run_playbook

CASES = [
    (["-e", "testinfra_cluster=minikube"],
     'Unknown cluster backend "minikube": use -e testinfra_cluster=kind, envtest or existing'),
    (["-e", "testinfra_cluster=existing", "-e", "testinfra_kubeconfig=/nonexistent/kubeconfig"],
     "kubeconfig /nonexistent/kubeconfig not found"),
    (["-e", "testinfra_cluster=envtest", "-e", "envtest_kube_apiserver=/nonexistent/kube-apiserver"],
     "/nonexistent/kube-apiserver"),
    (["-e", "testinfra_cluster=envtest", "-e", json.dumps({"testinfra_service_overrides": {
        "kubernetes": {"crds": ["config/no-such-crds"]}}})],
     "crds path config/no-such-crds of service toolset not found under"),
]


@pytest.mark.parametrize("args,message", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_cluster_input(clean_host, args, message):
    rc, out = run_playbook("toolset.yml", *args)
    assert rc != 0
    assert message in out, out
    assert "toolset: PASSED" not in out


def test_kubeconfig_that_reaches_no_cluster(clean_host, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u"}}]}))
    rc, out = run_playbook("toolset.yml", "-e", "testinfra_cluster=existing", "-e", "testinfra_kubeconfig=%s" % kubeconfig)
    assert rc != 0
    assert "does not reach a Kubernetes cluster at https://127.0.0.1:1" in out, out
    assert "Provisioning for toolset failed; nothing was left running." in out


def test_kind_registry_node_image_that_cannot_be_pulled_says_how_to_preload(clean_host):
    # this host has no registry, so kindest/node cannot be pulled
    rc, out = run_playbook("toolset.yml", "-e", "kind_node_image_source=registry")
    assert rc != 0
    assert "is not in podman's storage and cannot be pulled" in out
    assert "podman save -o kindest-node.tar" in out and "kind_node_image_archive" in out
    assert "Provisioning for toolset failed; nothing was left running." in out


# The choice is checked before anything starts (the registry's inputs); the others when the node image is resolved.
KIND_CASES = [
    (["-e", "kind_node_image_source=bogus"],
     "kind_node_image_source=bogus is not one of auto, registry, local: set -e kind_node_image_source to one of them"),
    (["-e", "kind_node_image_source=local", "-e", "kind_kubernetes_version=1.x"],
     "kind_kubernetes_version '1.x' is not a Kubernetes version: set it like v1.34.4"),
    (["-e", "kind_node_image_source=local", "-e", "kind_kubernetes_version=v1.34.99"],
     "k8s.io/kubernetes v1.34.99 is not on the Go module proxy"),
]


@pytest.mark.parametrize("args,message", KIND_CASES, ids=[c[1][:40] for c in KIND_CASES])
def test_bad_kind_node_image_input_names_the_variable(clean_host, args, message):
    rc, out = run_playbook("toolset.yml", *args)
    assert rc != 0
    assert message in " ".join(out.split()), out
    assert "Run kind create cluster" not in out
    if "kind_node_image_source=bogus" in args:
        assert "Provision" not in out, out  # refused up front, before any backend task
    else:
        assert "Provisioning for toolset failed; nothing was left running." in out
