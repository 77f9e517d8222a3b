"""kubernaut.testinfra.envtest_control_plane launched without waiting, then waited for, with the real binaries."""

import json
import os
import signal
import ssl
from urllib.request import urlopen

from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from test_envtest_binaries import run_module

MODULE = "kubernaut.testinfra.envtest_control_plane"


def control_plane(args):
    return run_module(args, timeout=300, module=MODULE)[0]


def recorded(state_dir):
    with open(os.path.join(str(state_dir), "state.json")) as handle:
        return json.load(handle)


def binaries():
    result, dummy = run_module()
    assert not result.get("failed"), result["msg"]
    return {"etcd": result["etcd"], "kube_apiserver": result["kube_apiserver"]}


def test_launch_returns_before_the_api_answers_and_a_second_call_waits_for_it(clean_host, tmp_path):
    args = dict(binaries(), state_dir=str(tmp_path / "envtest"))
    try:
        launched = control_plane(dict(args, wait=False))
        assert not launched.get("failed"), launched.get("msg")
        assert launched["changed"] and launched["ready"] is False and launched["server_version"] == ""
        assert os.path.isfile(launched["kubeconfig"])
        procs = recorded(args["state_dir"])["processes"]
        assert [p["name"] for p in procs] == ["etcd", "kube-apiserver"]

        ready = control_plane(args)
        assert not ready.get("failed"), ready.get("msg")
        assert ready["ready"] is True and ready["server_version"].startswith("v1.")
        assert ready["server"] == launched["server"] and ready["kubeconfig"] == launched["kubeconfig"]
        assert ready["ready_seconds"] > launched["seconds"]  # counted from the launch, not from this call
        # the same processes, no second control plane; the state no longer says "launched"
        assert recorded(args["state_dir"])["processes"] == procs
        assert "launched" not in recorded(args["state_dir"])
        assert all(runstate.alive(p["pid"], p["start"]) for p in procs)
    finally:
        stopped = control_plane({"state": "stopped", "state_dir": args["state_dir"]})
    assert sorted(stopped["stopped"]) == ["etcd", "kube-apiserver"]
    assert not any(runstate.alive(p["pid"], p["start"]) for p in procs)
    assert not os.path.exists(args["state_dir"])


def test_a_launched_api_server_that_dies_fails_the_wait_and_leaves_nothing(clean_host, tmp_path):
    args = dict(binaries(), state_dir=str(tmp_path / "envtest"))
    launched = control_plane(dict(args, wait=False))
    assert not launched.get("failed"), launched.get("msg")
    procs = {p["name"]: p for p in recorded(args["state_dir"])["processes"]}
    os.killpg(procs["kube-apiserver"]["pid"], signal.SIGKILL)

    result = control_plane(args)
    assert result.get("failed")
    assert "kube-apiserver exited during startup" in result["msg"]
    assert "Last lines of kube-apiserver.log" in result["msg"]
    assert not runstate.alive(procs["etcd"]["pid"], procs["etcd"]["start"])
    assert not os.path.exists(args["state_dir"])


def test_readyz_wait_leaves_the_api_server_ready_for_service_accounts(clean_host, tmp_path):
    """envtest_control_plane returns once the admin user's calls work; k8s_cluster_ready with readyz returns
    once the post-start hooks ran, so the RBAC bootstrap roles the tests' service accounts need exist."""
    args = dict(binaries(), state_dir=str(tmp_path / "envtest"))
    try:
        started = control_plane(args)
        assert not started.get("failed"), started.get("msg")
        ready = run_module(dict(kubeconfig=started["kubeconfig"], readyz=True, timeout=60),
                           module="kubernaut.testinfra.k8s_cluster_ready")[0]
        assert not ready.get("failed"), ready.get("msg")
        assert ready["server"] == started["server"] and ready["readyz_seconds"] >= 0
        roles = run_module(dict(kubeconfig=started["kubeconfig"], readyz=True, timeout=5),
                           module="kubernaut.testinfra.k8s_cluster_ready")[0]
        assert roles["readyz_seconds"] < 0.5  # ready stays ready: no second wait
        pki = os.path.join(args["state_dir"], "pki")
        context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        binding = json.loads(urlopen(started["server"] + "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/"
                                     "system:discovery", context=context, timeout=5).read())
        assert binding["roleRef"]["name"] == "system:discovery"
    finally:
        control_plane({"state": "stopped", "state_dir": args["state_dir"]})


def admin_get(state_dir, server, path):
    pki = os.path.join(str(state_dir), "pki")
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
    return json.loads(urlopen(server + path, context=context, timeout=5).read())


def test_crds_given_at_launch_are_created_once_by_the_first_caller_that_waits(clean_host, tmp_path):
    """The CRDs exist as soon as the API answers (their 2 s create window starts then); each is created once
    between the callers sharing the control plane; what is not a CRD or cannot be parsed is left alone."""
    crd_dir = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "config", "crd")
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: CustomResourceDefinition\nmetadata: [not, a, mapping\n")
    other = tmp_path / "namespace.yaml"
    other.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: not-created-here\n")
    args = dict(binaries(), state_dir=str(tmp_path / "share" / "envtest"), shared=True)
    try:
        launched = control_plane(dict(args, wait=False, crds=[crd_dir, str(broken)]))
        assert not launched.get("failed"), launched.get("msg")
        assert launched["crds_created"] == []

        first = control_plane(dict(args, crds=[str(other)]))
        assert not first.get("failed"), first.get("msg")
        assert first["crds_created"] == ["remediationrequests.kubernaut.io"]
        crd = admin_get(args["state_dir"], first["server"],
                        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/remediationrequests.kubernaut.io")
        assert crd["spec"]["group"] == "kubernaut.io"
        names = [ns["metadata"]["name"] for ns in admin_get(args["state_dir"], first["server"], "/api/v1/namespaces")["items"]]
        assert "not-created-here" not in names

        second = control_plane(dict(args, crds=[crd_dir]))
        assert not second.get("failed"), second.get("msg")
        assert second["reused"] and second["crds_created"] == []
    finally:
        control_plane({"state": "stopped", "state_dir": args["state_dir"]})
