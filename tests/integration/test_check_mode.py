"""--check: the playbooks say what they would do, start nothing and exit 0."""

import re

from conftest import podman_names, run_playbook


def test_datastorage_check_mode_starts_nothing(clean_host):
    rc, out = run_playbook("datastorage.yml", "--check")
    assert rc == 0, out
    assert "datastorage: check mode, no backend started and go test not run; it would run" in " ".join(out.split())
    assert "./test/integration/datastorage/..." in out
    assert "datastorage-postgres" not in podman_names()
    # clean_host: no container, process, state directory or temp file is left


def test_all_check_mode_on_envtest_sets_up_no_cluster(clean_host):
    rc, out = run_playbook("all.yml", "--check", "-e", "testinfra_cluster=envtest")
    assert rc == 0, out
    for service in ("datastorage", "ai", "toolset", "gateway", "inprocess"):
        assert re.search(r"- '?%s\s+CHECK MODE\s" % service, out), out
    assert "services failed: 0 of 5" in out
    assert "Apply the service's CRDs" not in out  # no control plane was started to apply them to
