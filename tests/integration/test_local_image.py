"""kubernaut.testinfra.local_image and the locally built images (air-gapped fallback).

SLOW, NEEDS A DEBIAN MIRROR ON FIRST RUN: builds (or reuses, when the spec label matches)
the images the pgvector and redis roles build with pgvector_image_source=local /
redis_image_source=local (mmdebstrap + podman import, ~1 min each when cold), then checks
that they behave like docker.io/pgvector/pgvector and docker.io/library/redis.
Needs root, podman and mmdebstrap; psql on the host for the PostgreSQL checks.
The built images are kept (the roles reuse them); the containers are removed.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import label_args, run_playbook, session_labels

pytestmark = pytest.mark.skipif(
    not (shutil.which("podman") and shutil.which("mmdebstrap") and os.geteuid() == 0),
    reason="needs root, podman and mmdebstrap",
)

BUILD = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: kubernaut.testinfra.pgvector
        tasks_from: image.yml
      vars:
        pgvector_image_source: local
    - ansible.builtin.include_role:
        name: kubernaut.testinfra.redis
        tasks_from: image.yml
      vars:
        redis_image_source: local
"""


def podman(*args, check=True, timeout=120):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check, timeout=timeout)


def role_default(role, var):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "roles", role, "defaults", "main.yml")) as f:
        for line in f:
            if line.startswith(var + ":"):
                return line.split(":", 1)[1].strip()
    raise LookupError(var)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(port, *commands, timeout=1.0):
    """Send RESP commands to 127.0.0.1:port, return the raw reply."""
    payload = b""
    for cmd in commands:
        payload += b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in cmd)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        time.sleep(0.05)
        return s.recv(4096)


@pytest.fixture(scope="module")
def build_playbook(tmp_path_factory):
    playbook = tmp_path_factory.mktemp("local_image") / "build.yml"
    playbook.write_text(BUILD)
    return str(playbook)


@pytest.fixture(scope="module")
def images(build_playbook):
    """Build or reuse both local images through the roles' own tasks; return their names."""
    rc, out = run_playbook(build_playbook, timeout=1800)
    assert rc == 0, out
    return {"pg": role_default("pgvector", "pgvector_local_image"), "redis": role_default("redis", "redis_local_image")}


@pytest.fixture
def container():
    """Factory for labelled test containers; removes them (and anonymous volumes) afterwards."""
    names = []

    def run(name, *args):
        names.append(name)
        podman("run", "-d", "--name", name, *label_args(session_labels()), *args)  # ours to the leak check
        return name

    yield run
    for name in names:
        podman("rm", "-f", "-v", name, check=False)


def test_second_build_reuses_the_images(images, build_playbook):
    rc, out = run_playbook(build_playbook)
    assert rc == 0, out
    assert "changed=0" in out, out
    for ref in images.values():
        labels = json.loads(podman("image", "inspect", ref).stdout)[0]["Config"]["Labels"]
        assert labels["io.kubernaut.testinfra.image"] == "local"
        assert len(labels["io.kubernaut.testinfra.spec"]) == 64


def sql(port, password, *statements, user="u", dbname="d"):
    """Run statements over TCP from the host (autocommit); return the first column of the last one's rows."""
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname=dbname,
                            connect_timeout=2)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            return [row[0] for row in cur.fetchall()] if cur.description else []
    finally:
        conn.close()


def test_postgres_behaves_like_upstream(images, clean_host, container):
    import psycopg2
    port = free_port()
    start = time.time()
    name = container("testinfra-localimage-pg", "-p", "127.0.0.1:%d:5432" % port, "--tmpfs", "/var/lib/postgresql/data",
                     "-e", "POSTGRES_PASSWORD=pw", "-e", "POSTGRES_USER=u", "-e", "POSTGRES_DB=d",
                     images["pg"], "postgres", "-c", "fsync=off")
    while True:
        try:
            sql(port, "pw", "select 1")
            break
        except psycopg2.OperationalError:
            assert time.time() - start < 60, podman("logs", name).stderr
            time.sleep(0.1)
    sql(port, "pw", "create extension vector", "create table t (e vector(3))",
        "insert into t select array[random(), random(), random()] from generate_series(1, 100)",
        "create index on t using hnsw (e vector_l2_ops)")
    assert sql(port, "pw", "select extversion from pg_extension where extname = 'vector'")[0].startswith("0.")
    assert sql(port, "pw", "show fsync") == ["off"]
    assert sql(port, "pw", "select datcollate from pg_database where datname = 'd'") == ["en_US.utf8"]
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        sql(port, "wrong", "select 1")
    for tool in ("psql", "pg_isready"):
        assert podman("exec", name, "sh", "-c", "command -v " + tool).returncode == 0
    top = podman("top", name, "pid", "user", "args").stdout.splitlines()[1].split()
    assert top[:3] == ["1", "postgres", "postgres"], top
    # PID 1 gets upstream's stop signal (SIGINT: fast shutdown) and exits cleanly; a wrong signal
    # would end in podman's SIGKILL after its stop timeout and exit code 137.
    podman("stop", name)
    assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0"


def wait_sql(name, port, password, user):
    import psycopg2
    start = time.time()
    while True:
        try:
            return sql(port, password, "select 1", user=user, dbname="postgres")
        except psycopg2.OperationalError as exc:
            assert time.time() - start < 60, "%s\n%s" % (exc, podman("logs", name).stderr)
            time.sleep(0.1)


