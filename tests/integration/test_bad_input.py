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
]


@pytest.mark.parametrize("args,message", CASES, ids=[c[1][:30] for c in CASES])
def test_bad_input(clean_host, args, message):
    rc, out = run_playbook("datastorage.yml", *args)
    assert rc != 0
    assert message in out, out
    assert "Start PostgreSQL" not in out


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
