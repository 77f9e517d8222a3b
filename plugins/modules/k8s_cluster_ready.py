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
    C(Established), polling every 0.05 s (C(kubernetes.core.k8s) waits in steps of at least 1 s), and then
    until 2 s have passed since the last of them was established - kube-apiserver makes every create of a
    custom resource within that window sleep 2 s (a guard for HA clusters), which would otherwise land in
    the first tests.
  - With O(readyz), also waits until the server's C(/readyz) says C(ok), that is until its post-start hooks
    have run - among them the RBAC bootstrap roles (C(system:discovery), ...) that the tests' service
    accounts need. M(kubernaut.testinfra.envtest_control_plane) returns before that; the wait overlaps the
    one for the CRDs.
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
  readyz:
    description: Also wait until C(/readyz) says C(ok) (all post-start hooks done).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
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
create_delay_seconds:
  description: Seconds waited after the CRDs were established, until kube-apiserver stops delaying creates.
  returned: success
  type: float
readyz_seconds:
  description: With O(readyz), seconds waited for C(/readyz) after the API answered (and the CRDs were established).
  returned: success
  type: float
"""

import calendar
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils.k8s import client
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady, wait_until


CREATE_DELAY_WINDOW = 2.0  # customresource_handler.go: creates within 2 s of establishment sleep 2 s
MARGIN = 0.05

ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", required=True),
    context=dict(type="str"),
    timeout=dict(type="int", default=30),
    crds=dict(type="list", elements="str", default=[]),
    readyz=dict(type="bool", default=False),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    with client.session(module, module.params["kubeconfig"], module.params["context"]) as api:
        server = api.configuration.host
        api.configuration.retries = False

        def probe():
            try:
                client.call(api, "GET", "/api/v1/namespaces?limit=1")
                return client.call(api, "GET", "/version").get("gitVersion", "")
            except client.ApiError as exc:
                if exc.status in (401, 403):
                    module.fail_json(msg="The API server %s refuses the kubeconfig's user (%s): use a kubeconfig "
                                         "with cluster-admin rights." % (server, client.reason(exc)))
                raise NotReady(client.reason(exc))
            except Exception as exc:  # urllib3 connection errors, TLS errors
                raise NotReady(client.reason(exc))

        try:
            version, dummy, seconds = wait_until(probe, module.params["timeout"], interval=0.5)
        except NotReady as exc:
            module.fail_json(msg="The kubeconfig %s does not reach a Kubernetes cluster at %s: %s. Check that the "
                                 "cluster is running and that the kubeconfig (and its current context) point at it."
                             % (module.params["kubeconfig"], server, exc))
        delay, established_at, readyz_seconds = 0.0, None, 0.0
        if module.params["crds"]:
            established_at, waited = wait_established(module, api, server, max(module.params["timeout"] - seconds, 1))
            seconds += waited
        if module.params["readyz"]:
            readyz_seconds = wait_readyz(module, api, server, max(module.params["timeout"] - seconds, 1))
            seconds += readyz_seconds
        if established_at is not None:
            delay = create_delay(established_at)  # what is left of it after the readyz wait
            time.sleep(delay)
            seconds += delay
        module.exit_json(changed=False, server=server, server_version=version, seconds=round(seconds, 3),
                         crds_established=module.params["crds"], create_delay_seconds=round(delay, 3),
                         readyz_seconds=round(readyz_seconds, 3))


def create_delay(established_at, now=None):
    """Seconds until kube-apiserver no longer sleeps on creates: it does for 2 s after a CRD's Established
    lastTransitionTime (whole seconds, so the window ends 1-2 s after the real moment). At most 2 s,
    whatever the clocks of controller and API server say."""
    if established_at is None:
        return 0.0
    remaining = established_at + CREATE_DELAY_WINDOW + MARGIN - (time.time() if now is None else now)
    return min(max(remaining, 0.0), CREATE_DELAY_WINDOW + MARGIN)


def transition_time(condition):
    """The lastTransitionTime of a condition (RFC 3339, UTC) as a POSIX timestamp, or None."""
    try:
        return calendar.timegm(time.strptime(condition.get("lastTransitionTime", ""), "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def wait_readyz(module, api, server, timeout):
    """Wait until /readyz says ok; the seconds it took."""
    def probe():
        try:
            answer = client.call(api, "GET", "/readyz", text=True)
        except Exception as exc:  # 500 with the failing checks while post-start hooks run
            raise NotReady(client.reason(exc))
        if answer.strip() != "ok":
            raise NotReady(answer.strip()[:200])

    try:
        return wait_until(probe, timeout, interval=0.05)[2]
    except NotReady as exc:
        module.fail_json(msg="The API server %s did not become ready (/readyz: %s). Look at its log: a post-start "
                             "hook that does not finish." % (server, exc))


def wait_established(module, api, server, timeout):
    """Wait until every CRD in module.params["crds"] has the condition Established=True.

    Returns (the latest Established lastTransitionTime as a timestamp or None, the seconds it took)."""
    pending = list(module.params["crds"])
    times = []

    def probe():
        for name in list(pending):
            try:
                crd = client.call(api, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name)
            except client.ApiError as exc:
                if exc.status == 404:
                    module.fail_json(msg="CRD %s does not exist on %s: apply it first (a CRD's name is "
                                         "<plural>.<group>, as in its metadata.name)." % (name, server))
                raise NotReady("%s: %s" % (name, client.reason(exc)))
            except Exception as exc:
                raise NotReady("%s: %s" % (name, client.reason(exc)))
            conditions = (crd.get("status") or {}).get("conditions") or []
            established = [c for c in conditions if c.get("type") == "Established" and c.get("status") == "True"]
            if not established:
                raise NotReady("CRD %s is not established yet (%s)" % (name, ", ".join(
                    "%s=%s" % (c.get("type"), c.get("status")) for c in conditions) or "no conditions"))
            times.append(transition_time(established[0]))
            pending.remove(name)

    try:
        seconds = wait_until(probe, timeout, interval=0.05)[2]
        known = [t for t in times if t is not None]
        return (max(known) if known else None), seconds
    except NotReady as exc:
        module.fail_json(msg="%s. Look at the CRD's status conditions (kubectl get crd -o yaml) on %s." % (exc, server))


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
