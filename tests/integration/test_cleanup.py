"""The cleanup backstops: a stale-reap never touches a run whose ansible-playbook is alive."""

import json
import os
import subprocess
import sys
import time

from conftest import ROOT, add_fixture, run_playbook


def test_stale_reap_leaves_a_live_run_alone(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "outlives_reap_test.go.txt", "test/integration/ai/outlives_reap_test.go")
    marker = tmp_path / "reaped"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    live = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(ROOT, "playbooks", "ai.yml"),
         "-e", "testinfra_repo_dir=%s" % service_copy,
         "-e", json.dumps({"testinfra_go_test_flags": ["-run=TestOutlivesAStaleReap"],
                           "testinfra_env": {"TESTINFRA_REAPED_MARKER": str(marker)}})],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        while "ai-redis" not in subprocess.run(["podman", "ps", "--format", "{{.Names}}"], capture_output=True,
                                               text=True).stdout.split():
            assert time.time() < deadline and live.poll() is None, live.communicate()[0]
            time.sleep(0.2)
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup=stale")
        assert rc == 0, out
        assert "Removed 0 container(s)" in out, out
    finally:
        marker.write_text("done")
        output = live.communicate(timeout=300)[0]
    assert live.returncode == 0, output
    assert "ai: PASSED - 1 test: 1 passed" in output
