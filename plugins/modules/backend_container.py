#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: backend_container
short_description: Start a throw-away, labelled backend container and return its host ports
version_added: "0.2.0"
description:
  - Starts a detached Podman container for a test backend, replacing any container of the same name, and
    returns as soon as Podman has started it, with the host ports Podman published (port 0 in O(publish)
    means Podman picked a free one). Waiting for the service inside is the job of the readiness modules
    (M(kubernaut.testinfra.pgvector_ready), M(kubernaut.testinfra.redis_ready)).
  - One C(podman run) instead of the inspect/create/start round trips of a general container module, as this
    is the hot path of every test run.
  - Secrets reach the container through Podman's own environment (O(pass_env), C(--env NAME) without a
    value), read from O(env_file), so that they are neither on Podman's command line, nor module arguments
    (Ansible would mask every occurrence of a no_log value, and a password like C(postgres) would blank out
    container names in every message), nor the task's C(environment) (printed at C(-vvv)).
  - With O(network=host) the container shares the host's network. Nothing is published, the server listens
    on the host port itself (O(listen_args) tell it which), and Podman sets up no network for it, which makes
    starting, connecting and removing it faster. The module checks a fixed host port is free, or picks a free
    one for an empty or C(0) host port, and records each host port in a label
    (C(io.kubernaut.testinfra.host-port.<port>/tcp)), where the keep check and the port check read it back.
  - A failed start gives one message with the reason and the fix for the usual causes (full storage, a
    taken port, no free port left).
author:
  - kubernaut.testinfra contributors
extends_documentation_fragment:
  - kubernaut.testinfra.env_file
