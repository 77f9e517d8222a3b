"""The built-in PostgreSQL and Redis on the host's network (pgvector_network, redis_network: host, the default):
nothing is published, the server listens on 127.0.0.1 only, on a free port when the run is isolated, and its port
is recorded where keep mode and the port check find it. `default` puts them back on Podman's network."""

import json
import socket
import subprocess

from conftest import cleanup_runs, leftovers, podman_names, run_playbook, session_run_ids

KEEP = ["-e", "testinfra_keep=true"]


def inspect(name):
    return json.loads(subprocess.run(["podman", "container", "inspect", name], capture_output=True, text=True,
                                     check=True).stdout)[0]


def outbound_address():
    """The host's address on its route out (no packet is sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
            return sock.getsockname()[0]
        except OSError:
            return None


def ping(address, port):
    with socket.create_connection((address, port), timeout=5) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(64)


def test_isolated_redis_on_the_host_network_listens_on_loopback_only_and_keep_finds_its_port(clean_host):
    rc, out = run_playbook("ai.yml", "-e", "testinfra_isolate=true", *KEEP)
    assert rc == 0, out
    [name] = [c for c in podman_names() if c.startswith("ai-redis-")]
    info = inspect(name)
    assert info["HostConfig"]["NetworkMode"] == "host"
    assert not info["NetworkSettings"]["Ports"], "nothing published"
    port = int(info["Config"]["Labels"]["io.kubernaut.testinfra.host-port.6379/tcp"])
    assert port != 6379, "an isolated run listens on a free port"
    assert ping("127.0.0.1", port).startswith(b"-NOAUTH"), "Redis answers there (with a password: isolated)"
    other = outbound_address()
    assert other and not other.startswith("127."), "this host has no address but loopback to check against"
    try:
        socket.create_connection((other, port), timeout=2).close()
    except OSError:
        pass
    else:
        raise AssertionError("Redis answers on %s:%d, not only on 127.0.0.1" % (other, port))

    rc, out = run_playbook("ai.yml", "-e", "testinfra_isolate=true", *KEEP)
    assert rc == 0, out
    assert "reused: redis" in out, "the kept container's port was found again"
    assert inspect(name)["Id"] == info["Id"]
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert leftovers() == []


def test_a_port_held_by_a_kept_redis_on_the_host_network_is_named_with_its_run(clean_host):
    rc, out = run_playbook("ai.yml", *KEEP)
    assert rc == 0, out
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_port=6379")
    assert rc != 0
    flat = " ".join(out.split())
    assert "port 127.0.0.1:6379 for pgvector is held by the kept container ai-redis of run " in flat, out
    assert "Start PostgreSQL" not in out
    assert "ai-redis" in podman_names(), "the kept container is left alone"
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert leftovers() == []


def test_default_network_publishes_the_port_and_keep_reuses_it_from_either_mode(clean_host):
    rc, out = run_playbook("datastorage.yml", *KEEP, "-e", "pgvector_network=default")
    assert rc == 0, out
    info = inspect("datastorage-postgres")
    assert info["HostConfig"]["NetworkMode"] != "host"
    assert info["NetworkSettings"]["Ports"]["5432/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "5432"}]
    rc, out = run_playbook("datastorage.yml", *KEEP)
    assert rc == 0, out
    assert "reused: pgvector" in out
    assert inspect("datastorage-postgres")["Id"] == info["Id"]
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert leftovers() == []


def test_postgres_on_the_host_network_still_asks_every_client_on_the_host_for_the_password(clean_host):
    """On the host's network every client connects from 127.0.0.1, which initdb trusts by default: the role's
    --auth-host=scram-sha-256 keeps the password required."""
    import psycopg2
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_isolate=true", *KEEP)
    assert rc == 0, out
    [name] = [c for c in podman_names() if c.startswith("datastorage-postgres-")]
    info = inspect(name)
    assert info["HostConfig"]["NetworkMode"] == "host"
    port = int(info["Config"]["Labels"]["io.kubernaut.testinfra.host-port.5432/tcp"])
    password = dict(e.partition("=")[::2] for e in info["Config"]["Env"])["POSTGRES_PASSWORD"]
    assert password and password != "postgres", "an isolated run's own password"
    for wrong in ("postgres", "", password + "x"):
        try:
            psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=wrong, dbname="postgres",
                             connect_timeout=5).close()
        except psycopg2.OperationalError as exc:
            assert "password authentication failed" in str(exc) or "no password supplied" in str(exc), exc
        else:
            raise AssertionError("PostgreSQL let a client on the host in with the password %r" % wrong)
    psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=password, dbname="postgres",
                     connect_timeout=5).close()
    ok, out = cleanup_runs(session_run_ids())
    assert ok, out
    assert leftovers() == []
