"""The role kubernaut.testinfra.testinfra from a playbook of one's own (docs/services.md): the whole run of a service
after a task of the user's, with the service described in the include's variables."""

import json

from conftest import podman_names, run_playbook

PLAYBOOK = """
- name: Build, then test against real backends
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
  tasks:
    - name: A step of the user's own before the tests
      ansible.builtin.command: touch {repo}/generated.txt
      changed_when: true

    - name: Integration tests of payments
      ansible.builtin.include_role:
        name: kubernaut.testinfra.testinfra
        apply: {{tags: [always]}}
      vars:
        testinfra_service: payments
        testinfra_repo_dir: {repo}
        testinfra_artifacts_dir: {artifacts}
        testinfra_services:
          payments: {{backends: [pgvector], packages: [./test/integration/datastorage/...], go_test_flags: [-v]}}
      tags: [always]

    - name: After the role
      ansible.builtin.debug:
        msg: the play went on after the tests
"""


def test_the_role_runs_a_service_from_a_playbook_of_ones_own(clean_host, service_copy, tmp_path):
    playbook = tmp_path / "own.yml"
    artifacts = tmp_path / "results"
    playbook.write_text(PLAYBOOK.format(repo=service_copy, artifacts=artifacts))
    rc, out = run_playbook(str(playbook))
    assert rc == 0, out
    assert (service_copy / "generated.txt").exists()
    assert "payments: PASSED - 10 tests: 10 passed, 0 failed, 0 skipped" in out, out
    assert "the play went on after the tests" in out, out
    summary = json.loads((artifacts / "summary.json").read_text())
    assert summary["service"] == "payments" and summary["ok"] is True
    assert set(summary["durations"]) >= {"provision", "ready", "test"}, summary["durations"]
    assert not any(name.startswith("payments-") for name in podman_names())


def test_a_failing_service_fails_the_play_of_ones_own_and_leaves_nothing(clean_host, service_copy, tmp_path):
    (service_copy / "test" / "integration" / "datastorage" / "zz_fail_test.go").write_text(
        "package datastorage\n\nimport \"testing\"\n\nfunc TestDeliberateFailure(t *testing.T) { t.Fatal(\"deliberate\") }\n")
    playbook = tmp_path / "own.yml"
    playbook.write_text(PLAYBOOK.format(repo=service_copy, artifacts=tmp_path / "results"))
    rc, out = run_playbook(str(playbook))
    assert rc != 0, out
    assert "payments: go test did not pass (exit 1)" in out, out
    assert "the play went on after the tests" not in out, out
    assert not any(name.startswith("payments-") for name in podman_names())
