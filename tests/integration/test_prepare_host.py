"""prepare_host.yml: idempotent on a prepared host, and the cleanup playbook is safe to run any time."""

import re

from conftest import leftovers, run_playbook


def test_prepare_host_twice_changes_nothing():
    rc, out = run_playbook("prepare_host.yml")
    assert rc == 0, out
    rc, out = run_playbook("prepare_host.yml")
    assert rc == 0, out
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out


def test_cleanup_playbook_removes_ours_only(clean_host):
    import subprocess
    subprocess.run(["podman", "create", "--name", "testinfra-itest-ours", "--label",
                    "io.kubernaut.testinfra.collection=kubernaut.testinfra", "--rootfs",
                    "/var/lib/kubernaut-testinfra/smoke-rootfs", "/busybox", "true"], check=True, capture_output=True)
    subprocess.run(["podman", "create", "--name", "testinfra-itest-other", "--rootfs",
                    "/var/lib/kubernaut-testinfra/smoke-rootfs", "/busybox", "true"], check=True, capture_output=True)
    try:
        rc, out = run_playbook("cleanup.yml")
        assert rc == 0, out
        assert "Removed 1 container(s) testinfra-itest-ours" in out
        names = subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
        assert "testinfra-itest-other" in names.split()
        assert leftovers() == []
    finally:
        subprocess.run(["podman", "rm", "-f", "-v", "testinfra-itest-other"], capture_output=True)


def test_prepare_host_check_mode_on_a_prepared_host():
    rc, out = run_playbook("prepare_host.yml", "--check")
    assert rc == 0, out
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out
