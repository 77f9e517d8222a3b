# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Podman container: its inspect data, its state and the tail of its log.

The calls go through ``module.run_command`` (an AnsibleModule, or a LocalModule when run in process)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


def inspect(module, container, podman="podman"):
    """The ``podman container inspect`` data (a dict) of a container, or None when there is no such container
    (or its answer cannot be read)."""
    rc, out, dummy = module.run_command([podman, "container", "inspect", "--format", "json", container])
    try:
        return json.loads(out)[0] if rc == 0 else None
    except (ValueError, IndexError):
        return None


def state(module, container, podman="podman"):
    """Return (running, status) of a container, or (None, '') when it cannot be inspected."""
    if not container:
        return None, ""
    rc, out, dummy = module.run_command(
        [podman, "container", "inspect", "--format", "{{.State.Running}} {{.State.Status}}", container])
    if rc != 0:
        return False, "missing"
    running, dummy, status = out.strip().partition(" ")
    return running == "true", status


def log_tail(module, container, lines=25, podman="podman"):
    """The last lines of a container's log (stdout and stderr), for error messages."""
    if not container:
        return ""
    rc, out, err = module.run_command([podman, "logs", "--tail", str(lines), container])
    if rc != 0:
        return "(no log: %s)" % (err.strip() or "podman logs failed")
    return (out + err).strip()
