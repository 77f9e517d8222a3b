"""all.yml: every service at once as hosts of the in-memory inventory, one table, non-zero if any failed."""

import json
import re

from conftest import (add_fixture, control_plane_processes, kill_toolset_run_during_go_test, leftovers, run_playbook,
                      run_state_dirs)

ENVTEST = ["-e", "testinfra_cluster=envtest"]


def row(out, service):
    match = re.search(r"- '?%s\s+(\S+(?: \S+)?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)  (.*?)'?$" % service, out, re.M)
    assert match, "no row for %s in:\n%s" % (service, out)
    return match.groups()


def test_one_failing_service_does_not_stop_the_others(clean_host, service_copy):
    add_fixture(service_copy, "fails_test.go.txt", "test/integration/failing/fails_test.go")
    services = {
        "datastorage": {"backends": ["pgvector"], "packages": ["./test/integration/datastorage/..."]},
        "ai": {"backends": ["redis"], "packages": ["./test/integration/ai/..."]},
        "failing": {"backends": ["redis"], "packages": ["./test/integration/failing/..."]},
    }
    rc, out = run_playbook("all.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", json.dumps({"testinfra_services": services}))
    assert rc != 0
    assert row(out, "datastorage")[:2] == ("PASSED", "10")
    assert row(out, "ai")[:2] == ("PASSED", "12")
    assert row(out, "failing")[:4] == ("FAILED", "1", "0", "1")
    assert "services failed: 1 of 3" in out
    assert "Start etcd and kube-apiserver" not in out  # no service on envtest: no control plane launched early


def test_redis_tag_runs_only_redis_services(clean_host):
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "redis")
    assert rc == 0, out
    assert row(out, "ai")[0] == "PASSED"
    assert row(out, "gateway")[0] == "PASSED" and row(out, "gateway")[5] == "envtest, redis"
    assert row(out, "datastorage")[:2] == ("SKIPPED", "0")
    assert row(out, "toolset")[:2] == ("SKIPPED", "0")
    assert "Start PostgreSQL" not in out
    assert "services failed: 0 of 5" in out


def test_envtest_services_share_one_control_plane(clean_host):
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "envtest")
    assert rc == 0, out
    assert row(out, "toolset")[0] == "PASSED" and row(out, "gateway")[0] == "PASSED"
    servers = re.findall(r"envtest: control plane shared by the services of this run \((https://127\.0\.0\.1:\d+)\)", out)
    assert len(servers) == 2 and servers[0] == servers[1], out  # one API server for both
    # launched by all.yml's first play, before the services started; they joined it
    launched = re.search(r"Start etcd and kube-apiserver\][^\n]*\nchanged: \[localhost\]", out)
    assert launched and launched.start() < out.index("PLAY [Integration tests"), out
    assert re.search(r"Stop the control plane the services shared[^\n]*\nchanged: \[localhost\]", out), out
    # clean_host: no control plane process and no run directory is left


def test_shared_control_plane_that_cannot_start(clean_host):
    """The first play cannot launch the shared control plane: the envtest services try again and report why,
    all.yml ends non-zero with its table, and nothing is left."""
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "envtest", "-e", "envtest_kube_apiserver=/nonexistent/kube-apiserver")
    assert rc != 0
    assert "the services try again" in out, out
    assert row(out, "toolset")[0] == "NOT RUN" and row(out, "gateway")[0] == "NOT RUN"
    assert "gateway: not run (Find or build etcd and kube-apiserver: kube_apiserver /nonexistent/kube-apiserver " \
           "does not exist" in " ".join(out.split()), out
    assert "services failed: 2 of 5" in out


def test_sharing_can_be_turned_off(clean_host):
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "envtest", "-e", "testinfra_share_cluster=false")
    assert rc == 0, out
    assert "control plane shared" not in out
    assert len(re.findall(r"envtest: kube-apiserver v1\.\d+\.\d+ \(\w+\), etcd", out)) == 2, out


def test_killed_all_run_leaves_its_shared_control_plane_to_the_stale_reap(clean_host, service_copy, tmp_path):
    kill_toolset_run_during_go_test("all.yml", service_copy, tmp_path / "marker",
                                    "-e", json.dumps({"testinfra_all_services": ["toolset"]}))
    shared = [name for name in run_state_dirs() if name.startswith("all-")]
    assert len(shared) == 1 and control_plane_processes(), "the killed run should have left its shared control plane"
    rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
    assert rc == 0, out
    assert "2 run state dir(s)" in out and shared[0] in out, out  # the service's and the shared one
    assert leftovers() == []


def test_services_in_lockstep_keep_their_own_provisioning_order(clean_host):
    """Under the linear strategy the services' includes come back in one batch, and Ansible merges equal includes
    of different hosts: gateway (launch, Redis, wait, setup) then got toolset's order (wait, setup) and set up a
    control plane that its later launch replaced. Each service's includes are its own."""
    rc, out = run_playbook("all.yml", *ENVTEST, "--tags", "envtest", "-e", "testinfra_share_cluster=false",
                           "-e", "testinfra_strategy=linear")
    assert rc == 0, out
    assert row(out, "toolset")[0] == "PASSED" and row(out, "gateway")[0] == "PASSED"
    assert not re.search(r"^included: .* for \w+, \w+", out, re.M), out
