#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_cluster_ready
short_description: Wait until a kubeconfig reaches a working Kubernetes API server (and its CRDs are established)
version_added: "0.1.0"
description:
  - Waits until the API server the kubeconfig points at lets the kubeconfig's user list namespaces
    and reports its version, for at most O(timeout) seconds.
  - With O(crds), also waits until each of these CustomResourceDefinitions reports the condition
    C(Established), polling every 0.05 s (C(kubernetes.core.k8s) waits in steps of at least 1 s).
  - One task instead of a wait loop of C(kubectl) calls; fails with one message that names the
    server, the last error and what to check.
author:
  - kubernaut.testinfra contributors
requirements:
  - kubernetes (Python package)
options:
  kubeconfig:
    description: Path of the kubeconfig file.
    type: path
    required: true
  context:
    description: Context to use; default the kubeconfig's current context.
    type: str
  timeout:
    description: Seconds to keep trying.
    type: int
    default: 30
  crds:
    description:
      - Names of CustomResourceDefinitions (C(plural.group)) that must be established, for example
        right after they were applied. They must exist.
    type: list
    elements: str
    default: []
notes:
  - Only reads; supports check mode.
"""

EXAMPLES = r"""
- name: Check the cluster answers
  kubernaut.testinfra.k8s_cluster_ready:
    kubeconfig: "{{ testinfra_kubeconfig }}"
    timeout: 10

- name: Wait until the CRDs just applied are established
  kubernaut.testinfra.k8s_cluster_ready:
    kubeconfig: "{{ kubeconfig }}"
    crds: [remediationrequests.kubernaut.io]
    timeout: 60
"""

RETURN = r"""
server:
  description: URL of the API server the kubeconfig points at.
  returned: success
  type: str
server_version:
  description: The gitVersion the API server reports.
  returned: success
  type: str
  sample: v1.34.4
seconds:
  description: Seconds until the API server answered (and the CRDs were established).
  returned: success
  type: float
crds_established:
  description: The O(crds), all established.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import kubeclient
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness import NotReady, wait_until


ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", required=True),
    context=dict(type="str"),
    timeout=dict(type="int", default=30),
    crds=dict(type="list", elements="str", default=[]),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    api = kubeclient.api_client(module, module.params["kubeconfig"], module.params["context"])
    server = api.configuration.host
    api.configuration.retries = False

    def probe():
        try:
            kubeclient.call(api, "GET", "/api/v1/namespaces?limit=1")
            return kubeclient.call(api, "GET", "/version").get("gitVersion", "")
        except kubeclient.ApiError as exc:
            if exc.status in (401, 403):
                module.fail_json(msg="The API server %s refuses the kubeconfig's user (%s): use a kubeconfig "
                                     "with cluster-admin rights." % (server, kubeclient.reason(exc)))
            raise NotReady(kubeclient.reason(exc))
        except Exception as exc:  # urllib3 connection errors, TLS errors
            raise NotReady(kubeclient.reason(exc))

    try:
        version, dummy, seconds = wait_until(probe, module.params["timeout"], interval=0.5)
    except NotReady as exc:
        module.fail_json(msg="The kubeconfig %s does not reach a Kubernetes cluster at %s: %s. Check that the "
                             "cluster is running and that the kubeconfig (and its current context) point at it."
                         % (module.params["kubeconfig"], server, exc))
    if module.params["crds"]:
        seconds += wait_established(module, api, server, max(module.params["timeout"] - seconds, 1))
    module.exit_json(changed=False, server=server, server_version=version, seconds=round(seconds, 3),
                     crds_established=module.params["crds"])


def wait_established(module, api, server, timeout):
    """Wait until every CRD in module.params["crds"] has the condition Established=True; the seconds it took."""
    pending = list(module.params["crds"])

    def probe():
        for name in list(pending):
            try:
                crd = kubeclient.call(api, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name)
            except kubeclient.ApiError as exc:
                if exc.status == 404:
                    module.fail_json(msg="CRD %s does not exist on %s: apply it first (a CRD's name is "
                                         "<plural>.<group>, as in its metadata.name)." % (name, server))
                raise NotReady("%s: %s" % (name, kubeclient.reason(exc)))
            except Exception as exc:
                raise NotReady("%s: %s" % (name, kubeclient.reason(exc)))
            conditions = (crd.get("status") or {}).get("conditions") or []
            if not any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                raise NotReady("CRD %s is not established yet (%s)" % (name, ", ".join(
                    "%s=%s" % (c.get("type"), c.get("status")) for c in conditions) or "no conditions"))
            pending.remove(name)

    try:
        return wait_until(probe, timeout, interval=0.05)[2]
    except NotReady as exc:
        module.fail_json(msg="%s. Look at the CRD's status conditions (kubectl get crd -o yaml) on %s." % (exc, server))


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
