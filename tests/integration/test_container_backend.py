"""Generic container backends (role kubernaut.testinfra.container): real Podman, real servers, no mocks.

Each test calls the role the way the orchestrator does (tests/integration/playbooks/container_backend.yml builds the
contract's testinfra_backend from extra variables), then talks to the server with the variables the role exported,
the password read from a 0600 file the playbook writes (it is never printed). Without a registry the shipped
entries run their local stand-ins, built from Debian packages by the first test that needs them (minutes, once).
"""

import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import ROOT, run_playbook, session_labels, start_playbook

pytestmark = pytest.mark.skipif(not shutil.which("podman"), reason="needs podman")

PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "container_backend.yml")
SERVICE = "ctb%d" % os.getpid()  # container names of this session only: ctb<pid>-<backend>[-<run id>]
OWNER = "ctbowner%d" % os.getpid()
BUILD_REDIS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: kubernaut.testinfra.redis
        tasks_from: image.yml
      vars:
        redis_image_source: local
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def podman(*args):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False)


def labels(run_id, keep=False):
    now = int(time.time())
    return session_labels(**{"io.kubernaut.testinfra.run": run_id, "io.kubernaut.testinfra.service": SERVICE,
                             "io.kubernaut.testinfra.owner": OWNER, "io.kubernaut.testinfra.created": str(now),
                             "io.kubernaut.testinfra.expires": str(now + 3600),
                             "io.kubernaut.testinfra.keep": "true" if keep else "false"})


def backend_args(tmp_path, backend, run_id="r1", keep=False, **extra):
    """Write the extra variables of one backend run (a 0600 file: they may hold a password); return its -e."""
    work = tmp_path / run_id
    work.mkdir(exist_ok=True)
    args = dict(backend=backend, service=SERVICE, run_id=run_id, run_dir=str(work / "run"), keep=keep,
                labels=labels(run_id, keep), env_out=str(work / "result.json"))
    args.update(extra)
    path = work / "args.json"
    path.write_text(json.dumps(args))
    path.chmod(0o600)
    return ["-e", "@%s" % path], work / "result.json"


def remove_our_containers():
    names = podman("ps", "-a", "--filter", "label=io.kubernaut.testinfra.service=%s" % SERVICE,
                   "--format", "{{.Names}}").stdout.split()
    if names:
        podman("rm", "--force", "--volumes", "--time", "0", *names)


@pytest.fixture
def leave():
    """The backends of the test stay running after their playbook (leave=true), for the test to talk to them;
    they are removed after the test (all containers of this module's service label), before the leak check."""
    yield {"leave": True}
    remove_our_containers()


def run_backend(tmp_path, backend, **extra):
    """Run the role for one backend; return (exit code, output, testinfra_backend_result or None)."""
    args, result_file = backend_args(tmp_path, backend, **extra)
    rc, out = run_playbook(PLAYBOOK, *args, timeout=1200)
    result = json.loads(result_file.read_text()) if result_file.exists() else None
    if result is not None:
        assert oct(result_file.stat().st_mode & 0o777) == "0o600"
    return rc, out, result


def assert_secrets_not_printed(out, result):
    for secret in result["secrets"]:
        assert secret not in out, "a secret was printed"


def redis_client(env, password=None):
    import redis
    host, port = env["REDIS_ADDR"].rsplit(":", 1)
    return redis.Redis(host=host, port=int(port), password=password, socket_connect_timeout=2, socket_timeout=2)


