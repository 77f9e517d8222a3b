#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: reap
short_description: Remove what kubernaut.testinfra runs left behind, by label
version_added: "0.1.0"
description:
  - Finds Podman containers, volumes and networks by the labels every kubernaut.testinfra resource
    carries (C(io.kubernaut.testinfra.collection), C(io.kubernaut.testinfra.run),
    C(io.kubernaut.testinfra.expires)) and removes them, anonymous volumes included.
  - Also walks the runs' state directories under O(state_dir), one per run. It stops the control-plane
    processes recorded there (PID and start time, so a reused PID is never hit), deletes the Kind
    clusters a run created (with the provider it used), and removes the directory.
  - Also ends C(go test) processes (and the test binaries they started) of those runs, found by the
    C(TESTINFRA_RUN_ID), C(TESTINFRA_CONTROLLER) and C(TESTINFRA_EXPIRES) variables in their environment.
  - The cleanup backstop for runs that were interrupted before their C(always) section ran.
  - A live run is never touched unless O(force) says so. Without O(stale) or O(expired_only), it removes what is
    stale (expired, or its ansible-playbook process on this host is gone) and the kept backends of
    O(kept_owner); everything else it finds is listed in RV(left), with the run, its user, its start time and
    its ansible-playbook PID.
author:
  - kubernaut.testinfra contributors
extends_documentation_fragment:
  - kubernaut.testinfra.controllers
options:
  run_id:
    description: Remove only the resources of this run.
    type: str
  expired_only:
    description:
      - Remove only resources whose C(io.kubernaut.testinfra.expires) time (UNIX seconds) has passed.
    type: bool
    default: false
  stale:
    description:
      - Remove only stale resources, those of expired runs and those whose owning ansible-playbook
        process (label C(io.kubernaut.testinfra.controller), C(<pid>:<start time>), on this host) is gone.
      - What every playbook does at its start, so that a run killed by SIGKILL frees its ports.
    type: bool
    default: false
  kept_owner:
    description:
      - Without O(stale) or O(expired_only), also remove the kept backends (label C(io.kubernaut.testinfra.keep=true))
        whose C(io.kubernaut.testinfra.owner) label is this user name; C(*) for those of every user; an empty
        string for those of the user running the module (C($USER), as the playbooks label them).
    type: str
  force:
    description:
      - Without O(stale) or O(expired_only), also remove the resources of live runs, those whose ansible-playbook
        process still runs (or that belong to a run on another host). A run's own cleanup uses it with O(run_id).
    type: bool
    default: false
  keep_labels:
    description:
      - Resources carrying any of these labels (C(key=value)) are left alone, for example kept
        backends.
    type: list
    elements: str
    default: []
  podman:
    description:
      - The podman executable.
      - An empty string leaves every Podman resource alone and reaps only state directories, processes and
        state files. A keep run's own cleanup does that, since everything the run made carries the keep label.
    type: str
    default: podman
  state_dir:
    description:
      - The directory holding one state directory per run. Default C(<tmp>/kubernaut-testinfra-<uid>).
    type: path
  state_files:
    description:
      - Delete only what these state files record, whatever their labels say, and nothing else (the other
        selection options are ignored). A C(kind.json) of the kind role deletes its Kind cluster, the node
        volumes a failed C(kind create) leaked and the C(kind) network when that run made it and no other Kind
        node uses it; a C(state.json) stops its control-plane processes. The files themselves stay.
      - How the kind role's C(cleanup.yml) tears its cluster down, with the same code as the reaper.
      - A missing file is skipped.
    type: list
    elements: path
    default: []
attributes:
  check_mode:
    support: full
    description: In check mode it removes nothing and reports what it would remove.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Remove everything of this run
  kubernaut.testinfra.reap:
    run_id: "{{ testinfra_run_id }}"
    force: true  # the run is this play's own, and live

- name: Remove what is stale and my own kept backends; list the live runs of others
  kubernaut.testinfra.reap:
    kept_owner: ""  # mine
  register: reaped

- name: Remove whatever earlier runs left after their expiry
  kubernaut.testinfra.reap:
    expired_only: true

- name: Delete the Kind cluster a kind.json records (what the kind role's cleanup.yml does)
  kubernaut.testinfra.reap:
    state_files: [/tmp/kubernaut-testinfra-kind-toolset/kind.json]
"""

RETURN = r"""
containers:
  description: Names of the containers removed (or to remove, in check mode).
  returned: always
  type: list
  elements: str
volumes:
  description: Names of the labelled volumes removed.
  returned: always
  type: list
  elements: str
networks:
  description: Names of the labelled networks removed.
  returned: always
  type: list
  elements: str
processes:
  description: C(<pid> <command>) of the test processes of those runs that were ended.
  returned: always
  type: list
  elements: str
runs:
  description:
    - Run state directories removed (their control planes stopped, their Kind clusters deleted). The test
      binaries of a run directory go back into their cache first (see M(kubernaut.testinfra.preflight)'s
      O(kubernaut.testinfra.preflight#module:binary_dir)).
  returned: always
  type: list
  elements: str
left:
  description:
    - One line per run whose resources were found and left alone. For a live run C(left running) then the run,
      its service, user, start time (UTC) and ansible-playbook PID; for kept backends C(left kept) and the same.
  returned: always
  type: list
  elements: str
state_dir:
  description: The directory of the runs' state directories that was searched (O(state_dir) or its default).
  returned: always
  type: str
deleted:
  description: With O(state_files), what was deleted, one line each (C(kind cluster <name>), C(volume <name>), C(network kind)).
  returned: when O(state_files) is given
  type: list
  elements: str
test_binary_caches:
  description: With O(stale) or O(expired_only), test binary caches removed because no run used them for 7 days.
  returned: when O(stale) or O(expired_only)
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.reaping import reap, reap_state_files


ARGUMENT_SPEC = dict(
    run_id=dict(type="str"),
    expired_only=dict(type="bool", default=False),
    stale=dict(type="bool", default=False),
    kept_owner=dict(type="str"),
    force=dict(type="bool", default=False),
    keep_labels=dict(type="list", elements="str", default=[]),
    podman=dict(type="str", default="podman"),
    state_dir=dict(type="path"),
    controller_host=dict(type="str", default=""),
    live_controllers=dict(type="list", elements="str", default=[]),
    state_files=dict(type="list", elements="path", default=[]),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    runstate.set_controller_view(module.params["controller_host"], module.params["live_controllers"])
    if module.params["state_files"]:
        result = reap_state_files(module, module.params["state_files"])
    else:
        result = reap(module, module.params)
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
