"""LocalModule: the stand-in for AnsibleModule when a module runs inside the worker process.

It must behave like AnsibleModule where the modules rely on it: validation and defaults, check mode,
secrets masked in every result, warnings, commands with environment and working directory.
"""

import os

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules import backend_container, reap, result_files
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit


def outcome(call):
    with pytest.raises(ModuleExit) as done:
        call()
    return done.value.result


def test_defaults_and_types_are_applied():
    module = LocalModule(reap.ARGUMENT_SPEC, {"run_id": "r1", "state_dir": "~/x"}, check_mode=True)
    assert module.params["podman"] == "podman" and module.params["keep_labels"] == []
    assert module.params["state_dir"] == os.path.expanduser("~/x")
    assert module.check_mode is True


def test_bad_arguments_fail_with_the_validator_message():
    result = outcome(lambda: LocalModule(backend_container.ARGUMENT_SPEC, {"name": "x"}))
    assert result["failed"] is True and "image" in result["msg"]
    result = outcome(lambda: LocalModule(reap.ARGUMENT_SPEC, {"stale": "perhaps"}))
    assert result["failed"] is True and "stale" in result["msg"]


def test_no_log_values_are_masked_in_results_and_failures():
    module = LocalModule(result_files.ARGUMENT_SPEC,
                         {"dest": "/tmp/x", "go_test_output": [], "redact": ["s3cr3t-pw", "other-secret"]})
    result = outcome(lambda: module.exit_json(cmd="--requirepass other-secret", env="PASSWORD=s3cr3t-pw"))
    assert "s3cr3t-pw" not in repr(result) and "other-secret" not in repr(result)
    assert result["changed"] is False
    result = outcome(lambda: module.fail_json(msg="auth failed for s3cr3t-pw"))
    assert result["failed"] is True and "s3cr3t-pw" not in result["msg"]


def test_warnings_reach_the_result():
    module = LocalModule(reap.ARGUMENT_SPEC, {})
    module.warn("careful")
    assert outcome(lambda: module.exit_json(changed=True))["warnings"] == ["careful"]


def test_run_command_passes_cwd_environment_and_stdin(tmp_path):
    module = LocalModule(reap.ARGUMENT_SPEC, {})
    rc, out, err = module.run_command(["sh", "-c", 'pwd; echo "$TESTINFRA_X"; cat; echo oops >&2; exit 3'],
                                      cwd=str(tmp_path), environ_update={"TESTINFRA_X": "from-env"}, data="in")
    assert (rc, out.split(), err.strip()) == (3, [str(tmp_path), "from-env", "in"], "oops")


def test_run_command_of_a_missing_program_and_get_bin_path():
    module = LocalModule(reap.ARGUMENT_SPEC, {})
    rc, dummy, err = module.run_command(["/nonexistent/program"])
    assert rc != 0 and err
    assert module.get_bin_path("sh")
    assert module.get_bin_path("no-such-program-here") is None
    assert outcome(lambda: module.get_bin_path("no-such-program-here", required=True))["failed"] is True
