"""module_utils/plan: selection, provision order, merged backend results, phases and all.yml's table, with the
registry the orchestrating role ships (roles/testinfra/vars/main.yml)."""

import os

import pytest
import yaml

from ansible_collections.kubernaut.testinfra.plugins.module_utils.plan import provision, results, selection, table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
with open(os.path.join(ROOT, "roles", "testinfra", "vars", "main.yml")) as handle:
    REGISTRY = yaml.safe_load(handle)["_testinfra_registry"]
with open(os.path.join(ROOT, "roles", "container", "defaults", "main.yml")) as handle:
    GENERIC = yaml.safe_load(handle)["container_builtin_backends"]
with open(os.path.join(ROOT, "roles", "testinfra", "defaults", "main.yml")) as handle:
    SERVICES = yaml.safe_load(handle)["testinfra_services"]
SETUP = {"role": "testinfra", "tasks_from": "cluster.yml"}


def select(service, run_tags=("all",), skip_tags=(), cluster="", extra=(), generic=None, **more):
    data = dict(builtin=REGISTRY, generic=GENERIC if generic is None else generic, service=service,
                services=list(SERVICES), service_entry=SERVICES.get(service, {}), extra_backends=list(extra),
                cluster=cluster, run_tags=list(run_tags), skip_tags=list(skip_tags))
    data.update(more)
    return selection.select(data)


def test_cluster_stands_for_the_run_cluster_backend():
    assert select("toolset")["backends"] == ["kind"]  # the registry's default cluster, the seed's choice
    assert select("toolset", cluster="envtest")["backends"] == ["envtest"]
    assert select("gateway", run_tags=["envtest"])["selected"] == ["envtest", "redis"]


def test_tags_select_whole_services():
    assert select("ai", run_tags=["redis"])["selected"] == ["redis"]
    assert select("datastorage", run_tags=["redis"])["selected"] == []
    assert select("gateway", run_tags=["redis"], cluster="envtest")["selected"] == ["envtest", "redis"]
    assert select("gateway", skip_tags=["redis"], cluster="envtest")["selected"] == []
    assert select("ai", run_tags=["ai"])["selected"] == ["redis"]


def test_unknown_tags_and_backends_get_one_message_each():
    sel = select("ai", run_tags=["rdis"])
    assert sel["unknown_tags"] == ["rdis"]
    assert "redis" in sel["valid_tags"] and "ai" in sel["valid_tags"] and "always" not in sel["valid_tags"]
    sel = select("ai", extra=["mongo"])
    assert sel["errors"] == ["Unknown backend(s) mongo for service ai: use any of "
                             + ", ".join(list(sel["known"]))]
    sel = select("toolset", cluster="minikube")
    assert sel["errors"] == ['Unknown cluster backend "minikube": use -e testinfra_cluster=kind, envtest or existing']


def test_generic_entries_join_the_registry_but_never_shadow_a_builtin():
    sel = select("ai", extra=["valkey"], generic=dict(GENERIC, redis={"image": "x"}))
    assert sel["generic"] == ["valkey"] and sel["registry"]["valkey"]["role"] == "container"
    # the selected ones' entries, for the provisioning loop and the checks (no second read of the entries)
    assert sel["generic_entries"] == {"valkey": GENERIC["valkey"]}
    assert sel["registry"]["redis"]["role"] == "redis"
    assert "container" not in sel["known"]  # the runner of generic entries is no backend
    assert sel["podman"] is True


def test_envtest_alone_needs_no_podman():
    assert select("toolset", cluster="envtest")["podman"] is False


def test_port_checks_only_for_fixed_ports():
    sel = select("gateway", cluster="envtest")
    values = dict((name, "") for name in sel["port_variables"])
    assert selection.port_checks(sel["registry"], sel["selected"], values, False) == [
        {"backend": "redis", "host": "127.0.0.1", "port": 6379, "variable": "redis_port"}]
    assert selection.port_checks(sel["registry"], sel["selected"], values, True)[0]["port"] == 0
    values["redis_port"], values["redis_bind_address"] = 7000, "127.0.0.2"
    assert selection.port_checks(sel["registry"], sel["selected"], values, True)[0] == {
        "backend": "redis", "host": "127.0.0.2", "port": 7000, "variable": "redis_port"}


def test_all_yml_gets_every_service_selection():
    sel = select("", all_services=list(SERVICES), entries=SERVICES, cluster="envtest", run_tags=["redis"])
    assert sel["selections"] == {"datastorage": [], "ai": ["redis"], "toolset": [], "gateway": ["envtest", "redis"],
                                 "inprocess": []}


