"""Generic container backends through the service playbooks: a service whose backends are data (testinfra_backends)
provisions, tests and cleans up like one on the built-in roles - isolated, in keep mode, after a SIGKILL."""

import json
import signal
import subprocess
import time

import pytest
from conftest import add_fixture, go_test_running, run_playbook, start_playbook

# The local Redis image as data: the redis probe, and only the variable the issue asks for.
CACHE = {"cache": {"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "command": ["redis-server", "--save", ""],
                   "secret_arg": "--requirepass", "password": "",
                   "ready": {"probe": "redis", "timeout": 30}, "exports": {"REDIS_ADDR": "${host}:${port}",
                                                                          "REDIS_PASSWORD": "${password}"}}}


def on(*backends, entries=None):
    """-e arguments that run the ai service (a go-redis suite) on ``backends``."""
    extra = {"testinfra_service_overrides": {"backends": list(backends)}}
    if entries:
        extra["testinfra_backends"] = entries
    return ["-e", json.dumps(extra)]


def containers(prefix):
    names = subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                           check=True).stdout.split()
    return [n for n in names if n.startswith(prefix)]


@pytest.fixture(scope="module", autouse=True)
def redis_image():
    """The local Redis image the CACHE entry names (built by the redis role when it is missing)."""
    if subprocess.run(["podman", "image", "exists", CACHE["cache"]["image"]]).returncode != 0:
        rc, out = run_playbook("ai.yml")
        assert rc == 0, out


def test_ai_suite_passes_on_the_shipped_valkey_entry(clean_host):
    rc, out = run_playbook("ai.yml", *on("valkey"))
    assert rc == 0, out
    assert "ai: PASSED - 12 tests: 12 passed" in out
    assert "valkey" in out.split("ai: PASSED", 1)[1].split("phases:", 1)[0]  # the backend's line in the report
    assert containers("ai-valkey") == []


def test_local_redis_image_as_data_isolated_twice_at_once(clean_host):
    runs = [start_playbook("ai.yml", *on("cache", entries=CACHE), "-e", "testinfra_isolate=true") for dummy in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, out in zip(runs, outputs):
        assert run.returncode == 0, out
        assert "ai: PASSED - 12 tests: 12 passed" in out
    assert containers("ai-cache") == []


def test_keep_mode_reuses_the_generic_backend_and_cleanup_ends_it(clean_host):
    rc, out = run_playbook("ai.yml", *on("cache", entries=CACHE), "-e", "testinfra_keep=true")
    assert rc == 0, out
    assert "kept for the next run (testinfra_keep): ai-cache; reused: none" in out
    rc, out = run_playbook("ai.yml", *on("cache", entries=CACHE), "-e", "testinfra_keep=true")
    assert rc == 0, out
    assert "ai: PASSED" in out and "reused: cache" in out
    rc, out = run_playbook("cleanup.yml")
    assert rc == 0, out
    assert "ai-cache" in out and containers("ai-cache") == []


def test_sigkill_during_the_tests_then_cleanup_leaves_nothing(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "outlives_reap_test.go.txt", "test/integration/ai/outlives_reap_test.go")
    marker = tmp_path / "never"
    run = start_playbook("ai.yml", *on("cache", entries=CACHE), "-e", "testinfra_repo_dir=%s" % service_copy,
                         "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestOutlivesAStaleReap"],
                                           "testinfra_env": {"TESTINFRA_REAPED_MARKER": str(marker)}}))
    try:
        deadline = time.time() + 180
        while not go_test_running(run.controller):
            assert time.time() < deadline and run.poll() is None, run.communicate()[0]
            time.sleep(0.2)
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        marker.write_text("done")
    assert containers("ai-cache")  # the killed run could not clean up
    rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
    assert rc == 0, out
    assert containers("ai-cache") == []


@pytest.mark.parametrize("entry, message", [
    ({"ports": [6379], "ready": {"probe": "redis"}}, "image"),
    ({"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "ready": {"probe": "smoke"}}, "smoke"),
    ({"image": "localhost/kubernaut/redis:trixie", "ports": [6379], "ready": {"probe": "redis"},
      "exports": {"REDIS_ADDR": "${hostname}:${port}"}}, "hostname"),
])
def test_a_bad_entry_gets_one_message_and_starts_nothing(clean_host, entry, message):
    rc, out = run_playbook("datastorage.yml", "-e", json.dumps({"testinfra_extra_backends": ["bad"],
                                                                "testinfra_backends": {"bad": entry}}))
    assert rc != 0, out
    failure = [line for line in out.splitlines() if line.startswith("[ERROR]")][0]
    assert "bad" in failure and message in failure, failure
    assert "TASK [kubernaut.testinfra.pgvector" not in out  # checked before any backend started
