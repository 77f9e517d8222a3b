#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: container_ready
short_description: Wait until a generic container backend answers its readiness probe
version_added: "0.4.0"
description:
  - Waits, for a bounded time, until the server in a container answers one probe, polling every 0.05 s, the
    readiness step of the generic container backends (role C(kubernaut.testinfra.container), entries of
    C(testinfra_backends)).
  - V(tcp) connects to the published port (a connection the port forwarder closes at once does not count);
    V(sql) logs in to PostgreSQL and runs C(SELECT 1); V(redis) sends C(PING) (Redis, Valkey and anything else
    speaking RESP); V(http) sends C(GET) O(path) and expects O(status); V(exec) runs O(command) in the container
    (C(podman exec)) until it exits 0; V(log) waits for a line of the container's log matching O(pattern).
  - Stops waiting as soon as the container has exited, and fails with one message carrying the tail of the
    container's log. An answer that waiting cannot fix (a wrong password, a database that does not exist) fails
    at once.
  - With O(kept), checks a container left running by an earlier keep run instead, and never fails.
author:
  - kubernaut.testinfra contributors
extends_documentation_fragment:
  - kubernaut.testinfra.env_file
requirements:
  - psycopg2 (or psycopg2-binary) on the controller, for O(probe=sql)
  - redis (redis-py) on the controller, for O(probe=redis)
  - podman, for O(probe=exec), O(probe=log), O(kept), the container's state and its log
attributes:
  check_mode:
    support: full
    description: Waits and probes like a normal run (probes change nothing); a container that check mode did not
      start is not waited for.
  diff_mode:
    support: none