def roles_of(items):
    return [(item["role"], item["tasks_from"], item["wait"]) for item in items]


def test_provision_order_launches_a_control_plane_first_and_joins_it_last():
    known = select("gateway")["registry"]
    items = provision.provision(known, ["envtest", "redis", "valkey"], "gateway", SETUP)
    assert roles_of(items) == [("envtest", "backend", False), ("redis", "backend", True),
                               ("container", "main", True), ("envtest", "backend", True),
                               ("testinfra", "cluster.yml", True)]
    assert [item["label"] for item in items] == ["envtest (launch)", "redis", "valkey", "envtest", "cluster setup"]
    assert {item["service"] for item in items} == {"gateway"}  # equal includes of two hosts never merge


def test_provision_alone_or_launched_by_all_yml_needs_no_launch():
    known = select("toolset")["registry"]
    assert roles_of(provision.provision(known, ["envtest"], "toolset", SETUP))[0] == ("envtest", "backend", True)
    items = provision.provision(known, ["envtest", "redis"], "gateway", SETUP, launched=True)
    assert [item["label"] for item in items] == ["redis", "envtest", "cluster setup"]


def test_check_mode_sets_up_only_a_cluster_that_exists_without_the_run():
    known = select("toolset")["registry"]
    assert provision.provision(known, ["kind"], "toolset", SETUP, check_mode=True)[-1]["label"] == "kind"
    assert provision.provision(known, ["existing"], "toolset", SETUP, check_mode=True)[-1]["label"] == "cluster setup"
    assert provision.provision(known, ["redis"], "ai", SETUP) == [
        {"role": "redis", "tasks_from": "backend", "name": "redis", "wait": True, "label": "redis", "service": "ai"}]


def test_each_item_carries_the_contract_input_with_its_name_wait_and_generic_entry():
    known = select("gateway")["registry"]
    run = {"service": "gateway", "run_id": "r1", "isolate": True, "secret": "s3cret"}
    items = provision.provision(known, ["envtest", "redis", "valkey"], "gateway", SETUP, backend_input=run,
                                generic=GENERIC)
    backends = [item["backend"] for item in items]
    assert [(b["name"], b["wait"]) for b in backends] == [("envtest", False), ("redis", True), ("valkey", True),
                                                          ("envtest", True), ("", True)]
    assert backends[2]["entry"] == GENERIC["valkey"] and backends[1]["entry"] == {}
    assert all(b["run_id"] == "r1" and b["secret"] == "s3cret" for b in backends)
    assert "name" not in run  # the run's input is not changed
    assert "backend" not in provision.provision(known, ["redis"], "ai", SETUP)[0]


def test_shared_launch_names_the_services_that_share():
    known = select("toolset")["registry"]
    assert provision.shared_launch(known, {"toolset": ["envtest"], "gateway": ["envtest", "redis"], "ai": ["redis"]}) \
        == [{"name": "envtest", "role": "envtest", "tasks_from": "backend", "services": ["toolset", "gateway"]}]
    assert provision.shared_launch(known, {"ai": ["redis"]}) == []


def result(name, **fields):
    base = dict(name=name, env={}, secrets=[], resources={}, held=[], logs=[], ready_seconds=0, versions={},
                summary="", reused=False, kept=False)
    base.update(fields)
    return base


