"""The cleanup backstops: a stale-reap never touches a run whose ansible-playbook is alive."""

import json
import subprocess
import time

from conftest import add_fixture, podman_names, removed_containers, run_playbook, start_playbook


def test_stale_reap_leaves_a_live_run_alone(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "outlives_reap_test.go.txt", "test/integration/ai/outlives_reap_test.go")
    marker = tmp_path / "reaped"
    live = start_playbook(
        "ai.yml", "-e", "testinfra_repo_dir=%s" % service_copy,
        "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestOutlivesAStaleReap"],
                          "testinfra_env": {"TESTINFRA_REAPED_MARKER": str(marker)}}))
    try:
        deadline = time.time() + 120
        while "ai-redis" not in podman_names():  # this run's container (another user's ai-redis is not)
            assert time.time() < deadline and live.poll() is None, live.communicate()[0]
            time.sleep(0.2)
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
        assert rc == 0, out
        # Stale runs of others on a shared host may be removed too; the live run's container is not.
        assert "Removed " in out and "ai-redis" not in removed_containers(out), out
        running = subprocess.run(["podman", "inspect", "--format", "{{.State.Running}}", "ai-redis"],
                                 capture_output=True, text=True, check=False).stdout.strip()
        assert running == "true"
    finally:
        marker.write_text("done")
        output = live.communicate(timeout=300)[0]
    assert live.returncode == 0, output
    assert "ai: PASSED - 1 test: 1 passed" in output
