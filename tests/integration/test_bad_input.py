"""Bad input: one clear message naming the fix, a non-zero exit, nothing left running."""

import pytest

from conftest import run_playbook

CASES = [
    (["-e", "testinfra_repo_dir=/nonexistent/service"],
     "testinfra_repo_dir /nonexistent/service does not exist"),
    (["-e", "testinfra_repo_dir=/tmp"], "is not a Go module (no go.mod)"),
    (["-e", '{"testinfra_service_overrides": {"packages": ["./test/integration/nothing/..."]}}'],
     "matches no Go package"),
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
    assert 'Unknown service "payments": use one of datastorage, ai' in out
