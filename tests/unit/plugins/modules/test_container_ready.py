"""container_ready: the probes that need no Podman, against servers started here (a TCP listener, an HTTP server),
and how it describes what it waits for."""

import http.server
import socket
import threading

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules import container_ready
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit


def module(**args):
    return LocalModule(container_ready.ARGUMENT_SPEC, dict(args))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tcp_answers_when_something_listens_and_stays():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        mod = module(probe="tcp", port=server.getsockname()[1])
        assert container_ready.probe_tcp(mod, mod.params) == {}
    mod = module(probe="tcp", port=free_port())
    with pytest.raises(NotReady, match="refused"):
        container_ready.probe_tcp(mod, mod.params)


def test_tcp_does_not_count_a_connection_closed_at_once():
    """What a port forwarder does while nothing listens behind it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def accept_and_close():
        conn, dummy = server.accept()
        conn.close()

    thread = threading.Thread(target=accept_and_close)
    thread.start()
    mod = module(probe="tcp", port=server.getsockname()[1])
    try:
        with pytest.raises(NotReady, match="closed at once|reset"):
            container_ready.probe_tcp(mod, mod.params)
    finally:
        thread.join()
        server.close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        status = {"/ok": 200, "/starting": 503, "/moved": 302}.get(self.path, 404)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/ok")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    thread.join()
    server.server_close()


def test_http_waits_for_the_status_without_following_redirects(web):
    mod = module(probe="http", port=web, path="/ok")
    assert container_ready.probe_http(mod, mod.params)["status"] == 200
    mod = module(probe="http", port=web, path="/starting")
    with pytest.raises(NotReady, match="GET /starting answered 503, waiting for 200"):
        container_ready.probe_http(mod, mod.params)
    mod = module(probe="http", port=web, path="/moved", status=302)
    assert container_ready.probe_http(mod, mod.params)["status"] == 302
    mod = module(probe="http", port=free_port(), path="/ok")
    with pytest.raises(NotReady):
        container_ready.probe_http(mod, mod.params)


def test_http_ignores_proxies_for_the_local_server(web, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing there
    mod = module(probe="http", port=web, path="/ok")
    assert container_ready.probe_http(mod, mod.params)["status"] == 200


def test_a_whole_wait_without_a_container(web):
    mod = module(probe="http", port=web, path="/ok", timeout=5, name="minio")
    with pytest.raises(ModuleExit) as done:
        container_ready.run_module(mod)
    assert done.value.result["probe"] == "http" and done.value.result["attempts"] == 1
    mod = module(probe="tcp", port=free_port(), timeout=0.2, name="minio", timeout_variable="testinfra_backends.minio.ready.timeout")
    with pytest.raises(ModuleExit) as done:
        container_ready.run_module(mod)
    assert done.value.result["failed"]
    assert done.value.result["msg"].startswith("Backend minio at 127.0.0.1:")
    assert "did not answer a TCP connection" in done.value.result["msg"]
    assert "Raise testinfra_backends.minio.ready.timeout if the host is slow" in done.value.result["msg"]


@pytest.mark.parametrize("args,message", [
    (dict(probe="exec"), "container is required with probe=exec"),
    (dict(probe="exec", container="c"), "command is required with probe=exec"),
    (dict(probe="log", container="c", pattern="(x"), "is not a regular expression"),
    (dict(probe="tcp", kept=True), "container is required with probe=tcp and kept"),
])
def test_bad_arguments(args, message):
    with pytest.raises(ModuleExit) as done:
        container_ready.run_module(module(**args))
    assert message in done.value.result["msg"]


def test_kept_password_from_the_container_variable_the_flag_or_the_env_file(monkeypatch):
    monkeypatch.setenv("TESTINFRA_PASSWORD", "fixed")
    read = container_ready.password_of(module(probe="sql", secret_env="POSTGRES_PASSWORD").params)
    assert read({"POSTGRES_PASSWORD": "kept"}, []) == "kept"
    assert read({}, []) == "fixed"
    read = container_ready.password_of(module(probe="redis", secret_arg="--requirepass").params)
    assert read({}, ["valkey-server", "--requirepass", "kept", "--protected-mode", "no"]) == "kept"
    assert read({}, ["valkey-server", "--requirepass"]) == "fixed"