options:
  name:
    description: The container name.
    type: str
    required: true
  image:
    description: The image reference; it must be present (the role resolves it first; nothing is pulled).
    type: str
    required: true
  command:
    description: The command (arguments to the image's entrypoint).
    type: list
    elements: str
    default: []
  env:
    description: Environment variables of the container.
    type: dict
    default: {}
  pass_env:
    description:
      - Names of environment variables the container gets from the module's environment (O(env_file), or the
        task's C(environment)); a name missing there is an error.
    type: list
    elements: str
    default: []
  args_from_env:
    description:
      - Command arguments whose values come from the module's environment (O(env_file)), appended to
        O(command); for example C(--requirepass) set to C(REDIS_PASSWORD) appends C(--requirepass <value>). A name
        missing there is an error. For servers that take a secret only as an argument.
    type: dict
    default: {}
  publish:
    description:
      - Port publications, C(host_ip:host_port:container_port); an empty host port lets Podman pick one.
      - With O(network=host), the addresses and ports the server listens on (C(host_ip:host_port:container_port)
        still, the container port naming the port in the result); an empty host port picks a free one.
    type: list
    elements: str
    default: []
  network:
    description:
      - V(default) is Podman's default network (a bridge when run as root) with the ports of O(publish)
        published. V(host) shares the host's network; the server must then be told its address and port
        (O(listen_args)).
    type: str
    choices: [default, host]
    default: default
  listen_args:
    description:
      - With O(network=host), arguments appended to O(command) that tell the server where to listen.
        C({address}) becomes the host address of the first entry of O(publish) (C(0.0.0.0) when empty) and
        C({port}) its host port; C({ports.<container port>}) is the host port of that entry of O(publish) (a
        server with several ports). Ignored on Podman's default network.
    type: list
    elements: str
    default: []
  tmpfs:
    description: Paths in the container to mount as tmpfs, with their mount options.
    type: dict
    default: {}
  labels:
    description: Labels of the container (the reaper finds leftovers by them).
    type: dict
    default: {}
  expire_seconds:
    description:
      - Podman's C(--timeout), so the container is stopped after this many seconds, whatever happens to
        the run. 0 for no limit.
    type: int
    default: 0
  port_variable:
    description: The variable that sets the host port, named in the hint when the port is taken.
    type: str
    default: ""
  podman:
    description: The podman executable.
    type: str
    default: podman
attributes:
  check_mode:
    support: full
    description: Reports that it would start the container, with the requested ports; starts nothing.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Start Redis on a port Podman picks
  kubernaut.testinfra.backend_container:
    name: ai-redis
    image: localhost/kubernaut/redis:trixie
    command: [redis-server, --save, "", --appendonly, "no"]
    publish: ["127.0.0.1::6379"]
    labels:
      io.kubernaut.testinfra.collection: kubernaut.testinfra
    expire_seconds: 7200
  register: started

- name: Write the password where only this user can read it
  kubernaut.testinfra.env_file:
    path: "{{ run_dir }}/pgvector.env"
    env:
      POSTGRES_PASSWORD: "{{ password }}"
  no_log: true

- name: Start PostgreSQL, password passed out of sight
  kubernaut.testinfra.backend_container:
    name: datastorage-postgres
    image: localhost/kubernaut/pgvector:pg17-trixie
    env:
      POSTGRES_USER: postgres
    pass_env: [POSTGRES_PASSWORD]
    env_file: "{{ run_dir }}/pgvector.env"
    publish: ["127.0.0.1:5432:5432"]
    tmpfs:
      /var/lib/postgresql/data: rw,mode=0700
    port_variable: pgvector_port

- name: Start PostgreSQL on the host's network, on a free port of 127.0.0.1
  kubernaut.testinfra.backend_container:
    name: datastorage-postgres
    image: localhost/kubernaut/pgvector:pg17-trixie
    network: host
    publish: ["127.0.0.1::5432"]
    command: [postgres]
    listen_args: [-c, "port={port}", -c, "listen_addresses={address}"]
    pass_env: [POSTGRES_PASSWORD]
    env_file: "{{ run_dir }}/pgvector.env"

- name: Start Redis with a password, which it takes only as an argument
  kubernaut.testinfra.backend_container:
    name: ai-redis
    image: localhost/kubernaut/redis:trixie
    command: [redis-server, --save, ""]
    args_from_env:
      --requirepass: REDIS_PASSWORD
    env_file: "{{ run_dir }}/redis.env"
    publish: ["127.0.0.1::6379"]
"""

RETURN = r"""
id:
  description: The container ID (empty in check mode).
  returned: success
  type: str
ports:
  description:
    - Host port of each published container port, keyed C(<port>/<protocol>); with O(network=host), the port
      the server was told to listen on.
  returned: success
  type: dict
  sample: {"5432/tcp": 41234}
start_seconds:
  description: Seconds C(podman run) took.
  returned: success
  type: float
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile
from ansible_collections.kubernaut.testinfra.plugins.module_utils.podman.container import HOST_PORT_LABEL
from ansible_collections.kubernaut.testinfra.plugins.module_utils.ports import bind_port

HINTS = (
    (("no space left on device",), "Podman storage is full: free disk space (podman system prune, make cleanup)"),
    (("address already in use",), "port {port} is taken by another process: stop it, run isolated "
                                  "(-e testinfra_isolate=true), or choose another with -e {variable}=<port> (0 lets "
                                  "Podman pick a free one)"),
    (("free port", "cannot assign requested address"),
     "no free port left: free some ports or widen net.ipv4.ip_local_port_range"),
)


def published(params):
    """(host port, container port) of each host_ip:host_port:container_port in publish; '' when Podman picks."""
    return [tuple(spec.split(":")[-2:]) for spec in params["publish"] if spec.count(":") >= 2]


def hint(error, params):
    """The fix for a known cause of a failed start, or ''."""
    text = error.lower()
    taken = [host for host, dummy in published(params)]
    for markers, fix in HINTS:
        if any(marker in text for marker in markers):
            return " - " + fix.format(port=", ".join(p for p in taken if p) or "?",
                                      variable=params["port_variable"] or "the port variable")
    return ""


class PortTaken(Exception):
    """A host port the server on the host's network cannot listen on; the message reads like Podman's."""


def listen_ports(params):
    """On the host's network: [(address, host port, container port)] of O(publish), each fixed host port checked
    free and each empty or 0 one picked free."""
    ports = []
    for spec in params["publish"]:
        address, dummy, rest = spec.rpartition(":")
        address, dummy, host = address.rpartition(":")
        address = address.strip("[]")
        try:
            ports.append((address, bind_port(address, int(host or 0), reuse=True),
                          rest if "/" in rest else "%s/tcp" % rest))
        except OSError as exc:
            raise PortTaken("cannot listen on %s:%s: %s" % (address or "0.0.0.0", host or "a free port",
                                                             exc.strerror or exc))
    return ports


def run_args(params, listening=None):
    """podman run's arguments; ``listening`` is listen_ports() on the host's network."""
    args = [params["podman"], "run", "--detach", "--replace", "--pull=never", "--name", params["name"]]
    labels = dict(params["labels"])
    if params["network"] == "host":
        args += ["--network", "host"]
        labels.update((HOST_PORT_LABEL + container, str(host)) for dummy, host, container in listening)
    for key, value in sorted(labels.items()):
        args += ["--label", "%s=%s" % (key, value)]
    for key, value in sorted(params["env"].items()):
        args += ["--env", "%s=%s" % (key, value)]
    for key in params["pass_env"]:
        args += ["--env", key]  # value from podman's environment
    for spec in params["publish"] if params["network"] != "host" else []:
        args += ["--publish", spec]
    for path, options in sorted(params["tmpfs"].items()):
        args += ["--tmpfs", "%s:%s" % (path, options) if options else path]
    if params["expire_seconds"]:
        args += ["--timeout", str(params["expire_seconds"])]
    command = list(params["command"])
    if params["network"] == "host" and listening:
        fill = {"{address}": listening[0][0] or "0.0.0.0", "{port}": str(listening[0][1])}
        fill.update(("{ports.%s}" % container.partition("/")[0], str(host)) for dummy, host, container in listening)
        for arg in params["listen_args"]:
            for key, value in fill.items():
                arg = arg.replace(key, value)
            command.append(arg)
    secret_args = [part for flag, name in sorted(params["args_from_env"].items()) for part in (flag, os.environ[name])]
    return args + [params["image"]] + command + secret_args


def host_ports(module, params, container_id):
    """The host port of each published container port. Fixed host ports are what was asked for: only a port Podman
    picked (0 or empty) needs an inspect (~60 ms)."""
    pairs = published(params)
    if pairs and len(pairs) == len(params["publish"]) and all(host.isdigit() and int(host) for host, dummy in pairs):
        return dict((container if "/" in container else "%s/tcp" % container, int(host)) for host, container in pairs)
    rc, out, err = module.run_command([params["podman"], "container", "inspect", "--format",
                                       "{{json .NetworkSettings.Ports}}", container_id])
    if rc != 0:
        module.fail_json(msg="cannot inspect container %s: %s" % (params["name"], err.strip()))
    ports = {}
    for key, bindings in (json.loads(out or "{}") or {}).items():
        if bindings and bindings[0].get("HostPort"):
            ports[key] = int(bindings[0]["HostPort"])
    return ports


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    image=dict(type="str", required=True),
    command=dict(type="list", elements="str", default=[]),
    env=dict(type="dict", default={}),
    pass_env=dict(type="list", elements="str", default=[], no_log=False),
    args_from_env=dict(type="dict", default={}, no_log=False),
    env_file=dict(type="path"),
    env_file_remove=dict(type="bool", default=False),
    publish=dict(type="list", elements="str", default=[]),
    tmpfs=dict(type="dict", default={}),
    labels=dict(type="dict", default={}),
    expire_seconds=dict(type="int", default=0),
    port_variable=dict(type="str", default=""),
    podman=dict(type="str", default="podman"),
    network=dict(type="str", choices=["default", "host"], default="default"),
    listen_args=dict(type="list", elements="str", default=[]),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    params = module.params
    if module.check_mode:
        ports = dict(("%s/tcp" % container, int(host or 0)) for host, container in published(params))
        module.exit_json(changed=True, id="", ports=ports, start_seconds=0.0)
    envfile.load(module, params["env_file"], params["env_file_remove"])
    missing = [name for name in params["pass_env"] + list(params["args_from_env"].values()) if name not in os.environ]
    if missing:
        module.fail_json(msg="%s not set in the module's environment (env_file %s)"
                         % (", ".join(missing), params["env_file"] or "not given"))
    start = time.monotonic()
    listening = None
    if params["network"] == "host":
        try:
            listening = listen_ports(params)
        except PortTaken as exc:
            module.fail_json(msg="Container %s (%s) did not start: %s%s" % (params["name"], params["image"], exc,
                                                                             hint(str(exc), params)))
    rc, out, err = module.run_command(run_args(params, listening))
    if rc != 0:
        module.run_command([params["podman"], "rm", "--force", "--volumes", "--time", "0", params["name"]])
        module.fail_json(msg="Container %s (%s) did not start: %s%s"
                         % (params["name"], params["image"], err.strip() or out.strip(), hint(err, params)), rc=rc)
    container_id = out.strip().splitlines()[-1] if out.strip() else params["name"]
    ports = (dict((container, host) for dummy, host, container in listening) if listening is not None
             else host_ports(module, params, container_id))
    module.exit_json(changed=True, id=container_id, ports=ports, start_seconds=round(time.monotonic() - start, 3))


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
