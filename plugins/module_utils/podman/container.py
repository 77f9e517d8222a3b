# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Podman container: its inspect data, its host ports, its state and the tail of its log.

The calls go through ``module.run_command`` (an AnsibleModule, or a LocalModule when run in process)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# A container on the host's network publishes nothing: the host port its server listens on is recorded in a label
# per container port, HOST_PORT_LABEL + "5432/tcp" = "41234", which the kept check and the port check read back.
HOST_PORT_LABEL = "io.kubernaut.testinfra.host-port."


def inspect(module, container, podman="podman"):
    """The ``podman container inspect`` data (a dict) of a container, or None when there is no such container
    (or its answer cannot be read)."""
    rc, out, dummy = module.run_command([podman, "container", "inspect", "--format", "json", container])
    try:
        return json.loads(out)[0] if rc == 0 else None
    except (ValueError, IndexError):
        return None


def host_ports(data):
    """The host port of each container port ({'5432/tcp': 41234}) of a container's inspect data or of an item of
    ``podman ps --format json``: what Podman published, and the ports of a container on the host's network
    (its labels)."""
    ports = {}
    published = (data.get("NetworkSettings") or {}).get("Ports") or {}
    for key, bindings in published.items():
        if bindings and bindings[0].get("HostPort"):
            ports[key] = int(bindings[0]["HostPort"])
    for binding in data.get("Ports") or []:  # podman ps
        host, container = binding.get("host_port", binding.get("hostPort")), binding.get("container_port",
                                                                                       binding.get("containerPort"))
        if host and container:
            ports.setdefault("%s/%s" % (container, binding.get("protocol") or "tcp"), int(host))
    labels = data.get("Labels") or (data.get("Config") or {}).get("Labels") or {}
    for key, value in labels.items():
        if key.startswith(HOST_PORT_LABEL) and str(value).isdigit():
            ports.setdefault(key[len(HOST_PORT_LABEL):], int(value))
    return ports


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
