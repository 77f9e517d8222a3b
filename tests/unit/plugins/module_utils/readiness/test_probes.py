"""The server probes shared by container_ready, pgvector_ready and redis_ready (module_utils/readiness/probes.py):
a Redis PING against a small RESP server started here, and how PostgreSQL login errors are told apart."""

import socket
import socketserver
import threading

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness import probes
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import Fatal, NotReady


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_command(rfile):
    """One RESP array of bulk strings: ['PING'], ['AUTH', 'secret'] ...; None at the end of the stream."""
    line = rfile.readline()
    if not line.startswith(b"*"):
        return None
    words = []
    for dummy in range(int(line[1:])):
        size = int(rfile.readline()[1:])
        words.append(rfile.read(size + 2)[:-2].decode())
    return words


class RespServer(socketserver.ThreadingTCPServer):
    """Answers HELLO (RESP3, which redis-py asks for, with AUTH when it has a password), AUTH, PING, INFO and
    CLIENT; ``replies`` overrides the answer to a command (HELLO, PING) by its name."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, replies=None):
        self.replies = replies or {}
        self.commands = []
        super().__init__(("127.0.0.1", 0), RespHandler)


class RespHandler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            words = read_command(self.rfile)
            if words is None:
                return
            self.server.commands.append(words)
            name = words[0].upper()
            if name in self.server.replies:
                reply = self.server.replies[name]
            elif name == "INFO":
                body = b"# Server\r\nredis_version:7.2.5\r\nvalkey_version:8.1.1\r\n"
                reply = b"$%d\r\n%s\r\n" % (len(body), body)
            elif name == "HELLO":
                reply = b"%1\r\n+proto\r\n:3\r\n"
            elif name == "PING":
                reply = b"+PONG\r\n"
            else:
                reply = b"+OK\r\n"
            self.wfile.write(reply)


@pytest.fixture
def resp_server(request):
    server = RespServer(getattr(request, "param", None))
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_redis_ping_returns_the_server_info(resp_server):
    info = probes.redis_ping("127.0.0.1", resp_server.server_address[1], "secret", username="ci")
    assert info["redis_version"] == "7.2.5"
    assert info["valkey_version"] == "8.1.1"
    assert [words[-3:] for words in resp_server.commands if "AUTH" in words] == [["AUTH", "ci", "secret"]]
    assert ["PING"] in resp_server.commands


def test_redis_ping_without_password_sends_no_auth(resp_server):
    probes.redis_ping("127.0.0.1", resp_server.server_address[1], None)
    assert not [words for words in resp_server.commands if "AUTH" in words]


@pytest.mark.parametrize("resp_server", [{"HELLO": b"-WRONGPASS invalid username-password pair\r\n"}],
                         indirect=True)
def test_redis_ping_wrong_password_is_fatal_with_the_callers_hint(resp_server):
    with pytest.raises(Fatal, match=r"^authentication failed \(.*\): check redis_password$"):
        probes.redis_ping("127.0.0.1", resp_server.server_address[1], "wrong", auth_hint="check redis_password")


@pytest.mark.parametrize("resp_server", [{"PING": b"-NOAUTH Authentication required.\r\n"}], indirect=True)
def test_redis_ping_without_a_needed_password_is_fatal(resp_server):
    with pytest.raises(Fatal, match=r"^authentication failed \([^)]*\)$"):  # no hint: none given
        probes.redis_ping("127.0.0.1", resp_server.server_address[1], None)


@pytest.mark.parametrize("resp_server", [{"PING": b"-ERR unknown command\r\n"}], indirect=True)
def test_redis_ping_other_error_replies_are_not_ready(resp_server):
    with pytest.raises(NotReady, match="unknown command"):
        probes.redis_ping("127.0.0.1", resp_server.server_address[1], None)


def test_redis_ping_refused_is_not_ready():
    with pytest.raises(NotReady):
        probes.redis_ping("127.0.0.1", free_port(), None)


@pytest.mark.parametrize("text", [
    'FATAL:  password authentication failed for user "postgres"',
    'FATAL:  database "nope" does not exist',
    'FATAL:  no pg_hba.conf entry for host "10.0.0.1"',
])
def test_sql_error_what_waiting_cannot_fix_is_fatal(text):
    error = probes.sql_error(Exception(text + "\n"))
    assert isinstance(error, Fatal)
    assert str(error) == text


def test_sql_error_otherwise_not_ready_with_the_first_line():
    error = probes.sql_error(Exception("connection to server at \"127.0.0.1\", port 1 failed: refused\n"
                                       "\tIs the server running on that host?\n"))
    assert isinstance(error, NotReady)
    assert str(error) == 'connection to server at "127.0.0.1", port 1 failed: refused'
    assert str(probes.sql_error(Exception(""))) == "connection failed"


def test_sql_connect_refused_is_not_ready():
    with pytest.raises(NotReady, match="failed|refused"):
        probes.sql_connect("127.0.0.1", free_port(), "postgres", "", "postgres")


class FakeCursor:
    def __init__(self, executed):
        self.executed = executed

    def __enter__(self):
        return self

    def __exit__(self, *dummy):
        return False

    def execute(self, sql, args=None):
        self.executed.append(sql)

    def fetchone(self):
        return (1,)


class FakeConnection:
    autocommit = False

    def __init__(self):
        self.executed = []

    def cursor(self):
        return FakeCursor(self.executed)


def test_sql_select_one_runs_select_1_in_autocommit():
    conn = FakeConnection()
    probes.sql_select_one(conn)
    assert conn.autocommit is True
    assert conn.executed == ["SELECT 1"]
