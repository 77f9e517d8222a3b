#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: redis_ready
short_description: Wait for Redis to answer PING and check its version in one step
version_added: "0.1.0"
description:
  - Waits, for a bounded time, until Redis answers C(PING) over TCP from the controller (Podman
    healthchecks need systemd timers and are not used).
  - Authenticates when a password is given and checks the server version against a minimum.
  - On failure the message carries the tail of the container's log.
author:
  - kubernaut.testinfra contributors
extends_documentation_fragment:
  - kubernaut.testinfra.env_file
requirements:
  - redis (redis-py) on the controller
options:
  host:
    description: Address to connect to.
    type: str
    default: 127.0.0.1
  port:
    description: TCP port published for Redis.
    type: int
    default: 6379
  password:
    description:
      - Password (C(requirepass)). When omitted, C(REDIS_PASSWORD) from O(env_file) (or the module's environment) is used;
        empty for none.
    type: str
  timeout:
    description: Seconds to wait for the first successful PING.
    type: float
    default: 30
  container:
    description: Podman container running the server, for its state and log.
    type: str
  min_version:
    description: Lowest acceptable Redis version.
    type: str
    default: "6.2"
  kept:
    description:
      - Keep mode. Check the running container O(container) left by an earlier run with
        C(io.kubernaut.testinfra.keep=true) - its published port and C(--requirepass) are read from it - and never
        fail, returning RV(reused=false) with RV(reason) when it cannot be reused. Use C(no_log) on the task.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Waits and checks; it changes nothing.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Wait for Redis
  kubernaut.testinfra.redis_ready:
    port: 6379
    container: ai-redis
    min_version: "7.0"
"""

RETURN = r"""
reused:
  description: With O(kept), whether the kept container answered and can be reused.
  returned: when O(kept)
  type: bool
reason:
  description: With O(kept), why the kept container cannot be reused.
  returned: when RV(reused) is false
  type: str
port:
  description: With O(kept), the host port the kept container publishes.
  returned: when RV(reused) is true
  type: int
password:
  description: With O(kept), the kept container's password (empty when it has none).
  returned: when RV(reused) is true
  type: str
version:
  description: Redis server version from C(INFO server).
  returned: success
  type: str
  sample: 7.2.5
ready_seconds:
  description: Seconds until the first successful PING.
  returned: success
  type: float
attempts:
  description: Connection attempts made.
  returned: success
  type: int
"""

import os

from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.backend import (
    check_kept, exit_if_not_started, fail_with_log, version_at_least, wait_ready)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.probes import (
    HAS_REDIS, REDIS_ERROR, redis_ping)


def ping(params):
    return redis_ping(params["host"], params["port"], params["password"] or os.environ.get("REDIS_PASSWORD"),
                      auth_hint="check redis_password")


ARGUMENT_SPEC = dict(
    host=dict(type="str", default="127.0.0.1"),
    port=dict(type="int", default=6379),
    password=dict(type="str", no_log=True),
    timeout=dict(type="float", default=30),
    container=dict(type="str"),
    min_version=dict(type="str", default="6.2"),
    kept=dict(type="bool", default=False),
    env_file=dict(type="path"),
    env_file_remove=dict(type="bool", default=False),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    envfile.load(module, module.params["env_file"], module.params["env_file_remove"])
    if not HAS_REDIS:
        module.fail_json(msg=missing_required_lib("redis (pip install redis)"), exception=REDIS_ERROR)
    params = module.params
    container = params["container"]
    if params["kept"]:  # keep mode: check the kept container; never fail, say why it cannot be reused
        def run_check(port, password):
            params.update(port=port, password=password)
            check(module, params, container, dict(reused=True, port=port, password=password or ""))
        check_kept(module, container, 6379,
                   lambda env, cmd: cmd[cmd.index("--requirepass") + 1] if "--requirepass" in cmd[:-1] else params["password"],
                   run_check)
    check(module, params, container, {})


def check(module, params, container, extra):
    where = "Redis at %s:%s" % (params["host"], params["port"])
    exit_if_not_started(module, container, where, version="", **extra)
    info, attempts, seconds = wait_ready(module, lambda: ping(params), params["timeout"], container, where,
                                         "PING", "redis_ready_timeout")
    version = str(info.get("redis_version", ""))
    if not version_at_least(version, params["min_version"]):
        fail_with_log(module, "%s runs Redis %s, older than the minimum %s: use a newer redis_image or "
                      "lower redis_min_version" % (where, version, params["min_version"]), container)
    module.exit_json(changed=False, version=version, ready_seconds=seconds, attempts=attempts, **extra)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
