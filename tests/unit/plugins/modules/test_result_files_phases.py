"""result_files: the test phase it adds, and that testinfra_artifacts_dir=none (dest "") writes nothing."""

import json
import os
import time

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules import result_files
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit

PASSED = [json.dumps({"Action": "run", "Package": "example/db", "Test": "TestA"}),
          json.dumps({"Action": "pass", "Package": "example/db", "Test": "TestA", "Elapsed": 0.1}),
          json.dumps({"Action": "pass", "Package": "example/db", "Elapsed": 0.2})]
FAILED = [json.dumps({"Action": "run", "Package": "example/db", "Test": "TestA"}),
          json.dumps({"Action": "fail", "Package": "example/db", "Test": "TestA", "Elapsed": 0.1}),
          json.dumps({"Action": "fail", "Package": "example/db", "Elapsed": 0.2})]


def run(args, check_mode=False):
    module = LocalModule(result_files.ARGUMENT_SPEC, args, check_mode=check_mode)
    with pytest.raises(ModuleExit) as done:
        result_files.run_module(module)
    return done.value.result


def test_the_test_phase_runs_from_test_started_until_the_module_starts(tmp_path):
    before = time.time()
    result = run({"dest": str(tmp_path / "out"), "go_test_output": PASSED, "rc": 0,
                  "phases": {"provision": 0.5, "ready": 0.9}, "test_started": before - 3})
    assert before <= result["started"] <= time.time()
    assert result["phases"]["provision"] == 0.5 and result["phases"]["ready"] == 0.9
    assert 3.0 <= result["phases"]["test"] < 3.0 + (time.time() - before) + 0.01
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["durations"] == result["phases"]


def test_without_test_started_the_phases_are_written_as_given(tmp_path):
    result = run({"dest": str(tmp_path / "out"), "go_test_output": PASSED, "rc": 0, "phases": {"ready": 0.9}})
    assert result["phases"] == {"ready": 0.9}


def test_an_empty_dest_writes_nothing_and_still_answers(tmp_path):
    os.chdir(tmp_path)
    result = run({"dest": "", "go_test_output": FAILED, "rc": 1, "logs": [{"name": "db", "path": "/nonexistent"}],
                  "save_logs": "always", "test_started": time.time() - 1})
    assert result["changed"] is False and result["files"] == [] and result["logs"] == []
    assert result["junit"] == "" and result["summary"] == ""
    assert result["ok"] is False and result["counts"]["failed"] == 1 and "test" in result["phases"]
    assert list(tmp_path.iterdir()) == []
