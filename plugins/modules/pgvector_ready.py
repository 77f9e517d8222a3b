#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pgvector_ready
short_description: Wait for PostgreSQL with pgvector and validate it in one step
version_added: "0.1.0"
description:
  - Waits, for a bounded time, until PostgreSQL answers a real SQL round trip over TCP (no fixed
    sleeps, no C(pg_isready) inside the container, which already answers during initdb).
  - Then checks the server's major version against a minimum, creates the C(vector) extension,
    checks its version against a minimum and proves HNSW index support with a throw-away index in
    a rolled-back transaction, the checks the seed project's Makefile did with C(psql).
  - Optionally creates a per-run schema (C(<prefix>_<timestamp>)) and applies a schema SQL file
    from the service repository inside it.
  - On failure the message carries the tail of the container's log.
author:
  - kubernaut.testinfra contributors
extends_documentation_fragment:
  - kubernaut.testinfra.env_file
requirements:
  - psycopg2 (or psycopg2-binary) on the controller
  - podman, for the container log and state (optional)
options:
  host:
    description: Address to connect to.
    type: str
    default: 127.0.0.1
  port:
    description: TCP port published for PostgreSQL.
    type: int
    default: 5432
  user:
    description: Database user.
    type: str
    default: postgres
  password:
    description:
      - Password of O(user). When omitted, C(PGPASSWORD) from O(env_file) (or the module's environment) is used,
        which keeps a well-known password such as C(postgres) from being masked in every output.
    type: str
  database:
    description: Database to connect to.
    type: str
    default: postgres
  timeout:
    description: Seconds to wait for the first successful query.
    type: float
    default: 60
  container:
    description:
      - Name of the Podman container running the server. Used to stop waiting as soon as it exits
        and to add its log to error messages.
    type: str
  min_server_version:
    description: Lowest acceptable PostgreSQL major version.
    type: int
    default: 12
  extension:
    description: Create the C(vector) extension and check it.
    type: bool
    default: true
  min_extension_version:
    description: Lowest acceptable version of the C(vector) extension.
    type: str
    default: 0.5.1
  check_hnsw:
    description: Build a throw-away HNSW index to prove support (pgvector 0.5.0+).
    type: bool
    default: true
  run_schema_prefix:
    description:
      - When set, create the schema C(<prefix>_<UTC timestamp>) for this run and return its name.
    type: str
    default: ""
  schema_file:
    description:
      - Path of an SQL file on the controller to apply after the checks (inside the run schema
        when one is created).
    type: path
  kept:
    description:
      - Keep mode. Check the running container O(container) left by an earlier run with
        C(io.kubernaut.testinfra.keep=true) instead of a new one - its published port and C(POSTGRES_PASSWORD)
        are read from it - and never fail, returning RV(reused=false) with RV(reason) when it is missing, not
        kept, about to expire or unhealthy. Use C(no_log) on the task (RV(password)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Waits and checks, but creates no extension, schema or index.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Wait for PostgreSQL + pgvector and validate it
  kubernaut.testinfra.pgvector_ready:
    port: 5432
    container: datastorage-postgres
    min_extension_version: 0.5.1
    env_file: "{{ run_dir }}/pgvector.env"  # PGPASSWORD, written by kubernaut.testinfra.env_file
    env_file_remove: true

- name: Give this run its own schema and apply the service's schema file
  kubernaut.testinfra.pgvector_ready:
    password: "{{ pgvector_password }}"
    run_schema_prefix: contextapi_test
    schema_file: "{{ testinfra_repo_dir }}/internal/database/schema/remediation_audit.sql"
"""

RETURN = r"""
reused:
  description: With O(kept), whether the kept container passed the checks and can be reused.
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
  description: With O(kept), the kept container's password.
  returned: when RV(reused) is true
  type: str
server_version:
  description: PostgreSQL's version string (C(SHOW server_version)).
  returned: success
  type: str
  sample: "17.2 (Debian 17.2-1)"
server_version_num:
  description: PostgreSQL's version number.
  returned: success
  type: int
  sample: 170002
extension_version:
  description: Installed version of the C(vector) extension.
  returned: success and O(extension)
  type: str
  sample: 0.8.0
hnsw:
  description: Whether the HNSW check ran and passed.
  returned: success
  type: bool
schema:
  description: The per-run schema created, or an empty string.
  returned: success
  type: str
  sample: contextapi_test_20261123211500
ready_seconds:
  description: Seconds from the module start until the first successful query.
  returned: success
  type: float
attempts:
  description: Connection attempts made.
  returned: success
  type: int
"""

import os
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.backend import (
    check_kept, exit_if_not_started, fail_with_log, version_at_least, wait_ready)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.probes import (
    HAS_PSYCOPG2, PSYCOPG2_ERROR, psycopg2, sql_connect, sql_error, sql_select_one)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import Fatal


def connect(params):
    """One connection attempt; NotReady for what waiting can fix, Fatal otherwise."""
    conn = sql_connect(params["host"], params["port"], params["user"],
                       params["password"] or os.environ.get("PGPASSWORD", ""), params["database"])
    try:
        sql_select_one(conn)
    except psycopg2.OperationalError as exc:
        conn.close()
        raise sql_error(exc)
    return conn


def scalar(cur, sql, args=None):
    cur.execute(sql, args)
    row = cur.fetchone()
    return row[0] if row else None


def check_versions(module, cur, result):
    params = module.params
    result["server_version"] = scalar(cur, "SHOW server_version")
    result["server_version_num"] = int(scalar(cur, "SHOW server_version_num"))
    major = result["server_version_num"] // 10000
    if major < params["min_server_version"]:
        raise Fatal("PostgreSQL %s is older than the minimum %s: use a newer image (pgvector_image) or "
                    "lower pgvector_min_server_version" % (result["server_version"], params["min_server_version"]))
    if not params["extension"]:
        return
    installed = scalar(cur, "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    if installed is None:
        available = scalar(cur, "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        if available is None:
            raise Fatal("the pgvector extension is not available in this PostgreSQL: use an image with "
                        "pgvector (pgvector/pgvector, or pgvector_image_source=local)")
        if not module.check_mode:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
            result["changed"] = True
        installed = available
    result["extension_version"] = installed
    if not version_at_least(installed, params["min_extension_version"]):
        raise Fatal("pgvector %s is older than the minimum %s: use a newer pgvector image"
                    % (installed, params["min_extension_version"]))


def check_hnsw(module, conn, result):
    if not (module.params["extension"] and module.params["check_hnsw"]) or module.check_mode:
        return
    with conn.cursor() as cur:
        try:
            cur.execute("CREATE TEMP TABLE testinfra_hnsw_probe (v vector(3))")
            cur.execute("INSERT INTO testinfra_hnsw_probe VALUES ('[1,2,3]'), ('[3,2,1]'), ('[1,1,1]')")
            cur.execute("CREATE INDEX ON testinfra_hnsw_probe USING hnsw (v vector_l2_ops)")
        except psycopg2.Error as exc:
            conn.rollback()
            raise Fatal("HNSW indexes are not supported (%s): pgvector 0.5.0 or newer is required"
                        % str(exc).strip())
    conn.rollback()
    result["hnsw"] = True


def prepare_schema(module, conn, result):
    params = module.params
    if params["run_schema_prefix"]:
        name = "%s_%s" % (params["run_schema_prefix"], time.strftime("%Y%m%d%H%M%S", time.gmtime()))
        result["schema"] = name
        if not module.check_mode:
            with conn.cursor() as cur:
                cur.execute('CREATE SCHEMA IF NOT EXISTS "%s"' % name.replace('"', '""'))
            conn.commit()
            result["changed"] = True
    if params["schema_file"]:
        try:
            with open(params["schema_file"]) as handle:
                sql = handle.read()
        except (IOError, OSError) as exc:
            raise Fatal("cannot read schema_file: %s: fix the service's schema_file path" % exc)
        if module.check_mode:
            return
        with conn.cursor() as cur:
            try:
                if result["schema"]:
                    cur.execute('SET search_path TO "%s", public' % result["schema"].replace('"', '""'))
                cur.execute(sql)
            except psycopg2.Error as exc:
                conn.rollback()
                raise Fatal("applying %s failed: %s" % (params["schema_file"], str(exc).strip()))
        conn.commit()
        result["changed"] = True


ARGUMENT_SPEC = dict(
    host=dict(type="str", default="127.0.0.1"),
    port=dict(type="int", default=5432),
    user=dict(type="str", default="postgres"),
    password=dict(type="str", no_log=True),
    database=dict(type="str", default="postgres"),
    timeout=dict(type="float", default=60),
    container=dict(type="str"),
    min_server_version=dict(type="int", default=12),
    extension=dict(type="bool", default=True),
    min_extension_version=dict(type="str", default="0.5.1"),
    check_hnsw=dict(type="bool", default=True),
    run_schema_prefix=dict(type="str", default=""),
    schema_file=dict(type="path"),
    kept=dict(type="bool", default=False),
    env_file=dict(type="path"),
    env_file_remove=dict(type="bool", default=False),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    envfile.load(module, module.params["env_file"], module.params["env_file_remove"])
    if not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2 (pip install psycopg2-binary)"),
                         exception=PSYCOPG2_ERROR)
    params = module.params
    container = params["container"]
    result = dict(changed=False, hnsw=False, schema="", extension_version="")
    if params["kept"]:  # keep mode: check the kept container instead of a new one; never fail, say why not
        def run_check(port, password):
            params.update(port=port, password=password)
            result.update(reused=True, port=port, password=password)
            check(module, params, container, result)
        check_kept(module, container, 5432,
                   lambda env, cmd: env.get("POSTGRES_PASSWORD", params["password"] or os.environ.get("PGPASSWORD", "")),
                   run_check)
    check(module, params, container, result)


def check(module, params, container, result):
    where = "PostgreSQL at %s:%s" % (params["host"], params["port"])
    exit_if_not_started(module, container, where, **result)
    conn, result["attempts"], result["ready_seconds"] = wait_ready(
        module, lambda: connect(params), params["timeout"], container, where, "SQL", "pgvector_ready_timeout", **result)
    try:
        with conn.cursor() as cur:
            check_versions(module, cur, result)
        conn.autocommit = False
        check_hnsw(module, conn, result)
        prepare_schema(module, conn, result)
    except Fatal as exc:
        fail_with_log(module, "%s: %s" % (where, exc), container, **result)
    except psycopg2.Error as exc:
        fail_with_log(module, "%s: %s" % (where, str(exc).strip()), container, **result)
    finally:
        conn.close()
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