def test_postgres_with_a_pinned_port_and_fixed_credentials_answers_sql_with_its_exports(tmp_path, clean_host, leave):
    """The shipped postgres entry, as a suite that hard-codes its connection needs it: not isolated, pinned host
    port, fixed user, password and database. The tests connect with POSTGRES_*, PG* and DATABASE_URL."""
    import psycopg2
    port = free_port()
    rc, out, result = run_backend(tmp_path, "postgres", **leave, testinfra_backends={"postgres": {
        "host_port": port, "user": "slm_user", "password": "test_password", "database": "action_history"}})
    assert rc == 0, out
    env = result["env"]
    assert env["POSTGRES_HOST"] == env["PGHOST"] == "127.0.0.1"
    assert env["POSTGRES_PORT"] == env["PGPORT"] == str(port)
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"]) == (
        "slm_user", "test_password", "action_history")
    assert env["DATABASE_URL"] == "postgres://slm_user:test_password@127.0.0.1:%d/action_history?sslmode=disable" % port
    conn = psycopg2.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                            password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DB"], connect_timeout=5)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT current_user, current_database(), 1")
        assert cur.fetchone() == ("slm_user", "action_history", 1)
    conn.close()
    conn = psycopg2.connect(env["DATABASE_URL"], connect_timeout=5)
    conn.close()
    assert result["resources"] == {"containers": ["%s-postgres" % SERVICE]}
    assert result["versions"]["server_version"] and result["ready_seconds"] > 0
    assert result["summary"].startswith("postgres: PostgreSQL ")
    assert "BACKEND ENV" in out and '"POSTGRES_PASSWORD": "********"' in out
    assert_secrets_not_printed(out, result)
    print("postgres: %s" % result["summary"])


def test_valkey_isolated_answers_ping_at_redis_addr_with_the_run_secret(tmp_path, clean_host, leave):
    rc, out, result = run_backend(tmp_path, "valkey", **leave, isolate=True, run_id="iso1", secret="Run-Secret/1+x")
    assert rc == 0, out
    env = result["env"]
    assert env["REDIS_PASSWORD"] == "Run-Secret/1+x"
    assert env["REDIS_URL"] == "redis://:Run-Secret%%2F1%%2Bx@%s/0" % env["REDIS_ADDR"]
    assert env["REDIS_ADDR"] == "%s:%s" % (env["REDIS_HOST"], env["REDIS_PORT"])
    client = redis_client(env, env["REDIS_PASSWORD"])
    assert client.ping() is True
    assert "valkey_version" in client.info("server")
    import redis
    assert redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=2).ping() is True
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis_client(env).ping()  # the password is really required
    assert result["resources"] == {"containers": ["%s-valkey-iso1" % SERVICE]}
    assert result["secrets"] == ["Run-Secret/1+x", "Run-Secret%2F1%2Bx"]
    assert_secrets_not_printed(out, result)
    print("valkey: %s" % result["summary"])


@pytest.fixture(scope="module")
def local_redis_image(tmp_path_factory):
    """localhost/kubernaut/redis:trixie, built by the redis role's own tasks unless present."""
    if podman("image", "exists", "localhost/kubernaut/redis:trixie").returncode != 0:
        playbook = tmp_path_factory.mktemp("redis_image") / "build.yml"
        playbook.write_text(BUILD_REDIS)
        rc, out = run_playbook(str(playbook), timeout=1200)
        assert rc == 0, out
    return "localhost/kubernaut/redis:trixie"


def test_the_local_redis_image_as_a_generic_entry(tmp_path, clean_host, local_redis_image, leave):
    port = free_port()
    entry = {"image": local_redis_image, "ports": ["%d:6379" % port], "command": ["redis-server", "--save", ""],
             "ready": {"probe": "redis", "timeout": 20}, "exports": {"REDIS_ADDR": "${host}:${port}"}}
    rc, out, result = run_backend(tmp_path, "cache", **leave, testinfra_backends={"cache": entry})
    assert rc == 0, out
    assert result["env"] == {"REDIS_ADDR": "127.0.0.1:%d" % port}
    assert redis_client(result["env"]).ping() is True
    assert result["versions"] == {"image": local_redis_image, "server_version": result["versions"]["server_version"]}
    assert result["versions"]["server_version"].startswith("redis ")
    assert result["secrets"] == []


