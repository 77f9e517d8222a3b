#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_tokens
short_description: Request service-account tokens (TokenRequest) and return them as environment variables
version_added: "0.1.0"
description:
  - For each entry, creates a TokenRequest for the service account (the C(serviceaccounts/token)
    subresource, which M(kubernetes.core.k8s) cannot create) and returns the token under the
    environment variable name the tests expect, for example C(TEST_TOKEN).
  - The tokens are secrets; use C(no_log) on the task.
author:
  - kubernaut.testinfra contributors
requirements:
  - kubernetes (Python package)
options:
  kubeconfig:
    description: Path of an admin kubeconfig.
    type: path
    required: true
  tokens:
    description: The tokens to request.
    type: list
    elements: dict
    required: true
    suboptions:
      env:
        description: Environment variable that receives the token.
        type: str
        required: true
      service_account:
        description: Name of the service account.
        type: str
        required: true
      namespace:
        description: Its namespace.
        type: str
        default: default
      audiences:
        description: Audiences of the token; default the API server's own.
        type: list
        elements: str
        default: []
      expiration_seconds:
        description: Lifetime of the token.
        type: int
        default: 3600
attributes:
  check_mode:
    support: full
    description: Requests nothing and returns no tokens.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Token of the gateway's test service account for the tests
  kubernaut.testinfra.k8s_tokens:
    kubeconfig: "{{ kubeconfig }}"
    tokens:
      - env: TEST_TOKEN
        service_account: test-gateway-sa
        namespace: kubernaut-system
  register: tokens
  no_log: true
"""

RETURN = r"""
env:
  description: Environment variable name to token.
  returned: success
  type: dict
expirations:
  description: Environment variable name to the token's expiry time (RFC 3339).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from urllib.parse import quote
from ansible_collections.kubernaut.testinfra.plugins.module_utils.k8s import client


ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", required=True),
    tokens=dict(type="list", elements="dict", required=True, options=dict(
        env=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        namespace=dict(type="str", default="default"),
        audiences=dict(type="list", elements="str", default=[]),
        expiration_seconds=dict(type="int", default=3600),
    )),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    if module.check_mode:
        module.exit_json(changed=False, env={}, expirations={})
    with client.session(module, module.params["kubeconfig"]) as api:
        env, expirations = {}, {}
        for item in module.params["tokens"]:
            spec = {"expirationSeconds": item["expiration_seconds"]}
            if item["audiences"]:
                spec["audiences"] = item["audiences"]
            body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
            try:
                answer = client.call(api, "POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (
                    quote(item["namespace"], safe=""), quote(item["service_account"], safe="")), body, timeout=10)
            except Exception as exc:
                module.fail_json(msg="TokenRequest for service account %s/%s failed: %s. Declare the service account "
                                     "in the service's kubernetes.service_accounts so that it is created first."
                                 % (item["namespace"], item["service_account"], client.reason(exc)))
            env[item["env"]] = answer["status"]["token"]
            expirations[item["env"]] = answer["status"]["expirationTimestamp"]
        module.exit_json(changed=True, env=env, expirations=expirations)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
