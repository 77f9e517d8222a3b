"""Work a module does in a second thread: it runs alongside, its failure is the module's, reported once."""

import threading

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.background import Background
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit


def module():
    return LocalModule({}, {})


def test_the_work_runs_while_the_module_goes_on_and_gives_its_value():
    started, go_on = threading.Event(), threading.Event()

    def work(mod, name):
        started.set()
        # finishes only once the module's own thread has got past its next step: the two overlap
        assert go_on.wait(10), "the module's thread did not go on while the work ran"
        return "reaped " + name

    job = Background(module(), work, "run-1")
    assert started.wait(10)
    go_on.set()
    assert job.result() == "reaped run-1"


def test_a_failure_of_the_work_fails_the_module_once_from_its_own_thread():
    def work(mod):
        mod.fail_json(msg="podman ps failed: boom", rc=125)
        raise AssertionError("fail_json went on")

    mod = module()
    job = Background(mod, work)
    job.wait()  # the module is not ended from the work's thread
    with pytest.raises(ModuleExit) as failed:
        job.result()
    assert failed.value.result["msg"] == "podman ps failed: boom"
    assert failed.value.result["rc"] == 125 and failed.value.result["failed"]


def test_an_exception_in_the_work_is_a_failure_that_names_it():
    def reap(mod):
        raise OSError("No space left on device")

    with pytest.raises(ModuleExit) as failed:
        Background(module(), reap).result()
    assert failed.value.result["msg"] == "reap failed: OSError: No space left on device"


def test_wait_lets_a_failing_module_end_only_after_the_work():
    done = []
    release = threading.Event()

    def work(mod):
        release.wait(10)
        done.append(True)

    mod = module()
    job = Background(mod, work)
    with pytest.raises(ModuleExit):
        try:
            mod.fail_json(msg="go list failed")
        finally:
            release.set()
            job.wait()
    assert done == [True]
