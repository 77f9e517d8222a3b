"""Bad input: one clear message naming the fix, a non-zero exit, nothing left running."""

import pytest

from conftest import run_playbook

CASES = [
    (["-e", "testinfra_repo_dir=/nonexistent/service"],
     "testinfra_repo_dir /nonexistent/service does not exist"),
    (["-e", "testinfra_repo_dir=/tmp"], "is not a Go module (no go.mod)"),
    (["-e", '{"testinfra_service_overrides": {"packages": ["./test/integration/nothing/..."]}}'],
     "lstat ./test/integration/nothing/: no such file or directory"),
    (["-e", '{"testinfra_service_overrides": {"packages": ["./test/integration"]}}'], "no Go files"),
    (["-e", "testinfra_go=/nonexistent/go"], "/nonexistent/go not found on PATH: install Go"),
    (["-e", '{"testinfra_service_overrides": {"timeout": "five minutes"}}'], "is not a Go duration"),
    (["-e", '{"testinfra_extra_backends": ["mongodb"]}'], "Unknown backend(s) mongodb"),
    # the role's argument spec (entry point main): a value that is no boolean is not taken as false
    (["-e", "testinfra_keep=maybe"], "argument 'testinfra_keep' is of type str and we were unable to convert to bool"),
]


@pytest.mark.parametrize("args,message", CASES, ids=[c[1][:30] for c in CASES])
def test_bad_input(clean_host, args, message):
    rc, out = run_playbook("datastorage.yml", *args)
    assert rc != 0
    assert message in out, out
    assert "Start PostgreSQL" not in out


# Values checked before anything starts, and images of the user's that the local build never stands in for
# (on a host without a registry the pull fails as "no such host"; with one, as "not found": the same message).
EARLY_CASES = [
    ("datastorage.yml", ["-e", "pgvector_port=99999"],
     "pgvector_port=99999 is not a port: set -e pgvector_port to a port from 1 to 65535, or 0 for a free one"),
    ("datastorage.yml", ["-e", "pgvector_ready_timeout=-5"],
     "pgvector_ready_timeout=-5 is not a positive number of seconds: set -e pgvector_ready_timeout"),
    ("ai.yml", ["-e", "redis_port=65536", "-e", "redis_ready_timeout=soon"],
     "redis_port=65536 is not a port: set -e redis_port to a port from 1 to 65535, or 0 for a free one; "
     "redis_ready_timeout=soon is not a positive number of seconds"),
    ("ai.yml", ["-e", "redis_network=bridge"],
     "redis_network=bridge is not one of host, default: set -e redis_network to one of them"),
    ("toolset.yml", ["-e", "testinfra_cluster=envtest", "-e", "envtest_ready_timeout=0"],
     "envtest_ready_timeout=0 is not a positive number of seconds"),
    ("datastorage.yml", ["-e", "testinfra_expire_seconds=-1"],
     "testinfra_expire_seconds=-1 is not a positive number of seconds"),
    ("datastorage.yml", ["-e", "pgvector_image=docker.io/library/nonexistent:1"],
     "Image docker.io/library/nonexistent:1 is not available: it is not on this host and no registry answered (or "
     "none has it)"),
    ("ai.yml", ["-e", "redis_image=docker.io/library/nonexistent:1"],
     "Image docker.io/library/nonexistent:1 is not available: it is not on this host and no registry answered (or "
     "none has it)"),
]


@pytest.mark.parametrize("playbook,args,message", EARLY_CASES, ids=[c[2][:30] for c in EARLY_CASES])
def test_bad_value_stops_before_anything_starts(clean_host, playbook, args, message):
    rc, out = run_playbook(playbook, "-e", "testinfra_isolate=true", *args)
    assert rc != 0
    flat = " ".join(out.split())
    assert message in flat, out
    if "Image" in message:
        assert "podman load -i <archive>" in flat and "podman build -t localhost/<name>" in flat, out
    for started in ("Start PostgreSQL", "Start Redis", "Start etcd and kube-apiserver", "Run go test"):
        assert started not in out, out


def test_run_filter_that_matches_nothing(clean_host):
    rc, out = run_playbook("ai.yml", "-e", "testinfra_isolate=true", "-e", "testinfra_go_test_flags=-run=Foo")
    assert rc != 0
    assert "ai: NO TESTS - 0 tests" in out, out
    assert "no test ran: -run=Foo matched nothing" in out, out
    assert "did not pass" not in out


def test_unknown_service():
    rc, out = run_playbook("service.yml", "-e", "testinfra_service=payments")
    assert rc != 0
    assert 'Unknown service "payments": use one of datastorage, ai, toolset, gateway' in out


def test_podman_missing(tmp_path):
    # A PATH with every command of /usr/bin but podman (run_playbook puts the venv before it and Go after it).
    import os
    for name in os.listdir("/usr/bin"):
        if name != "podman":
            os.symlink(os.path.join("/usr/bin", name), str(tmp_path / name))
    rc, out = run_playbook("datastorage.yml", env={"PATH": str(tmp_path)}, timeout=300)
    assert rc != 0
    assert "podman not found on PATH: install Podman (apt-get install podman) or run `make prepare`" in out


def test_container_that_exits_reports_its_log(clean_host):
    # The image refuses to initialise without a password; readiness stops at once and shows why.
    rc, out = run_playbook("datastorage.yml", "-e", "pgvector_password=")
    assert rc != 0
    assert "is not running (exited)" in out
    assert "last lines of the log of container datastorage-postgres" in out
    assert "superuser password is not specified" in out


def test_package_without_tests(clean_host, service_copy):
    store = service_copy / "internal" / "store"
    store.mkdir(parents=True)
    (store / "store.go").write_text("package store\n\n// Name is not tested.\nconst Name = \"store\"\n")
    rc, out = run_playbook("datastorage.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", '{"testinfra_service_overrides": {"packages": ["./internal/..."]}}')
    assert rc != 0
    assert "no test files in ./internal/... under %s" % service_copy in out
    assert "testinfra_services.datastorage.packages" in out
