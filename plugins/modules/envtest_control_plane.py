#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: envtest_control_plane
short_description: Start or stop a bare Kubernetes control plane (etcd + kube-apiserver) on 127.0.0.1
version_added: "0.1.0"
description:
  - Starts real C(etcd) and C(kube-apiserver) processes with free ports, a generated CA, serving and
    admin client certificates, C(--authorization-mode=RBAC) and service-account issuer and signing keys
    (so TokenRequest and TokenReview work), writes an admin kubeconfig, and returns once an API call
    succeeds. kube-apiserver's post-start hooks (the RBAC bootstrap roles above all) may still run then, for
    ~1.3 s here; the admin user does not need them, M(kubernaut.testinfra.k8s_cluster_ready) with
    O(kubernaut.testinfra.k8s_cluster_ready#module:readyz) waits for them. This is the shape of
    controller-runtime's envtest; there are no nodes and no controller-manager.
  - The processes run in their own process groups under coreutils C(timeout), so they end on their own
    after O(expire_seconds) even if nothing else stops them. Their PIDs, start times and O(labels) are
    recorded in C(state.json) in O(state_dir), which is how M(kubernaut.testinfra.reap) finds the
    control planes of interrupted runs.
  - Both run with C(GOGC=400) unless C(GOGC) is set in the environment, trading ~90 MB of memory for
    ~20 % less CPU to start kube-apiserver (1.45 instead of 1.8 CPU-seconds here).
  - With O(state=stopped), stops the recorded processes (SIGTERM, then SIGKILL after a grace period) and
    removes O(state_dir).
author:
  - kubernaut.testinfra contributors
options:
  state:
    description: Whether the control plane should be running.
    type: str
    choices: [started, stopped]
    default: started
  state_dir:
    description: Directory for the certificates, the etcd data, the logs, the kubeconfig and C(state.json). Created if missing; removed by O(state=stopped).
    type: path
    required: true
  kube_apiserver:
    description: Path of the kube-apiserver binary. Required with O(state=started).
    type: path
  etcd:
    description: Path of the etcd binary. Required with O(state=started).
    type: path
  bind_address:
    description: Address both processes listen on.
    type: str
    default: 127.0.0.1
  api_server_port:
    description: Secure port of the API server; V(0) picks a free one.
    type: int
    default: 0
  service_cluster_ip_range:
    description: The range Service cluster IPs come from.
    type: str
    default: 10.0.0.0/24
  extra_apiserver_flags:
    description: Further kube-apiserver flags, for example V(--feature-gates=...).
    type: list
    elements: str
    default: []
  labels:
    description:
      - Ownership labels recorded in C(state.json) (run id, controller, expiry...). When the host or controller
        label is missing, this host and the ansible-playbook process running the play are recorded.
    type: dict
    default: {}
  expire_seconds:
    description: The processes are killed after this many seconds whatever happens; V(0) disables it.
    type: int
    default: 7200
  timeout:
    description: Seconds to wait for the control plane to answer an API call.
    type: int
    default: 60
  reuse:
    description:
      - Keep mode. When O(state_dir) holds a control plane whose processes still run and whose API answers,
        return it instead of starting a new one (RV(reused)). Otherwise start afresh.
    type: bool
    default: false
  wait:
    description:
      - V(false) launches etcd and kube-apiserver and returns once etcd is healthy, before kube-apiserver
        answers (~2 s later), with RV(ready) false, so that other backends can start meanwhile. A later call with
        O(wait=true) and the same O(state_dir), within O(timeout) seconds of the launch, waits for that control
        plane instead of starting another (and fails with the log of a process that died meanwhile).
      - RV(kubeconfig) and RV(server) are returned either way.
    type: bool
    default: true
  crds:
    description:
      - CustomResourceDefinition files, or directories of C(.yaml), C(.yml) and C(.json) files, whose CRDs are
        created as soon as the API answers, before this call returns. kube-apiserver makes every create of a
        custom resource sleep 2 s within 2 s of its CRD's establishment (a guard for HA clusters); created here,
        that window passes while the other backends and the cluster setup do their work.
      - With O(wait=false) they are recorded and created by the call that waits. With O(shared), each CRD is
        created once, by the first caller that waits; the others find it done.
      - Documents of other kinds are ignored, and so is a CRD that cannot be read or is refused (an existing
        one is left as it is); the cluster setup applies them all again and reports what is wrong.
    type: list
    elements: path
    default: []
  shared:
    description:
      - Share one control plane between the callers that name the same O(state_dir), for example the services
        of one C(all.yml) run. The first caller launches it, the others join it (RV(reused)); a lock next to
        O(state_dir) makes sure only one is started. Stopping it is up to whoever owns O(state_dir).
      - O(reuse) is not needed with it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: With O(state=started) it starts nothing and reports C(changed).
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Start a control plane
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run1/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
    labels:
      io.kubernaut.testinfra.run: run1
  register: cp

- name: Launch one and let it start while the other backends do
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run2/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
    wait: false

- name: Wait until it answers (same state_dir)
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run2/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
  register: cp2

- name: Stop it and remove its data
  kubernaut.testinfra.envtest_control_plane:
    state: stopped
    state_dir: /tmp/kubernaut-testinfra-0/run1/envtest
"""

RETURN = r"""
kubeconfig:
  description: Path of the admin kubeconfig (client certificate in group system:masters, data embedded).
  returned: state is started
  type: str
server:
  description: URL of the API server.
  returned: state is started
  type: str
  sample: https://127.0.0.1:41234
server_version:
  description: The gitVersion the API server reports.
  returned: state is started
  type: str
  sample: v1.34.4
etcd_url:
  description: Client URL of etcd.
  returned: state is started
  type: str
ready_seconds:
  description: Seconds from the start of etcd to the first successful API call (0 while not RV(ready)).
  returned: state is started
  type: float
seconds:
  description: Seconds this task took, certificates included.
  returned: state is started
  type: float
reused:
  description: Whether a running control plane was reused (O(reuse)).
  returned: state is started
  type: bool
shared:
  description: Whether the control plane is shared (O(shared)).
  returned: with O(shared)
  type: bool
crds_created:
  description: Names of the CRDs this call created (O(crds)).
  returned: state is started
  type: list
  elements: str
  sample: [remediationrequests.kubernaut.io]
ready:
  description: Whether the API answered; false only with O(wait=false).
  returned: state is started
  type: bool
stopped:
  description: Names of the processes that were still running and were stopped.
  returned: state is stopped
  type: list
  elements: str
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest import pki
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.control_plane import STATE_FILE, ControlPlane


ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["started", "stopped"], default="started"),
    state_dir=dict(type="path", required=True),
    kube_apiserver=dict(type="path"),
    etcd=dict(type="path"),
    bind_address=dict(type="str", default="127.0.0.1"),
    api_server_port=dict(type="int", default=0),
    service_cluster_ip_range=dict(type="str", default="10.0.0.0/24"),
    extra_apiserver_flags=dict(type="list", elements="str", default=[]),
    labels=dict(type="dict", default={}),
    expire_seconds=dict(type="int", default=7200),
    timeout=dict(type="int", default=60),
    reuse=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    shared=dict(type="bool", default=False),
    crds=dict(type="list", elements="path", default=[]),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    if not pki.HAS_CRYPTOGRAPHY:
        module.fail_json(msg="The Python package cryptography is missing on the controller: pip install cryptography")
    state_dir = module.params["state_dir"]
    if module.params["state"] == "stopped":
        data = runstate.read_json(os.path.join(state_dir, STATE_FILE)) or {}
        present = os.path.exists(state_dir)
        # throw-away data: no graceful shutdown (kube-apiserver's takes over a second)
        stopped = [] if module.check_mode else runstate.stop_processes(data.get("processes", []), grace=0)
        if present and not module.check_mode:
            shutil.rmtree(state_dir, ignore_errors=True)
        module.exit_json(changed=present, stopped=stopped)
    if module.check_mode:
        module.exit_json(changed=True, msg="would start etcd and kube-apiserver")
    module.exit_json(**ControlPlane(module).start())


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
