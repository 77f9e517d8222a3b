"""No password or token in the output at any verbosity, nor in the result files (Ansible prints a task's environment
at -vvv: the secrets reach the modules and go test in 0600 files instead)."""

import re
import secrets

import pytest
from conftest import add_fixture, run_playbook

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
VERBOSITY = ["", "-v", "-vv", "-vvv", "-vvvv"]


@pytest.fixture
def passwords(tmp_path):
    """Both passwords in a vars file (on the command line, -vvvv would echo them back as the user typed them)."""
    words = {"pgvector_password": "pg-" + secrets.token_hex(12), "redis_password": "rd-" + secrets.token_hex(12)}
    path = tmp_path / "secrets.yml"
    path.write_text("".join("%s: %s\n" % item for item in words.items()))
    return path, list(words.values())


def written(artifacts):
    return "".join(p.read_text(errors="replace") for p in artifacts.rglob("*") if p.is_file())


@pytest.mark.parametrize("verbosity", VERBOSITY)
def test_passwords_are_printed_at_no_verbosity(clean_host, passwords, tmp_path, verbosity):
    path, words = passwords
    artifacts = tmp_path / "results"
    args = ["-e", "@%s" % path, "-e", '{"testinfra_extra_backends": ["redis"]}',
            "-e", "testinfra_artifacts_dir=%s" % artifacts] + ([verbosity] if verbosity else [])
    rc, out = run_playbook("datastorage.yml", *args)
    assert rc == 0, out
    assert "datastorage: PASSED" in out
    if verbosity == "-vvv":
        assert "<127.0.0.1> EXEC" in out or "ESTABLISH LOCAL CONNECTION" in out  # the level that prints commands
    for word in words:
        assert word not in out, "%s printed at %s" % (word, verbosity or "default verbosity")
        assert word not in written(artifacts)


def test_a_failing_run_prints_and_writes_no_password_at_vvvv(clean_host, passwords, service_copy, tmp_path):
    path, words = passwords
    add_fixture(service_copy, "failing_spec_test.go.txt", "test/integration/datastorage/failing_spec_test.go")
    artifacts = tmp_path / "results"
    rc, out = run_playbook("datastorage.yml", "-vvvv", "-e", "@%s" % path, "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", '{"testinfra_extra_backends": ["redis"]}', "-e", "testinfra_artifacts_dir=%s" % artifacts)
    assert rc != 0 and "datastorage: FAILED" in out, out
    assert (artifacts / "logs" / "pgvector.log").exists()
    for word in words:
        assert word not in out and word not in written(artifacts)


def test_service_account_tokens_are_printed_at_no_verbosity(clean_host, tmp_path):
    artifacts = tmp_path / "results"
    rc, out = run_playbook("gateway.yml", "-vvvv", "-e", "testinfra_cluster=envtest",
                           "-e", "testinfra_artifacts_dir=%s" % artifacts)
    assert rc == 0, out
    assert "gateway: PASSED" in out
    assert not JWT.search(out), JWT.search(out).group(0)[:20]
    assert not JWT.search(written(artifacts))