@pytest.mark.parametrize("ready,network", [
    ({"probe": "log", "pattern": "Ready to accept connections"}, "host"),
    # the command gets the server's port: a free host port here, not valkey-cli's default 6379
    ({"probe": "exec", "command": ["sh", "-c", 'valkey-cli -p "$TESTINFRA_PORT" -a s --no-auth-warning ping '
                                               '| grep -qx PONG']}, "host"),
    ({"probe": "exec", "command": ["valkey-cli", "-a", "s", "--no-auth-warning", "ping"]}, "default"),
    ({"probe": "tcp"}, "host"),
])
def test_log_exec_and_tcp_probes(tmp_path, clean_host, leave, ready, network):
    rc, out, result = run_backend(tmp_path, "valkey", **leave, isolate=True, run_id="probe", secret="s",
                                  testinfra_backends={"valkey": {"ready": ready, "network": network}})
    assert rc == 0, out
    assert redis_client(result["env"], "s").ping() is True


def test_the_shipped_entries_run_on_the_hosts_network_unless_told_otherwise(tmp_path, clean_host, leave):
    """Isolated, on the host's network: nothing published, the server told a free port of 127.0.0.1 (recorded in a
    label, where keep mode and the port check read it); network: default publishes it on Podman's network."""
    rc, out, result = run_backend(tmp_path, "valkey", **leave, isolate=True, run_id="hostnet", secret="s")
    assert rc == 0, out
    port = int(result["env"]["REDIS_PORT"])
    data = json.loads(podman("container", "inspect", result["resources"]["containers"][0]).stdout)[0]
    assert data["HostConfig"]["NetworkMode"] == "host"
    assert not data["HostConfig"].get("PortBindings")
    assert data["Config"]["Labels"]["io.kubernaut.testinfra.host-port.6379/tcp"] == str(port)
    assert "--port %d --bind 127.0.0.1" % port in " ".join(data["Args"]), data["Args"]
    assert redis_client(result["env"], "s").ping() is True

    rc, out, bridged = run_backend(tmp_path, "valkey", **leave, isolate=True, run_id="bridged", secret="s",
                                   testinfra_backends={"valkey": {"network": "default"}})
    assert rc == 0, out
    data = json.loads(podman("container", "inspect", bridged["resources"]["containers"][0]).stdout)[0]
    assert data["HostConfig"]["NetworkMode"] != "host"
    assert data["HostConfig"]["PortBindings"]["6379/tcp"][0]["HostPort"] == bridged["env"]["REDIS_PORT"]
    assert "--bind" not in data["Args"]
    assert redis_client(bridged["env"], "s").ping() is True


def test_a_probe_that_never_answers_fails_with_the_log_and_the_setting_to_raise(tmp_path, clean_host):
    rc, out, result = run_backend(tmp_path, "valkey", isolate=True, run_id="slow",
                                  testinfra_backends={"valkey": {"ready": {"probe": "log", "pattern": "never printed",
                                                                           "timeout": 1}}})
    assert rc != 0
    flat = " ".join(out.split())
    assert "Backend valkey in container %s-valkey-slow did not answer its log line ('never printed')" % SERVICE in flat
    assert "Raise testinfra_backends.valkey.ready.timeout if the host is slow" in flat
    assert "--- last lines of the log of container" in out and "Ready to accept connections" in out


def test_isolated_runs_twice_at_once(tmp_path, clean_host, leave):
    runs = []
    for run_id, secret in (("twin1", "secret-one"), ("twin2", "secret-two")):
        args, result_file = backend_args(tmp_path, "valkey", run_id=run_id, isolate=True, secret=secret, **leave)
        runs.append((start_playbook(PLAYBOOK, *args), result_file, secret, run_id))
    results = []
    for proc, result_file, secret, run_id in runs:
        out = proc.communicate(timeout=600)[0]
        assert proc.returncode == 0, out
        result = json.loads(result_file.read_text())
        assert result["resources"]["containers"] == ["%s-valkey-%s" % (SERVICE, run_id)]
        results.append((result, secret))
    assert results[0][0]["env"]["REDIS_PORT"] != results[1][0]["env"]["REDIS_PORT"]
    for result, secret in results:
        assert result["env"]["REDIS_PASSWORD"] == secret
        assert redis_client(result["env"], secret).ping() is True


