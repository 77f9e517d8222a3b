#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_cluster_ready
short_description: Wait until a kubeconfig reaches a working Kubernetes API server
version_added: "0.1.0"
description:
  - Waits until the API server the kubeconfig points at lets the kubeconfig's user list namespaces
    and reports its version, for at most O(timeout) seconds.
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
notes:
  - Only reads; supports check mode.
"""

EXAMPLES = r"""
- name: Check the cluster answers
  kubernaut.testinfra.k8s_cluster_ready:
    kubeconfig: "{{ testinfra_kubeconfig }}"
    timeout: 10
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
  description: Seconds until the API server answered.
  returned: success
  type: float
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import kubeclient
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness import NotReady, wait_until


ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", required=True),
    context=dict(type="str"),
    timeout=dict(type="int", default=30),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    api = kubeclient.api_client(module, module.params["kubeconfig"], module.params["context"])
    server = api.configuration.host
    api.configuration.retries = False
    core = kubeclient.client.CoreV1Api(api)

    def probe():
        try:
            core.list_namespace(limit=1, _request_timeout=3)
            return kubeclient.client.VersionApi(api).get_code(_request_timeout=3).git_version
        except kubeclient.ApiException as exc:
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
    module.exit_json(changed=False, server=server, server_version=version, seconds=seconds)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