options:
  probe:
    description: What to wait for.
    type: str
    required: true
    choices: [tcp, sql, redis, http, exec, log]
  name:
    description: The backend's name (its key in C(testinfra_backends)), for messages.
    type: str
    default: ""
  container:
    description:
      - The Podman container running the server. Required for O(probe=exec), O(probe=log) and O(kept); otherwise
        used to stop waiting once it has exited and for its log in error messages.
    type: str
  host:
    description: Address to connect to.
    type: str
    default: 127.0.0.1
  port:
    description: Host port published for the probed container port (V(tcp), V(sql), V(redis), V(http)).
    type: int
    default: 0
  timeout:
    description: Seconds to wait for the first successful probe.
    type: float
    default: 60
  timeout_variable:
    description: The setting that raises O(timeout), named in the message when the time is up.
    type: str
    default: the readiness timeout
  user:
    description: User to log in as (V(sql); an ACL user for V(redis), none when empty).
    type: str
    default: ""
  database:
    description: Database to connect to (V(sql)); empty for the one named like O(user).
    type: str
    default: ""
  password:
    description:
      - Password for V(sql) and V(redis). When omitted, the variable O(password_env) from O(env_file) (or the
        module's environment) is used, which keeps a well-known password from being masked in every output.
    type: str
  password_env:
    description: The environment variable the password is read from when O(password) is not given.
    type: str
    default: TESTINFRA_PASSWORD
  path:
    description: URL path for V(http).
    type: str
    default: /
  status:
    description: HTTP status V(http) waits for (redirects are not followed).
    type: int
    default: 200
  command:
    description:
      - Command run in the container by V(exec) (C(podman exec <container> <command>)), with C(TESTINFRA_PORT) in
        its environment when the port is known (see O(network)).
    type: list
    elements: str
    default: []
  pattern:
    description: Regular expression V(log) looks for in the container's log (stdout and stderr, multi-line mode).
    type: str
    default: ""
  kept:
    description:
      - Keep mode. Check the running container O(container) left by an earlier run with
        C(io.kubernaut.testinfra.keep=true) instead of a new one - its published ports, and its password from its
        variable O(secret_env) or its argument after O(secret_arg), are read from it - and never fail, returning
        RV(reused=false) with RV(reason) when it is missing, not kept, about to expire, runs another image than
        O(images) or does not answer. Use C(no_log) on the task (RV(password)).
      - With O(kept), O(env_file_remove) removes the file only when the container is reused (the tasks that start
        a new one still need it otherwise).
    type: bool
    default: false
  container_port:
    description:
      - The container port of the probe. With O(kept), its host port is read from the container.
      - With O(probe=exec) on Podman's network, the command gets it as C(TESTINFRA_PORT).
    type: int
    default: 0
  network:
    description:
      - The container's network, as M(kubernaut.testinfra.backend_container) started it. With V(host) the server
        listens on the host port O(port) itself, and an O(probe=exec) command gets that port as C(TESTINFRA_PORT)
        (for example C(sh -c 'valkey-cli -p "$TESTINFRA_PORT" ping')).
    type: str
    choices: [default, host]
    default: default
  secret_env:
    description: With O(kept), the container variable that holds the password (for example C(POSTGRES_PASSWORD)).
    type: str
    default: ""
  secret_arg:
    description: With O(kept), the server flag whose next argument is the password (for example C(--requirepass)).
    type: str
    default: ""
  images:
    description: With O(kept), the images a reusable container may run (any when empty).
    type: list
    elements: str
    default: []
  podman:
    description: The podman executable.
    type: str
    default: podman
notes:
  - Podman healthchecks need systemd timers and are not used; the probes run from the controller, as the tests will.
seealso:
  - module: kubernaut.testinfra.backend_container
  - module: kubernaut.testinfra.env_file
"""

EXAMPLES = r"""
- name: Wait for PostgreSQL (password from the run's env file, which is removed once read)
  kubernaut.testinfra.container_ready:
    name: postgres
    probe: sql
    container: datastorage-postgres
    port: 5432
    user: postgres
    database: postgres
    timeout: 60
    timeout_variable: testinfra_backends.postgres.ready.timeout
    env_file: "{{ run_dir }}/postgres.env"  # TESTINFRA_PASSWORD, written by kubernaut.testinfra.env_file
    env_file_remove: true

- name: Wait for Valkey
  kubernaut.testinfra.container_ready:
    probe: redis
    container: ai-valkey
    port: 6379

- name: Wait for an HTTP health endpoint
  kubernaut.testinfra.container_ready:
    probe: http
    container: payments-minio
    port: 9000
    path: /minio/health/ready
    status: 200

- name: Wait until a command succeeds in the container
  kubernaut.testinfra.container_ready:
    probe: exec
    container: datastorage-postgres
    command: [pg_isready, -U, postgres, -h, 127.0.0.1]

- name: Wait for a line in the container's log
  kubernaut.testinfra.container_ready:
    probe: log
    container: ai-valkey
    pattern: Ready to accept connections

- name: Check a kept container for reuse (never fails)
  kubernaut.testinfra.container_ready:
    kept: true
    probe: sql
    container: datastorage-postgres
    container_port: 5432
    user: postgres
    secret_env: POSTGRES_PASSWORD
    images: [docker.io/library/postgres:16, localhost/kubernaut/postgres:17-trixie]
    timeout: 5
  register: kept
  no_log: true  # returns the password
"""

RETURN = r"""
probe:
  description: The probe that answered.
  returned: success
  type: str
  sample: sql
server_version:
  description: The server's version, when the probe learns it (V(sql) C(SHOW server_version), V(redis) C(INFO server),
    V(http) the C(Server) header).
  returned: success, when known
  type: str
  sample: "17.6 (Debian 17.6-0+deb13u1)"
status:
  description: The HTTP status received (V(http)).
  returned: success, with O(probe=http)
  type: int
ready_seconds:
  description: Seconds from the module start until the first successful probe.
  returned: success
  type: float
attempts:
  description: Probes made.
  returned: success
  type: int
reused:
  description: With O(kept), whether the kept container answered and can be reused.
  returned: when O(kept)
  type: bool
reason:
  description: With O(kept), why the kept container cannot be reused.
  returned: when RV(reused) is false
  type: str
ports:
  description: With O(kept), the host port of each published container port, keyed C(<port>/tcp).
  returned: when RV(reused) is true
  type: dict
  sample: {"5432/tcp": 41234}
password:
  description: With O(kept), the kept container's password (empty when it has none or it could not be read).
  returned: when RV(reused) is true
  type: str
image:
  description: With O(kept), the image the kept container runs.
  returned: when RV(reused) is true
  type: str
"""

import os
import re
import socket
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.request import HTTPRedirectHandler, ProxyHandler, Request, build_opener

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile
from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.ready import ANSWERS
from ansible_collections.kubernaut.testinfra.plugins.module_utils.podman import container as podman_container
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.backend import (
    NotReusable, check_kept, exit_if_not_started, wait_ready)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.probes import (
    HAS_PSYCOPG2, HAS_REDIS, PSYCOPG2_ERROR, REDIS_ERROR, psycopg2, redis_ping, sql_connect, sql_select_one)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady


def _password(params):
    if params["password"] is not None:
        return params["password"]
    return os.environ.get(params["password_env"], "")


def probe_tcp(module, params):
    """A TCP connection that stays open: Podman's rootless port forwarder accepts and then closes at once while
    nothing listens in the container."""
    try:
        sock = socket.create_connection((params["host"], params["port"]), timeout=2)
    except (OSError, socket.error) as exc:
        raise NotReady(str(exc) or exc.__class__.__name__)
    try:
        sock.settimeout(0.05)
        try:
            if sock.recv(1) == b"":
                raise NotReady("the connection was closed at once")
        except socket.timeout:
            pass
        except (OSError, socket.error) as exc:
            raise NotReady(str(exc) or exc.__class__.__name__)
    finally:
        sock.close()
    return {}


def probe_sql(module, params):
    conn = sql_connect(params["host"], params["port"], params["user"], _password(params),
                       params["database"] or params["user"])
    try:
        sql_select_one(conn)
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
    except psycopg2.Error as exc:
        raise NotReady(str(exc).strip() or exc.__class__.__name__)
    finally:
        conn.close()
    return {"server_version": version}


def probe_redis(module, params):
    info = redis_ping(params["host"], params["port"], _password(params), username=params["user"])
    for key, label in (("valkey_version", "valkey"), ("redis_version", "redis")):
        if info.get(key):
            return {"server_version": "%s %s" % (label, info[key])}
    return {}


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the status is the answer; do not follow it
        return None


def probe_http(module, params):
    host = "[%s]" % params["host"] if ":" in params["host"] else params["host"]
    url = "http://%s:%d%s" % (host, params["port"], params["path"])
    opener = build_opener(ProxyHandler({}), _NoRedirect())  # never through a proxy: the server is local
    try:
        with opener.open(Request(url, method="GET"), timeout=2) as response:
            status, server = response.status, response.headers.get("Server", "")
    except HTTPError as exc:
        status, server = exc.code, exc.headers.get("Server", "") if exc.headers else ""
        exc.close()
    except (URLError, HTTPException, OSError, socket.error) as exc:
        raise NotReady(str(getattr(exc, "reason", "") or exc) or exc.__class__.__name__)
    if status != params["status"]:
        raise NotReady("GET %s answered %d, waiting for %d" % (params["path"], status, params["status"]))
    return dict(status=status, **({"server_version": server} if server else {}))


def exec_port(params):
    """The port the server listens on as a command in its container sees it: the host port on the host's network,
    the container port on Podman's; 0 when not known."""
    return params["port"] if params["network"] == "host" else params["container_port"]


def probe_exec(module, params):
    port = exec_port(params)
    env = ["--env", "TESTINFRA_PORT=%d" % port] if port else []
    rc, out, err = module.run_command([params["podman"], "exec"] + env + [params["container"]] + params["command"])
    if rc != 0:
        last = ((err or out).strip().splitlines() or [""])[-1]
        raise NotReady("%s exited %d%s" % (" ".join(params["command"]), rc, (": " + last) if last else ""))
    return {}


def probe_log(module, params, pattern):
    rc, out, err = module.run_command([params["podman"], "logs", params["container"]])
    if rc != 0:
        raise NotReady((err or out).strip() or "podman logs failed")
    if not pattern.search(out) and not pattern.search(err):
        raise NotReady("no log line matches %r yet" % params["pattern"])
    return {}


def describe(params):
    """'Backend postgres (container x) at 127.0.0.1:5432': where the probe looks, for messages."""
    name = ("Backend %s" % params["name"]) if params["name"] else "The backend"
    if params["probe"] in ("exec", "log"):
        return "%s in container %s" % (name, params["container"])
    container = (" (container %s)" % params["container"]) if params["container"] else ""
    return "%s%s at %s:%s" % (name, container, params["host"], params["port"])


def answer(params):
    if params["probe"] == "http":
        return "HTTP %d on GET %s" % (params["status"], params["path"])
    if params["probe"] == "exec":
        return "its command (%s exiting 0)" % " ".join(params["command"])
    if params["probe"] == "log":
        return "its log line (%r)" % params["pattern"]
    return ANSWERS[params["probe"]]


def kept_image_and_ports(module, params):
    """The kept container's image and published host ports ({'5432/tcp': 41234})."""
    data = podman_container.inspect(module, params["container"], params["podman"]) or {}
    return data.get("ImageName") or (data.get("Config") or {}).get("Image") or "", podman_container.host_ports(data)


def wait(module, params, extra):
    """Probe until the backend answers; the module's result (fails the module when it does not answer)."""
    where = describe(params)
    exit_if_not_started(module, params["container"], where, podman=params["podman"], probe=params["probe"], **extra)
    pattern = re.compile(params["pattern"], re.MULTILINE) if params["probe"] == "log" else None
    probes = dict(tcp=probe_tcp, sql=probe_sql, redis=probe_redis, http=probe_http, exec=probe_exec,
                  log=lambda module_, params_: probe_log(module_, params_, pattern))
    found, attempts, seconds = wait_ready(module, lambda: probes[params["probe"]](module, params), params["timeout"],
                                          params["container"], where, answer(params), params["timeout_variable"],
                                          **extra)
    return dict(extra, changed=False, probe=params["probe"], ready_seconds=seconds, attempts=attempts, **found)


def password_of(params):
    def read(env, cmd):
        if params["secret_env"] and env.get(params["secret_env"]):
            return env[params["secret_env"]]
        if params["secret_arg"] and params["secret_arg"] in cmd[:-1]:
            return cmd[cmd.index(params["secret_arg"]) + 1]
        return _password(params)
    return read


ARGUMENT_SPEC = dict(
    probe=dict(type="str", required=True, choices=["tcp", "sql", "redis", "http", "exec", "log"]),
    name=dict(type="str", default=""),
    container=dict(type="str"),
    host=dict(type="str", default="127.0.0.1"),
    port=dict(type="int", default=0),
    timeout=dict(type="float", default=60),
    timeout_variable=dict(type="str", default="the readiness timeout"),
    user=dict(type="str", default=""),
    database=dict(type="str", default=""),
    password=dict(type="str", no_log=True),
    password_env=dict(type="str", default="TESTINFRA_PASSWORD", no_log=False),
    path=dict(type="str", default="/"),
    status=dict(type="int", default=200),
    command=dict(type="list", elements="str", default=[]),
    pattern=dict(type="str", default=""),
    kept=dict(type="bool", default=False),
    container_port=dict(type="int", default=0),
    network=dict(type="str", choices=["default", "host"], default="default"),
    secret_env=dict(type="str", default="", no_log=False),
    secret_arg=dict(type="str", default="", no_log=False),
    images=dict(type="list", elements="str", default=[]),
    env_file=dict(type="path"),
    env_file_remove=dict(type="bool", default=False),
    podman=dict(type="str", default="podman"),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    params = module.params
    # Check mode wrote no env file (env_file writes nothing): nothing to read.
    if not (module.check_mode and params["env_file"] and not os.path.exists(params["env_file"])):
        envfile.load(module, params["env_file"], params["env_file_remove"] and not params["kept"])
    if params["probe"] == "sql" and not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2 (pip install psycopg2-binary)"), exception=PSYCOPG2_ERROR)
    if params["probe"] == "redis" and not HAS_REDIS:
        module.fail_json(msg=missing_required_lib("redis (pip install redis)"), exception=REDIS_ERROR)
    if (params["probe"] in ("exec", "log") or params["kept"]) and not params["container"]:
        module.fail_json(msg="container is required with probe=%s%s"
                         % (params["probe"], " and kept" if params["kept"] else ""))
    if params["probe"] == "exec" and not params["command"]:
        module.fail_json(msg="command is required with probe=exec")
    if params["probe"] == "log":
        try:
            re.compile(params["pattern"] or "")
        except re.error as exc:
            module.fail_json(msg="pattern %r is not a regular expression: %s" % (params["pattern"], exc))
        if not params["pattern"]:
            module.fail_json(msg="pattern is required with probe=log")
    if params["kept"]:  # keep mode: check the kept container; never fail, say why it cannot be reused
        def run_check(port, password):
            image, ports = kept_image_and_ports(module, params)
            if params["images"] and image not in params["images"]:
                raise NotReusable("%s runs %s, not %s" % (params["container"], image or "an unknown image",
                                                          " or ".join(params["images"])))
            params.update(port=port, password=password)
            result = wait(module, params, dict(reused=True, ports=ports, password=password or "", image=image))
            if params["env_file"] and params["env_file_remove"]:  # reused: no task starts a container with it
                try:
                    os.unlink(params["env_file"])
                except OSError:
                    pass
            module.exit_json(**result)
        check_kept(module, params["container"], params["container_port"], password_of(params), run_check)
    module.exit_json(**wait(module, params, {}))


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
