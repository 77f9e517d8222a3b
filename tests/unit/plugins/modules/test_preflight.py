"""Pure helpers of the preflight module."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import go_duration_seconds


@pytest.mark.parametrize("text,seconds", [("5m", 300), ("90s", 90), ("1h30m", 5400), ("1.5s", 1.5),
                                          ("5", None), ("five minutes", None), ("5m3", None), ("", None)])
def test_go_duration_seconds(text, seconds):
    assert go_duration_seconds(text) == seconds


class FakeModule(object):
    def __init__(self, runner, ginkgo_packages):
        self.params = {"runner": runner, "service": "svc"}
        self.ginkgo_packages = ginkgo_packages
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def test_runner_ginkgo_falls_back_to_go_without_suites_and_refuses_a_mix():
    from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import runner_of
    assert runner_of(FakeModule("go", ["ex/a"]), ["ex/a"]) == "go"
    assert runner_of(FakeModule("ginkgo", ["ex/a", "ex/b"]), ["ex/a", "ex/b"]) == "ginkgo"
    plain = FakeModule("ginkgo", [])
    assert runner_of(plain, ["ex/a"]) == "go" and "go test runs them" in plain.warnings[0]
    with pytest.raises(AssertionError, match="not Ginkgo suites \\(ex/b\\)"):
        runner_of(FakeModule("ginkgo", ["ex/a"]), ["ex/a", "ex/b"])


def server_side_time_wait():
    """A 127.0.0.1 port whose server closed a connection first, as a backend killed at cleanup does: the port is
    left in TIME_WAIT, no longer listened on."""
    import socket
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, dummy = server.accept()
    conn.close()  # the server's side first
    client.recv(1)
    client.close()
    server.close()
    return port


class PortModule(object):
    def __init__(self, port):
        self.params = {"ports": [{"host": "127.0.0.1", "port": port, "backend": "pgvector",
                                  "variable": "pgvector_port"}], "podman": ""}

    def get_bin_path(self, name):
        return None

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def test_a_port_in_time_wait_is_free_and_a_listened_one_is_not():
    import socket
    from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import check_ports
    port = server_side_time_wait()
    check_ports(PortModule(port))  # a server binding with SO_REUSEADDR (PostgreSQL, Redis) can listen there
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(AssertionError, match="port 127.0.0.1:%d for pgvector is in use by another program"
                           % listener.getsockname()[1]):
            check_ports(PortModule(listener.getsockname()[1]))