def test_results_merge_for_the_tests_and_the_report():
    answers = {
        "envtest": result("envtest", env={"KUBECONFIG": "/r/envtest/kubeconfig"}, kubeconfig="/r/envtest/kubeconfig",
                          state_dir="/r/envtest", readyz=True, ready_seconds="0.87", summary="envtest: ...",
                          held=["envtest /r/envtest"], versions={"etcd": "3.5.16"},
                          logs=[{"name": "etcd", "path": "/r/envtest/etcd.log"}]),
        "redis": result("redis", env={"REDIS_ADDR": "127.0.0.1:1234", "REDIS_PASSWORD": "pw"}, secrets=["pw", ""],
                        resources={"containers": ["gw-redis"]}, held=["gw-redis"], ready_seconds=0.011, reused=True,
                        logs=[{"name": "redis", "container": "gw-redis"}]),
        "valkey": result("valkey", env={"VALKEY_ADDR": "127.0.0.1:99"}, secrets=["pw", "p%2F"], summary="valkey: line",
                         resources={"containers": ["gw-valkey"]}, held=["gw-valkey"], ready_seconds=0.5),
    }
    merged = results.merge(answers, ["envtest", "redis", "valkey"], ["kind", "envtest", "existing"])
    assert merged["env"] == {"KUBECONFIG": "/r/envtest/kubeconfig", "REDIS_ADDR": "127.0.0.1:1234",
                             "REDIS_PASSWORD": "pw", "VALKEY_ADDR": "127.0.0.1:99"}
    assert merged["secrets"] == ["pw", "p%2F"]
    assert merged["containers"] == {"redis": "gw-redis", "valkey": "gw-valkey"}
    assert merged["ready_seconds"] == 1.38
    assert merged["cluster_line"] == "envtest: ..." and merged["backend_lines"] == ["valkey: line"]
    assert merged["kubeconfig"] == "/r/envtest/kubeconfig" and merged["cluster_state_dir"] == "/r/envtest"
    assert merged["readyz"] is True
    assert [log["name"] for log in merged["logs"]] == ["etcd", "redis"]
    assert merged["keep_line"] == ("kept for the next run (testinfra_keep): envtest /r/envtest, gw-redis, gw-valkey; "
                                   "reused: redis. End them with playbooks/cleanup.yml (make cleanup).")


def test_results_of_no_backend():
    merged = results.merge({}, [], [])
    assert merged["env"] == {} and merged["kubeconfig"] == "" and merged["readyz"] is False
    assert "reused: none" in merged["keep_line"]


def test_phases_name_only_what_happened():
    assert table.phases(started=10.0, tests=14.5, cleanup=20.25, ready=1.5, now=21.0) == {
        "provision": 3.0, "ready": 1.5, "test": 5.75, "cleanup": 0.75}
    assert table.phases(started=10.0, ready=0) == {}
    assert table.phases(started=10.0, tests=12.0) == {"provision": 2.0, "ready": 0.0}


def test_services_table_counts_services_that_never_reported():
    rows = [{"service": "ai", "state": "PASSED", "total": 12, "passed": 12, "failed": 0, "skipped": 0,
             "backends": ["redis"], "ok": True},
            {"service": "gateway", "state": "FAILED", "total": 29, "passed": 28, "failed": 1, "skipped": 0,
             "backends": ["envtest", "redis"], "ok": False}, {}]
    out = table.services_table(rows, ["ai", "gateway", "toolset"])
    assert out["lines"][0].split() == ["service", "result", "tests", "passed", "failed", "skip", "backends"]
    assert out["lines"][2].split() == ["gateway", "FAILED", "29", "28", "1", "0", "envtest,", "redis"]
    assert out["lines"][3] == "toolset  NOT RUN (failed before its report; see above)"
    assert out["lines"][-1] == "services failed: 2 of 3"
    assert out["failed"] == ["gateway", "toolset"]


def test_services_go_round_robin_to_lab_hosts_and_the_table_names_them():
    assert table.placement(["datastorage", "ai", "toolset"], ["lab1", "lab2"]) == {
        "datastorage": "lab1", "ai": "lab2", "toolset": "lab1"}
    assert table.placement(["ai"], []) == {}
    rows = [{"service": "ai", "state": "PASSED", "total": 12, "passed": 12, "failed": 0, "skipped": 0,
             "backends": ["redis"], "ok": True}, {}]
    out = table.services_table(rows, ["ai", "toolset"], {"ai": "lab1", "toolset": "lab3"})
    assert out["lines"][0].split()[-1] == "host"
    assert out["lines"][1].endswith("  on lab1")
    assert out["lines"][2] == "toolset  NOT RUN on lab3 (unreachable or failed before its report; see above)"
    assert out["failed"] == ["toolset"]


def test_services_go_to_the_least_loaded_lab_host_by_their_last_durations():
    last = {"gateway": 30.0, "toolset": 25.0, "ai": 8.0, "datastorage": 9.0}
    assert table.placement(["datastorage", "ai", "toolset", "gateway"], ["lab1", "lab2"], last) == {
        "gateway": "lab1", "toolset": "lab2", "datastorage": "lab2", "ai": "lab1"}
    # a service without a figure counts as the mean of the others
    assert table.placement(["a", "b", "new"], ["h1", "h2"], {"a": 10, "b": 2}) == {"a": "h1", "new": "h2", "b": "h2"}
    rows = [{"service": "ai", "phases": {"provision": 1.0, "test": 2.5}}, {}, {"service": "x", "phases": {}}]
    assert table.durations(rows, {"gateway": 30.0, "ai": 1.0}) == {"gateway": 30.0, "ai": 3.5}
