"""generic_backend.entry: a testinfra_backends entry checked and planned, and the role's result."""

import os

import pytest
import yaml

from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.entry import (
    ENTRY_FIELDS, normalize_image, plan, result)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
with open(os.path.join(ROOT, "roles", "container", "defaults", "main.yml")) as handle:
    SHIPPED = yaml.safe_load(handle)["container_builtin_backends"]
RECIPES = {"docker.io/library/postgres:16": "postgres", "docker.io/valkey/valkey:8": "valkey"}
LABELS = {"io.kubernaut.testinfra.run": "r1", "io.kubernaut.testinfra.owner": "alice",
          "io.kubernaut.testinfra.keep": "false"}


def backend(name="postgres", entry=None, **extra):
    data = dict(name=name, service="datastorage", run_id="r1", run_dir="/run/dir", labels=LABELS, isolate=False,
                keep=False, expire_seconds=600, secret="", entry=SHIPPED.get(name) if entry is None else entry)
    data.update(extra)
    return data


def test_the_shipped_entries_are_good_and_export_what_kubernaut_suites_read():
    for name in SHIPPED:
        assert plan(backend(name), RECIPES)["errors"] == []
    pg = result(plan(backend("postgres"), RECIPES), "postgres", started={"ports": {"5432/tcp": 5432}},
                ready={"ready_seconds": 0.4})["env"]
    assert pg == {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres", "PGPASSWORD": "postgres",
                  "PGDATABASE": "postgres", "PGSSLMODE": "disable",
                  "DATABASE_URL": "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable",
                  "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432", "POSTGRES_USER": "postgres",
                  "POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "postgres"}
    valkey = result(plan(backend("valkey"), RECIPES), "", started={"ports": {"6379/tcp": 6379}},
                    ready={"ready_seconds": 0.01})["env"]
    assert valkey == {"REDIS_ADDR": "127.0.0.1:6379", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
                      "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PASSWORD": ""}


def test_not_isolated_publishes_on_the_container_port_or_the_pinned_one():
    assert plan(backend("postgres"))["publish"] == ["127.0.0.1:5432:5432"]
    pinned = dict(SHIPPED["postgres"], ports=["15432:5432"])
    assert plan(backend("postgres", pinned))["publish"] == ["127.0.0.1:15432:5432"]
    pinned = dict(SHIPPED["postgres"], host_port=15433)
    assert plan(backend("postgres", pinned))["publish"] == ["127.0.0.1:15433:5432"]
    free = dict(SHIPPED["postgres"], host_port=0, bind_address="0.0.0.0")
    assert plan(backend("postgres", free))["publish"] == ["0.0.0.0::5432"]
    assert plan(backend("postgres", free))["client_host"] == "127.0.0.1"


def test_isolated_runs_get_free_ports_and_the_run_id_or_owner_in_the_name():
    pinned = dict(SHIPPED["postgres"], ports=["15432:5432", 8080])
    isolated = plan(backend("postgres", pinned, isolate=True))
    assert isolated["publish"] == ["127.0.0.1::5432", "127.0.0.1::8080"]
    assert isolated["container"] == "datastorage-postgres-r1"
    assert plan(backend("postgres", isolate=True, keep=True))["container"] == "datastorage-postgres-alice"
    assert plan(backend("postgres", keep=True))["container"] == "datastorage-postgres"


def test_the_plan_holds_no_password_and_labels_the_container():
    planned = plan(backend("postgres", secret="s3cret", isolate=True), RECIPES)
    assert "postgres" not in [v for k, v in planned.items() if k == "password"]
    assert "s3cret" not in repr(planned)
    assert planned["labels"]["io.kubernaut.testinfra.backend"] == "postgres"
    assert planned["labels"]["io.kubernaut.testinfra.run"] == "r1"
    assert planned["env"] == {"POSTGRES_USER": "postgres", "POSTGRES_DB": "postgres", "POSTGRES_INITDB_ARGS": "--no-sync --auth-host=scram-sha-256"}
    assert planned["secret"] == "POSTGRES_PASSWORD" and planned["takes_secret"]
    assert planned["env_file"] == "/run/dir/postgres.env"
    assert planned["recipe"] == "postgres"


@pytest.mark.parametrize("image,expected", [
    ("postgres:16", "docker.io/library/postgres:16"), ("valkey/valkey:8", "docker.io/valkey/valkey:8"),
    ("docker.io/library/postgres:16", "docker.io/library/postgres:16"), ("quay.io/x/y", "quay.io/x/y:latest"),
    ("localhost/kubernaut/redis:trixie", "localhost/kubernaut/redis:trixie"),
    ("registry:5000/x/y:1", "registry:5000/x/y:1"), ("x@sha256:abc", "docker.io/library/x@sha256:abc")])
def test_normalize_image(image, expected):
    assert normalize_image(image) == expected


def test_short_upstream_names_still_get_the_local_stand_in_and_are_pulled_fully_qualified():
    short = plan(backend("postgres", dict(SHIPPED["postgres"], image="postgres:16")), RECIPES)
    assert short["recipe"] == "postgres" and short["upstream"] == "docker.io/library/postgres:16"
    assert short["images"] == ["docker.io/library/postgres:16", "postgres:16"]
    other = plan(backend("postgres", dict(SHIPPED["postgres"], image="postgres:17")), RECIPES)
    assert other["recipe"] == "" and other["upstream"] == "postgres:17"  # never substituted, pulled as named


def test_the_backend_and_collection_labels_are_the_roles():
    planned = plan(backend("valkey", labels=dict(LABELS, **{"io.kubernaut.testinfra.backend": "x"})))
    assert planned["labels"]["io.kubernaut.testinfra.backend"] == "valkey"


REDIS = {"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "ready": {"probe": "redis"},
         "exports": {"REDIS_ADDR": "${host}:${port}"}}


@pytest.mark.parametrize("entry,message", [
    ({"ports": [6379]}, "testinfra_backends.cache.image is missing: set it to the image to run"),
    (dict(REDIS, ready={"probe": "smoke"}), "testinfra_backends.cache.ready.probe 'smoke' is not a probe: use one of"),
    (dict(REDIS, exports={"REDIS_ADDR": "${hostname}:${port}"}),
     "testinfra_backends.cache.exports.REDIS_ADDR: ${hostname} names no field: use ${host}"),
    (dict(REDIS, exports={"X": "${ports.6380}"}), "exports.X: ${ports.6380} names no port of the entry (ports: 6379)"),
    (dict(REDIS, exports={"bad-name": "x"}), "exports: 'bad-name' is not a variable name"),
    (dict(REDIS, exports={"X": ["a"]}), "exports.X must be a template string"),
    (dict(REDIS, imagee="x"), "testinfra_backends.cache.imagee is not a field of a backend entry: the fields are"),
    (dict(REDIS, ports=["port 80"]), "ports: 'port 80' is not a port"),
    (dict(REDIS, ports=[6379, 6379]), "ports lists port 6379 twice"),
    (dict(REDIS, ports=[70000]), "ports: 70000 is not a port"),
    (dict(REDIS, host_port="x"), "host_port 'x' is not a port number"),
    (dict(REDIS, ports=["16379:6379"], host_port=1), "host_port and testinfra_backends.cache.ports both pin"),
    (dict(REDIS, env={"PASSWORD": "${password}"}), "env.PASSWORD: ${password} cannot go into the container's env"),
    (dict(REDIS, command=["--port", "${port}"]), "command[1]: ${port} is not known before the container starts"),
    (dict(REDIS, env=["A=1"]), "env must be a dict"),
    (dict(REDIS, secret="not a name"), "secret 'not a name' is not a variable name"),
    (dict(REDIS, secret_arg="requirepass"), "secret_arg 'requirepass' is not a flag"),
    (dict(REDIS, tmpfs={"data": "rw"}), "tmpfs: 'data': 'rw' is not an absolute path"),
    (dict(REDIS, ready={"probe": "sql"}), "testinfra_backends.cache.user is missing: the sql probe logs in"),
    (dict(REDIS, user=["u"]), "testinfra_backends.cache.user must be a string"),
    (dict(REDIS, network="bridge"), "network 'bridge' is not one of host, default"),
    (dict(REDIS, network="host"), "network is host but listen is empty: give the arguments that tell the server"),
    (dict(REDIS, network="host", ports=[], ready={"probe": "log", "pattern": "Ready"}, listen=["--port", "1"]),
     "network is host but the entry lists no ports"),
    (dict(REDIS, network="host", listen=["--bind", "${host}"]), "listen[1]: ${host} is the address tests connect to"),
    (dict(REDIS, network="host", listen=["--port", "${ports.6380}"]), "listen[1]: ${ports.6380} names no port"),
    (dict(REDIS, network="host", listen=["--requirepass", "${password}"]), "listen[1]: ${password} cannot go into"),
    (dict(REDIS, network="host", listen={"port": 1}), "listen must be a list of arguments"),
])
def test_each_bad_entry_gets_one_message_naming_backend_field_and_fix(entry, message):
    errors = plan(backend("cache", entry))["errors"]
    assert len(errors) == 1 and message in errors[0], errors


def test_a_missing_entry_or_contract():
    assert "testinfra_backends.nope: no such backend" in plan(backend("nope"))["errors"][0]
    assert "testinfra_backend must be a dict" in plan(None)["errors"][0]
    assert "cannot name a container" in plan(backend("a b", REDIS))["errors"][0]


def test_every_documented_field_is_known():
    spec = os.path.join(ROOT, "roles", "container", "meta", "argument_specs.yml")
    with open(spec) as handle:
        text = handle.read()
    docs = os.path.join(ROOT, "docs", "generic-backends.md")
    with open(docs) as handle:
        guide = handle.read()
    for field in ENTRY_FIELDS:
        assert "C(%s)" % field in text, field
        assert "`%s`" % field in guide, field


def test_result_before_the_start_names_the_container_and_the_secrets_but_no_env():
    planned = plan(backend("postgres", secret="a/b", isolate=True), RECIPES)
    pending = result(planned, "a/b")
    assert pending["env"] == {} and pending["secrets"] == ["a/b", "a%2Fb"]
    assert pending["resources"] == {"containers": ["datastorage-postgres-r1"]}
    assert pending["logs"] == [{"name": "postgres", "container": "datastorage-postgres-r1"}]
    assert pending["summary"] == "" and pending["reused"] is False
    bad = result(plan(backend("cache", {"ports": [1]})), "")
    assert bad["resources"] == {"containers": []} and bad["logs"] == []


def test_result_of_a_local_stand_in_says_so():
    planned = plan(backend("postgres", secret="pw", isolate=True), RECIPES)
    done = result(planned, "pw", image={"ref": "localhost/kubernaut/postgres:17-trixie", "source_used": "local",
                                        "upstream_error": "dial tcp: no such host"},
                  started={"ports": {"5432/tcp": 41234}}, kept={"skipped": True},
                  ready={"ready_seconds": 0.75, "server_version": "17.6 (Debian 17.6-0+deb13u1)"})
    assert done["env"]["DATABASE_URL"] == "postgres://postgres:pw@127.0.0.1:41234/postgres?sslmode=disable"
    assert done["versions"] == {"image": "localhost/kubernaut/postgres:17-trixie",
                                "server_version": "17.6 (Debian 17.6-0+deb13u1)"}
    assert done["summary"] == ("postgres: PostgreSQL 17.6 (Debian 17.6-0+deb13u1) in localhost/kubernaut/postgres:17-trixie, "
                               "built locally from Debian packages instead of docker.io/library/postgres:16 "
                               "(no registry answered); answered SQL (SELECT 1) 0.75 s after start")
    assert done["ready_seconds"] == 0.75 and done["reused"] is False


def test_result_of_a_reused_container_reads_its_ports_and_password():
    planned = plan(backend("valkey", secret="new", isolate=True, keep=True), RECIPES)
    reused = result(planned, "new", image={"skipped": True}, started={"skipped": True}, ready={"skipped": True},
                    kept={"reused": True, "ports": {"6379/tcp": 40000}, "password": "old",
                          "image": "localhost/kubernaut/valkey:trixie", "ready_seconds": 0.01,
                          "server_version": "valkey 8.1.1"})
    assert reused["env"]["REDIS_URL"] == "redis://:old@127.0.0.1:40000/0"
    assert reused["secrets"] == ["old"] and reused["reused"] is True and reused["kept"] is True
    assert reused["summary"] == "valkey: kept container datastorage-valkey-alice reused (valkey 8.1.1)"
    not_reused = result(planned, "new", kept={"reused": False, "reason": "no container"},
                        started={"ports": {"6379/tcp": 40001}}, ready={"ready_seconds": 0.02})
    assert not_reused["env"]["REDIS_PASSWORD"] == "new" and not_reused["reused"] is False


def test_on_the_host_network_the_server_is_told_its_address_and_port_and_nothing_is_published_twice():
    entry = dict(REDIS, ports=[6379, 16379], network="host",
                 listen="--port ${port} --bind ${address} --cluster-port ${ports.16379} --name ${name}")
    planned = plan(backend("cache", entry, isolate=True))
    assert planned["errors"] == []
    assert planned["network"] == "host"
    # backend_container fills in the host address and ports it picked (free ones, isolated)
    assert planned["listen"] == ["--port", "{port}", "--bind", "{address}", "--cluster-port", "{ports.16379}",
                                 "--name", "cache"]
    assert planned["publish"] == ["127.0.0.1::6379", "127.0.0.1::16379"]
    # the exports read the host ports backend_container returns, as on Podman's network
    env = result(planned, "", started={"ports": {"6379/tcp": 41000, "16379/tcp": 41001}},
                 ready={"ready_seconds": 0.01})["env"]
    assert env == {"REDIS_ADDR": "127.0.0.1:41000"}


def test_network_default_ignores_listen_and_the_shipped_entries_use_the_hosts():
    assert plan(backend("cache", dict(REDIS, listen=["--port", "${port}"])))["listen"] == []
    assert plan(backend("cache", dict(REDIS, listen=["--port", "${port}"])))["network"] == "default"
    for name in SHIPPED:
        planned = plan(backend(name), RECIPES)
        listen = " ".join(planned["listen"])
        assert planned["network"] == "host" and "{port}" in listen and "{address}" in listen, name
        assert plan(backend(name, dict(SHIPPED[name], network="default")), RECIPES)["listen"] == []