CLUSTER = ("select string_agg(name || '=' || setting, ' ' order by name) from pg_settings "
           "where source = 'configuration file'",
           "select string_agg(datname || ':' || pg_get_userbyid(datdba) || ':' || datcollate || ':' || datctype || ':' "
           "|| encoding, ' ' order by datname) from pg_database",
           "select string_agg(oid || ':' || rolname || ':' || rolsuper || ':' || rolcanlogin, ' ' order by oid) "
           "from pg_authid",
           "select count(*) from pg_collation",
           "select string_agg(type || ' ' || array_to_string(database, ',') || ' ' || array_to_string(user_name, ',') "
           "|| ' ' || coalesce(address, '') || ' ' || auth_method, '; ' order by line_number) from pg_hba_file_rules")


@pytest.mark.parametrize("user,database", [("postgres", "postgres"), ("slm_user", "action_history")],
                         ids=["postgres", "own-user-and-database"])
def test_postgres_cluster_copied_from_the_build_is_the_one_initdb_makes(images, clean_host, container, user, database):
    """The cluster made at build time stands in for initdb (--no-sync, --auth-host), for the superuser postgres and
    for a suite's own superuser and database (kubernaut's slm_user and action_history: the copy renames the
    bootstrap superuser and creates the database itself): the same settings, databases and their owners, roles,
    collations and pg_hba rules as initdb and the temporary server make; the password (with a quote and a
    backslash) set, a wrong one refused over 127.0.0.1 on the host's network, and never in the log."""
    import psycopg2
    password = "it's a \\ secret"
    port, other = free_port(), free_port()
    own = ["-e", "POSTGRES_USER=" + user, "-e", "POSTGRES_DB=" + database] if user != "postgres" else []
    copied = container("testinfra-localimage-pgcopy", "--network", "host", "--tmpfs", "/var/lib/postgresql/data",
                       "-e", "POSTGRES_PASSWORD=" + password, *own,
                       "-e", "POSTGRES_INITDB_ARGS=--no-sync --auth-host=scram-sha-256",
                       images["pg"], "postgres", "-c", "port=%d" % port, "-c", "listen_addresses=127.0.0.1")
    # --data-checksums is not among the options the copy stands in for: initdb runs
    made = container("testinfra-localimage-pginitdb", "--network", "host", "--tmpfs", "/var/lib/postgresql/data",
                     "-e", "POSTGRES_PASSWORD=pw", *own,
                     "-e", "POSTGRES_INITDB_ARGS=--no-sync --auth-host=scram-sha-256 --data-checksums",
                     images["pg"], "postgres", "-c", "port=%d" % other, "-c", "listen_addresses=127.0.0.1")
    wait_sql(copied, port, password, user)
    wait_sql(made, other, "pw", user)
    for query in CLUSTER:
        assert sql(port, password, query, user=user, dbname=database) == \
            sql(other, "pw", query, user=user, dbname=database), query
    identifier = "select system_identifier::text from pg_control_system()"
    control = podman("run", "--rm", "--network", "none", "--user", "postgres", "--entrypoint", "pg_controldata",
                     images["pg"], "/usr/local/share/kubernaut/pgdata-template").stdout
    built = re.search(r"Database system identifier:\s+(\d+)", control).group(1)
    assert sql(port, password, identifier, user=user, dbname=database) == [built], "copied, not initdb'd"
    assert sql(other, "pw", identifier, user=user, dbname=database) != [built]
    assert sql(other, "pw", "show data_checksums", user=user, dbname=database) == ["on"]
    assert sql(port, password, "show data_checksums", user=user, dbname=database) == ["off"]
    assert sql(port, password, "select pg_get_userbyid(10)", user=user, dbname=database) == [user]  # the bootstrap one
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        sql(port, "wrong", "select 1", user=user, dbname=database)
    log = podman("logs", copied)
    assert "secret" not in log.stdout + log.stderr
    assert "PostgreSQL init process complete" in log.stdout
    # the copy made the database itself: no temporary server started (pg_ctl says so when it starts one, as it does
    # after initdb to create the database)
    assert "waiting for server to start" not in log.stdout
    if database != "postgres":
        assert "waiting for server to start" in podman("logs", made).stdout


def test_postgres_requires_a_password(images):
    out = podman("run", "--rm", "--name", "testinfra-localimage-nopw", images["pg"], check=False)
    assert out.returncode == 1
    assert "superuser password is not specified" in out.stderr
    assert "POSTGRES_HOST_AUTH_METHOD=trust" in out.stderr


def test_redis_behaves_like_upstream(images, clean_host, container):
    port = free_port()
    name = container("testinfra-localimage-redis", "-p", "127.0.0.1:%d:6379" % port, images["redis"],
                     "--requirepass", "pw", "--save", "")
    deadline = time.time() + 30
    while True:
        try:
            reply = resp(port, ["PING"])
            break
        except OSError:
            assert time.time() < deadline, podman("logs", name).stdout
            time.sleep(0.05)
    assert reply.startswith(b"-NOAUTH")
    assert resp(port, ["AUTH", "pw"], ["PING"]) == b"+OK\r\n+PONG\r\n"
    top = podman("top", name, "pid", "user", "args").stdout.splitlines()[1].split()
    assert top[:3] == ["1", "redis", "redis-server"], top
    podman("stop", name)
    assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0"
