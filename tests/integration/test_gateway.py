"""gateway.yml end to end on envtest + Redis: CRDs, namespaces, RBAC and TokenRequest tokens from service data."""

import json
import os
import re

import yaml
from conftest import ROOT, run_playbook

ENVTEST = ["-e", "testinfra_cluster=envtest"]
JWT_HEADER = "eyJhbGciOi"  # every service-account token starts with this base64url JSON header


def test_gateway_passes_and_never_prints_tokens(clean_host):
    rc, out = run_playbook("gateway.yml", *ENVTEST, "-vv")
    assert rc == 0, out
    assert re.search(r"gateway: PASSED - \d+ tests: \d+ passed, 0 failed", out), out
    assert "Apply the service's CRDs" in out and "kubernaut.io_remediationrequests.yaml" in out
    assert JWT_HEADER not in out


def test_missing_role_binding_fails_the_authorization_tests(clean_host):
    overrides = {"testinfra_service_overrides": {"kubernetes": {
        "crds": ["config/crd"], "namespaces": ["kubernaut-system"],
        "service_accounts": ["kubernaut-system/test-gateway-sa", "kubernaut-system/test-unauthorized-sa"],
        "tokens": [{"env": "TEST_TOKEN", "service_account": "kubernaut-system/test-gateway-sa"},
                   {"env": "TEST_UNAUTHORIZED_TOKEN", "service_account": "kubernaut-system/test-unauthorized-sa"}]}}}
    rc, out = run_playbook("gateway.yml", *ENVTEST, "-e", json.dumps(overrides))
    assert rc != 0
    assert "gateway: FAILED" in out, out
    assert "TestSubjectAccessReviewGatewayServiceAccount/create_remediationrequests.kubernaut.io" in out
    assert "got allowed=false" in out
    assert "gateway: go test did not pass" in out
    assert JWT_HEADER not in out


def test_redis_tag_runs_the_gateway_with_its_cluster(clean_host):
    rc, out = run_playbook("gateway.yml", *ENVTEST, "--tags", "redis")
    assert rc == 0, out
    assert "gateway: PASSED" in out
    rc, out = run_playbook("gateway.yml", *ENVTEST, "--tags", "kind")
    assert rc == 0, out
    assert "Nothing to run: service gateway uses envtest, redis" in out


def test_custom_resources_among_the_inline_resources_wait_for_their_crd(clean_host):
    # A custom resource of the service's own CRD among the inline resources: the CRDs are applied with the
    # RBAC objects, the inline resources by a task of their own once the CRDs are established.
    with open(os.path.join(ROOT, "roles", "testinfra", "defaults", "main.yml")) as handle:
        kubernetes = yaml.safe_load(handle)["testinfra_services"]["gateway"]["kubernetes"]
    kubernetes["resources"] = [{
        "apiVersion": "kubernaut.io/v1alpha1", "kind": "RemediationRequest",
        "metadata": {"name": "seeded-by-the-service-data", "namespace": "kubernaut-system"},
        "spec": {"signalFingerprint": "seeded"}}]
    overrides = {"testinfra_service_overrides": {"kubernetes": kubernetes, "go_test_flags": [
        "-v", "-run", "TestRemediationRequestCRDServed"]}}
    rc, out = run_playbook("gateway.yml", *ENVTEST, "-e", json.dumps(overrides))
    assert rc == 0, out
    assert re.search(r"TASK \[kubernaut.testinfra.testinfra : Apply the service's inline resources\][^\n]*\n"
                     r"changed: \[localhost\]", out), out
    assert "gateway: PASSED - 1 test: 1 passed, 0 failed" in out, out
