#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: podman_reap
short_description: Remove the Podman containers, volumes and networks kubernaut.testinfra created
version_added: "0.1.0"
description:
  - Finds resources by the labels every kubernaut.testinfra resource carries
    (C(io.kubernaut.testinfra.collection), C(io.kubernaut.testinfra.run),
    C(io.kubernaut.testinfra.expires)) and removes them, anonymous volumes included.
  - The cleanup backstop for runs that were interrupted before their C(always) section ran.
author:
  - kubernaut.testinfra contributors
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
  keep_labels:
    description:
      - Resources carrying any of these labels (C(key=value)) are left alone, for example kept
        backends.
    type: list
    elements: str
    default: []
  podman:
    description: The podman executable.
    type: str
    default: podman
notes:
  - Supports check mode; it then reports what it would remove.
"""

EXAMPLES = r"""
- name: Remove everything of this run
  kubernaut.testinfra.podman_reap:
    run_id: "{{ testinfra_run_id }}"

- name: Remove whatever earlier runs left after their expiry
  kubernaut.testinfra.podman_reap:
    expired_only: true
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
"""

import json
import socket
import time

from ansible.module_utils.basic import AnsibleModule

COLLECTION_LABEL = "io.kubernaut.testinfra.collection=kubernaut.testinfra"
RUN_LABEL = "io.kubernaut.testinfra.run"
EXPIRES_LABEL = "io.kubernaut.testinfra.expires"
CONTROLLER_LABEL = "io.kubernaut.testinfra.controller"
HOST_LABEL = "io.kubernaut.testinfra.host"

KINDS = {
    # kind: (list command, name key, remove command)
    "containers": (["ps", "-a"], "Names", ["rm", "--force", "--volumes", "--time", "2"]),
    "volumes": (["volume", "ls"], "Name", ["volume", "rm", "--force"]),
    "networks": (["network", "ls"], "Name", ["network", "rm", "--force"]),
}


def podman_json(module, args):
    rc, out, err = module.run_command([module.params["podman"]] + args + ["--format", "json"])
    if rc != 0:
        module.fail_json(msg="podman %s failed: %s" % (" ".join(args), err.strip()))
    return json.loads(out or "[]") or []


def expired(labels, now):
    try:
        return float(labels.get(EXPIRES_LABEL, "inf")) <= now
    except ValueError:
        return False


def owner_gone(labels):
    """True when the labels name an ansible-playbook process on this host that no longer runs."""
    if labels.get(HOST_LABEL) != socket.gethostname():
        return False
    pid, dummy, start = labels.get(CONTROLLER_LABEL, "").partition(":")
    if not pid.isdigit():
        return False
    try:
        with open("/proc/%s/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[19] != start
    except (IOError, OSError, IndexError):
        return True


def wanted(labels, params, now):
    labels = labels or {}
    if params["run_id"] and labels.get(RUN_LABEL) != params["run_id"]:
        return False
    if any(labels.get(k) == v for k, dummy, v in (item.partition("=") for item in params["keep_labels"])):
        return False
    if params["expired_only"]:
        return expired(labels, now)
    if params["stale"]:
        return expired(labels, now) or owner_gone(labels)
    return True


def name_of(item, key):
    """Podman's JSON says Names (a list) for containers, Name for volumes, name for networks."""
    name = item.get(key, item.get(key.lower()))
    return name[0] if isinstance(name, list) else name


def labels_of(item):
    return item.get("Labels", item.get("labels")) or {}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            run_id=dict(type="str"),
            expired_only=dict(type="bool", default=False),
            stale=dict(type="bool", default=False),
            keep_labels=dict(type="list", elements="str", default=[]),
            podman=dict(type="str", default="podman"),
        ),
        supports_check_mode=True,
    )
    if not module.get_bin_path(module.params["podman"]):
        module.exit_json(changed=False, containers=[], volumes=[], networks=[],
                         msg="podman not found: nothing to reap")
    now = time.time()
    result = dict(changed=False)
    for kind, (list_cmd, key, rm_cmd) in KINDS.items():
        items = podman_json(module, list_cmd + ["--filter", "label=" + COLLECTION_LABEL])
        names = sorted(name_of(i, key) for i in items if wanted(labels_of(i), module.params, now))
        result[kind] = names
        if names and not module.check_mode:
            rc, dummy, err = module.run_command([module.params["podman"]] + rm_cmd + names)
            if rc != 0 and "no such" not in err.lower():
                module.fail_json(msg="removing %s %s failed: %s" % (kind, ", ".join(names), err.strip()), **result)
        result["changed"] = result["changed"] or bool(names)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
