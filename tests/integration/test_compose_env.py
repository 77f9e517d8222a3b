"""docker-compose style variables (POSTGRES_*, REDIS_HOST/REDIS_PORT) reach a suite, from the pgvector and redis
roles; a suite that hard-codes its port and credentials runs with the backends pinned to them."""

import json
import os
import re
import socket

from conftest import ROOT, add_fixture, run_playbook

PASSWORD = "compose-Pa55-hard-coded"


def service(env=None):
    return json.dumps({"testinfra_services": {"compose": {
        "backends": ["pgvector", "redis"], "packages": ["./test/integration/compose/..."], "go_test_flags": ["-v"],
        "timeout": "2m", "env": env or {}}}})


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_compose_variables_reach_the_suite(clean_host, service_copy):
    add_fixture(service_copy, "compose_env_test.go.txt", "test/integration/compose/compose_env_test.go")
    rc, out = run_playbook("service.yml", "-e", "testinfra_service=compose", "-e", service(),
                           "-e", "testinfra_repo_dir=%s" % service_copy, "-e", "testinfra_isolate=true",
                           "-e", "redis_password=%s" % PASSWORD, "-v")
    assert rc == 0, out
    assert "compose: PASSED - 2 tests: 2 passed, 0 failed, 0 skipped" in out, out
    assert PASSWORD not in out
    files = re.search(r"results: (\S+), (\S+)", out).groups()
    for path in files:  # relative to the checkout, where the playbook ran
        with open(os.path.join(ROOT, path)) as handle:
            assert PASSWORD not in handle.read(), path


def test_backends_pinned_to_what_a_suite_hard_codes(clean_host, service_copy):
    """Not isolated, with the port and credentials set with -e: the suite's fixed DSN and address answer."""
    add_fixture(service_copy, "compose_env_test.go.txt", "test/integration/compose/compose_env_test.go")
    pg_port, redis_port = free_port(), free_port()
    env = {"HARDCODED_DSN": "postgres://slm_user:%s@127.0.0.1:%d/action_history?sslmode=disable" % (PASSWORD, pg_port),
           "HARDCODED_REDIS": "127.0.0.1:%d" % redis_port}
    rc, out = run_playbook("service.yml", "-e", "testinfra_service=compose", "-e", service(env),
                           "-e", "testinfra_repo_dir=%s" % service_copy,
                           "-e", "pgvector_port=%d" % pg_port, "-e", "pgvector_user=slm_user",
                           "-e", "pgvector_password=%s" % PASSWORD, "-e", "pgvector_database=action_history",
                           "-e", "redis_port=%d" % redis_port)
    assert rc == 0, out
    assert "compose: PASSED - 2 tests: 2 passed, 0 failed, 0 skipped" in out, out
