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
