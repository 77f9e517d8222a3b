"""prepare_tests makes what preflight's command line needs, on a real file system; preflight itself makes nothing."""

import json
import os
import shutil
import socket
import stat

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile
from ansible_collections.kubernaut.testinfra.plugins.modules import preflight, prepare_tests
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LABELS = {"io.kubernaut.testinfra.run": "r-1", "io.kubernaut.testinfra.expires": "2000000000"}


def run(module_file, args, check_mode=False):
    """The module's result, as the in-process action plugin gets it."""
    try:
        module_file.run_module(LocalModule(module_file.ARGUMENT_SPEC, args, check_mode=check_mode))
    except ModuleExit as done:
        return done.result
    raise AssertionError("the module did not exit")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_makes_the_env_file_temp_dir_and_binary_dir_with_the_runs_labels(tmp_path):
    cache = tmp_path / "state" / ".test-binaries" / "svc-abc"
    cache.mkdir(parents=True)
    (cache / "datastorage.test").write_text("binary of an earlier run")
    run_dir = tmp_path / "state" / "r-1"
    result = run(prepare_tests, dict(path=str(run_dir / "test.env"), env={"PGPASSWORD": "s3cret", "TMPDIR": "x"},
                                     temp_dir=str(run_dir / "tmp"), binary_dir=str(run_dir / "bin"),
                                     binary_cache=str(cache), labels=LABELS))
    assert not result.get("failed"), result
    assert result["changed"] and result["path"] == str(run_dir / "test.env")
    assert result["names"] == ["PGPASSWORD", "TMPDIR"] and result["ginkgo_built"] is False
    assert envfile.parse((run_dir / "test.env").read_text()) == {"PGPASSWORD": "s3cret", "TMPDIR": "x"}
    assert mode(run_dir / "test.env") == 0o600
    assert mode(run_dir / "tmp") == 0o700 and mode(run_dir / "bin") == 0o700
    # the earlier run's binary, hard-linked: go test -o finds it current and does not link it again
    assert os.path.samefile(run_dir / "bin" / "datastorage.test", cache / "datastorage.test")
    for directory in ("tmp", "bin"):  # the reaper tells a dead run's directories by these labels
        labels = json.loads((run_dir / directory / "state.json").read_text())["labels"]
        assert labels["io.kubernaut.testinfra.run"] == "r-1"
        assert labels["io.kubernaut.testinfra.host"] == socket.gethostname()
    assert "s3cret" not in json.dumps(result)


def test_keep_mode_writes_binaries_straight_into_the_cache(tmp_path):
    cache = tmp_path / ".test-binaries" / "svc-abc"
    result = run(prepare_tests, dict(path=str(tmp_path / "keep" / "test.env"), env={"A": "1"},
                                     binary_dir=str(cache), binary_cache=str(cache), labels=LABELS))
    assert not result.get("failed"), result
    assert cache.is_dir() and not (cache / "state.json").exists()  # the cache is nobody's run directory


def test_check_mode_makes_nothing(tmp_path):
    run_dir = tmp_path / "r-1"
    result = run(prepare_tests, dict(path=str(run_dir / "test.env"), env={"A": "1"}, temp_dir=str(run_dir / "tmp"),
                                     binary_dir=str(run_dir / "bin"), binary_cache=str(tmp_path / "cache"),
                                     ginkgo={"version": "v2.0.0", "cache_dir": str(tmp_path / "c")}),
                 check_mode=True)
    assert result["changed"] and not result.get("failed")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args,message", [
    (dict(env={"NOT A NAME": "1"}), "not an environment variable name: NOT A NAME"),
    (dict(env={"A": "1"}, binary_dir="/x/bin"), "binary_dir /x/bin needs binary_cache"),
])
def test_bad_arguments_get_one_message_and_make_nothing(tmp_path, args, message):
    result = run(prepare_tests, dict(path=str(tmp_path / "r" / "test.env"), temp_dir=str(tmp_path / "r" / "tmp"),
                                     **args))
    assert result["failed"] and message in result["msg"], result
    assert os.listdir(tmp_path) == []


def test_a_cached_ginkgo_is_not_built_again_and_the_converter_is_installed(tmp_path):
    cache = tmp_path / "cache"
    binary = cache / "bin" / "ginkgo-v2.99.0"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    result = run(prepare_tests, dict(path=str(tmp_path / "r" / "test.env"), env={"A": "1"}, go="/nonexistent/go",
                                     ginkgo={"version": "v2.99.0", "cache_dir": str(cache), "path": str(binary)}))
    assert not result.get("failed"), result
    assert result["ginkgo_built"] is False
    assert (cache / "bin" / "ginkgo-json-events.py").is_file()


def test_a_ginkgo_that_cannot_be_built_names_version_and_cache(tmp_path):
    result = run(prepare_tests, dict(path=str(tmp_path / "r" / "test.env"), env={"A": "1"}, go="/nonexistent/go",
                                     repo_dir=str(tmp_path), ginkgo={"version": "v2.99.0", "cache_dir": str(tmp_path / "c")}))
    assert result["failed"]
    assert result["msg"].startswith("cannot build the ginkgo CLI v2.99.0 into %s" % (tmp_path / "c")), result["msg"]


@pytest.mark.skipif(not shutil.which("go") and not os.access("/usr/local/go/bin/go", os.X_OK), reason="needs Go")
def test_preflight_only_checks_it_makes_no_directory(tmp_path):
    state = tmp_path / "state"
    result = run(preflight, dict(service="datastorage", repo_dir=os.path.join(ROOT, "examples"),
                                 packages=["./test/integration/datastorage/..."], podman="", state_dir=str(state),
                                 binary_dir="r-1/bin", temp_dir="r-1/tmp"))
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["binary_dir"] == str(state / "r-1" / "bin") and result["temp_dir"] == str(state / "r-1" / "tmp")
    assert result["binary_cache"].startswith(str(state / ".test-binaries" / "datastorage-"))
    assert "-o" in result["argv"] and result["argv"][result["argv"].index("-o") + 1] == str(state / "r-1" / "bin") + "/"
    assert not state.exists()