def test_keep_mode_reuses_a_healthy_kept_container(tmp_path, clean_host, leave):
    """The kept container stays after each run (leave) and is removed after the test by the leave fixture."""
    name = "%s-valkey-%s" % (SERVICE, OWNER)
    rc, out, first = run_backend(tmp_path, "valkey", run_id="keep1", isolate=True, keep=True, secret="first-secret",
                                 **leave)
    assert rc == 0, out
    assert first["reused"] is False and first["kept"] is True
    assert first["resources"]["containers"] == [name]
    rc, out, second = run_backend(tmp_path, "valkey", run_id="keep2", isolate=True, keep=True, secret="second-secret",
                                  **leave)
    assert rc == 0, out
    assert second["reused"] is True, out
    assert second["env"] == first["env"]  # its port and password read back from the kept container
    assert second["summary"].startswith("valkey: kept container %s reused" % name)
    assert redis_client(second["env"], second["env"]["REDIS_PASSWORD"]).ping() is True
    assert "Start the backend's container" not in out  # skipped tasks are not shown (ansible.cfg)
    assert not os.path.exists(tmp_path / "keep2" / "run" / "valkey.env")  # the password file went with the reuse
    assert_secrets_not_printed(out, second)
    # A kept container that does not answer is recreated, not reused.
    podman("pause", name)
    rc, out, third = run_backend(tmp_path, "valkey", run_id="keep3", isolate=True, keep=True, secret="third-secret",
                                 **leave)
    assert rc == 0, out
    assert third["reused"] is False and third["env"]["REDIS_PASSWORD"] == "third-secret"
    assert redis_client(third["env"], "third-secret").ping() is True


@pytest.mark.parametrize("entry,message", [
    ({"ports": [6379]}, "testinfra_backends.cache.image is missing: set it to the image to run"),
    ({"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "ready": {"probe": "smoke"}},
     "testinfra_backends.cache.ready.probe 'smoke' is not a probe: use one of tcp, sql, redis, http, exec, log"),
    ({"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "exports": {"REDIS_ADDR": "${hostname}:${port}"}},
     "testinfra_backends.cache.exports.REDIS_ADDR: ${hostname} names no field: use ${host}, ${port}"),
    ({"image": "docker.io/kubernaut-testinfra/no-such-image:1", "ports": [6379]},
     "Image docker.io/kubernaut-testinfra/no-such-image:1 is not available"),
    ({"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "network": "host"},
     "testinfra_backends.cache.network is host but listen is empty: give the arguments that tell the server its "
     "address and port"),
], ids=["no-image", "unknown-probe", "unknown-export-field", "image-nowhere", "host-network-without-listen"])
def test_a_bad_entry_fails_with_one_clear_message_and_leaves_nothing(tmp_path, clean_host, entry, message):
    """Without leave: whatever the playbook would leave, the leak check sees."""
    rc, out, result = run_backend(tmp_path, "cache", testinfra_backends={"cache": entry})
    assert rc != 0 and result is None
    flat = " ".join(out.split())
    assert flat.count(message) >= 1, out
    failed = [line for line in out.splitlines() if line.startswith("fatal:")]
    assert len(failed) == 1, out  # one failing task, one message
    if "no-such-image" in message:  # no stand-in for an image the user named: how to provide it instead
        assert "podman load -i <archive>" in flat and "set the image of testinfra_backends.cache" in flat
        assert podman("image", "exists", "docker.io/kubernaut-testinfra/no-such-image:1").returncode != 0
    assert podman("ps", "-a", "--filter", "name=%s-cache" % SERVICE, "--quiet").stdout.strip() == ""
