"""The service data -> Kubernetes objects and token requests (the gateway's entry from the role defaults)."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.kubernaut.testinfra.plugins.filter.k8s_setup import k8s_setup_objects, k8s_token_requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def gateway():
    with open(os.path.join(ROOT, "roles", "testinfra", "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)["testinfra_services"]["gateway"]["kubernetes"]


def test_gateway_objects_in_apply_order():
    objects = k8s_setup_objects(gateway(), {"testinfra.kubernaut.io/run": "r1"})
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Namespace", "kubernaut-system"),
        ("ServiceAccount", "test-gateway-sa"),
        ("ServiceAccount", "test-unauthorized-sa"),
        ("ClusterRole", "kubernaut-gateway-test"),
        ("ClusterRoleBinding", "kubernaut-gateway-test"),
    ]
    binding = objects[-1]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "kubernaut-gateway-test"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "namespace": "kubernaut-system", "name": "test-gateway-sa"}]
    for obj in objects:
        assert obj["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "kubernaut.testinfra",
                                             "testinfra.kubernaut.io/run": "r1"}


def test_role_bindings_users_groups_and_inline_resources():
    objects = k8s_setup_objects({
        "roles": [{"name": "reader", "namespace": "ns", "rules": []}],
        "role_bindings": [{"namespace": "ns", "role": "reader", "users": ["alice"], "groups": ["devs"]},
                          {"namespace": "ns", "cluster_role": "view", "service_accounts": ["sa-in-default"]}],
        "resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}}]})
    assert [o["kind"] for o in objects] == ["Role", "RoleBinding", "RoleBinding", "ConfigMap"]
    assert objects[1]["subjects"][0] == {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}
    assert objects[2]["roleRef"]["kind"] == "ClusterRole"
    assert objects[2]["subjects"] == [{"kind": "ServiceAccount", "namespace": "default", "name": "sa-in-default"}]
    assert objects[3]["metadata"] == {"name": "cm", "namespace": "ns"}  # inline resources are applied as given


def test_inline_resources_can_be_left_for_after_the_crds():
    data = {"namespaces": ["ns"],
            "resources": [{"apiVersion": "kubernaut.io/v1alpha1", "kind": "RemediationRequest",
                           "metadata": {"name": "rr", "namespace": "ns"}}]}
    assert [o["kind"] for o in k8s_setup_objects(data, {}, False)] == ["Namespace"]
    assert [o["kind"] for o in k8s_setup_objects(data)] == ["Namespace", "RemediationRequest"]


def test_binding_without_subjects_is_an_error():
    with pytest.raises(AnsibleFilterError, match="give service_accounts, users or groups"):
        k8s_setup_objects({"cluster_role_bindings": [{"cluster_role": "x"}]})


def test_token_requests():
    assert k8s_token_requests(gateway()) == [
        {"env": "TEST_TOKEN", "service_account": "test-gateway-sa", "namespace": "kubernaut-system",
         "audiences": [], "expiration_seconds": 3600},
        {"env": "TEST_UNAUTHORIZED_TOKEN", "service_account": "test-unauthorized-sa", "namespace": "kubernaut-system",
         "audiences": [], "expiration_seconds": 3600},
    ]
    with pytest.raises(AnsibleFilterError, match="needs env"):
        k8s_token_requests({"tokens": [{"service_account": "a/b"}]})
    assert k8s_token_requests({}) == []
