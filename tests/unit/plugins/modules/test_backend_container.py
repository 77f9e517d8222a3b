"""backend_container: the podman run command line and the hints for failed starts."""

from ansible_collections.kubernaut.testinfra.plugins.modules.backend_container import hint, run_args
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule
from ansible_collections.kubernaut.testinfra.plugins.modules import backend_container


def params(**extra):
    args = dict(name="ds-postgres", image="localhost/kubernaut/pgvector:pg17-trixie", publish=["127.0.0.1:5432:5432"],
                env={"POSTGRES_USER": "postgres"}, pass_env=["POSTGRES_PASSWORD"],
                labels={"io.kubernaut.testinfra.run": "r1"}, tmpfs={"/var/lib/postgresql/data": "rw,mode=0700"},
                expire_seconds=7200, command=["postgres", "-c", "fsync=off"], port_variable="pgvector_port")
    args.update(extra)
    return LocalModule(backend_container.ARGUMENT_SPEC, args).params


def test_run_args_replace_label_expire_and_keep_secrets_off_the_command_line():
    argv = run_args(params())
    assert argv[:3] == ["podman", "run", "--detach"] and "--replace" in argv and "--pull=never" in argv
    assert argv[argv.index("POSTGRES_PASSWORD") - 1] == "--env"
    assert "POSTGRES_USER=postgres" in argv and "io.kubernaut.testinfra.run=r1" in argv
    assert argv[argv.index("--timeout") + 1] == "7200"
    assert "/var/lib/postgresql/data:rw,mode=0700" in argv
    assert argv[-4:] == ["localhost/kubernaut/pgvector:pg17-trixie", "postgres", "-c", "fsync=off"]


def test_no_expiry_without_expire_seconds():
    assert "--timeout" not in run_args(params(expire_seconds=0))


def test_hints_name_the_fix():
    taken = hint("Error: rootlessport listen tcp 127.0.0.1:5432: bind: address already in use", params())
    assert "port 5432 is taken" in taken and "-e pgvector_port=<port>" in taken
    assert "storage is full" in hint("writing blob: no space left on device", params())
    assert "no free port left" in hint("cannot assign requested address", params(publish=["127.0.0.1::5432"]))
    assert hint("something else", params()) == ""


class Inspecting(object):
    """Answers the port inspect like Podman; records the calls."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def run_command(self, argv):
        self.calls.append(argv)
        return 0, self.answer, ""

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs)


def test_fixed_host_ports_need_no_inspect_and_picked_ones_do():
    module = Inspecting('{"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "40123"}]}')
    assert backend_container.host_ports(module, params(), "id1") == {"5432/tcp": 5432}
    assert module.calls == []
    assert backend_container.host_ports(module, params(publish=["127.0.0.1::5432"]), "id1") == {"5432/tcp": 40123}
    assert backend_container.host_ports(module, params(publish=["127.0.0.1:0:5432"]), "id1") == {"5432/tcp": 40123}
    assert len(module.calls) == 2 and module.calls[0][1:3] == ["container", "inspect"]


def test_on_the_host_network_nothing_is_published_and_the_server_is_told_where_to_listen():
    host = params(network="host", publish=["127.0.0.1::5432"], listen_args=["-c", "port={port}", "-c",
                                                                            "listen_addresses={address}"])
    argv = run_args(host, [("127.0.0.1", 41234, "5432/tcp")])
    assert argv[argv.index("--network") + 1] == "host" and "--publish" not in argv
    assert "io.kubernaut.testinfra.host-port.5432/tcp=41234" in argv
    assert argv[-5:] == ["fsync=off", "-c", "port=41234", "-c", "listen_addresses=127.0.0.1"]
    everywhere = run_args(dict(host, publish=[":6379:6379"]), [("", 6379, "6379/tcp")])
    assert everywhere[-1] == "listen_addresses=0.0.0.0"


def test_a_server_with_several_ports_is_told_each_host_port():
    two = params(network="host", publish=["127.0.0.1::8080", "127.0.0.1::9090"], command=[],
                 listen_args=["--http={address}:{ports.8080}", "--metrics=:{ports.9090}", "--first={port}"])
    argv = run_args(two, [("127.0.0.1", 40001, "8080/tcp"), ("127.0.0.1", 40002, "9090/tcp")])
    assert argv[-3:] == ["--http=127.0.0.1:40001", "--metrics=:40002", "--first=40001"]


def test_on_podmans_network_listen_args_are_not_used():
    argv = run_args(params(listen_args=["-c", "port={port}"]))
    assert "--network" not in argv and argv[argv.index("--publish") + 1] == "127.0.0.1:5432:5432"
    assert "port={port}" not in argv and not any(a.startswith("io.kubernaut.testinfra.host-port") for a in argv)


def test_host_ports_picked_free_or_checked_free():
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        picked = backend_container.listen_ports(params(publish=["127.0.0.1::5432", "127.0.0.1:0:9000/udp"]))
        assert [(a, c) for a, dummy, c in picked] == [("127.0.0.1", "5432/tcp"), ("127.0.0.1", "9000/udp")]
        assert all(1024 < port != taken for dummy, port, dummy2 in picked)
        try:
            backend_container.listen_ports(params(publish=["127.0.0.1:%d:5432" % taken]))
        except backend_container.PortTaken as exc:
            message = str(exc) + hint(str(exc), params(publish=["127.0.0.1:%d:5432" % taken]))
        else:
            raise AssertionError("a port another program listens on was taken as free")
    assert "cannot listen on 127.0.0.1:%d" % taken in message
    assert "port %d is taken by another process" % taken in message and "-e pgvector_port=<port>" in message
