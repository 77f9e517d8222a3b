"""The watch loop (make watch-<service>): backends once, the tests again after a file is saved, one line per run;
SIGINT (Ctrl-C) ends the loop, the play reports the last run and removes everything."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, SESSION_TMPDIR, add_fixture, playbook_env, record_controller
from test_isolation import test_processes_of


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


class Driver(object):
    """playbooks/watch.py as make watch-<service> starts it; its ansible-playbook is recorded as ours."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "playbooks", "watch.py"), *args],
                                     cwd=ROOT, env=playbook_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 30
        while not children(self.proc.pid):  # before it can create anything (the stale reap, preflight come first)
            assert time.time() < deadline and self.proc.poll() is None, "the play did not start"
            time.sleep(0.01)
        self.controller = record_controller(children(self.proc.pid)[0])

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern, timeout=240):
        deadline = time.time() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                raise AssertionError("no line matching %r in:\n%s" % (pattern, "".join(self.seen)))
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def rest(self, timeout=240):
        self.proc.wait(timeout=timeout)
        time.sleep(0.2)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


@pytest.mark.parametrize("runner", ["go", "ginkgo"])
def test_watch_reruns_after_a_save_and_sigint_leaves_nothing(clean_host, service_copy, tmp_path, runner):
    artifacts = tmp_path / "results"
    driver = Driver("datastorage", os.path.join(ROOT, "playbooks", "datastorage.yml"), "-e", "testinfra_isolate=true",
                    "-e", "testinfra_repo_dir=%s" % service_copy, "-e", "testinfra_artifacts_dir=%s" % artifacts,
                    "-e", "testinfra_runner=%s" % runner)
    try:
        driver.wait_for(r"#1 datastorage: PASSED - 10 tests")
        assert not (artifacts / "summary.json").exists(), "the play waits in the loop"
        # a test edits the module: a new spec file that fails
        add_fixture(service_copy, "failing_spec_test.go.txt", "test/integration/datastorage/failing_spec_test.go")
        line = driver.wait_for(r"#2 datastorage: ", timeout=120)
        assert "FAILED - 12 tests: 10 passed, 1 failed, 1 skipped" in line, line
        latency = float(re.search(r"started ([0-9.]+) s after the save", line).group(1))
        assert latency < 1.0, line
        driver.proc.send_signal(signal.SIGINT)
        out = driver.rest()
    finally:
        if driver.proc.poll() is None:
            driver.proc.kill()
    assert driver.proc.returncode != 0, out  # the last run failed: the play says so
    assert "watch loop ended" in out
    assert re.search(r"datastorage: FAILED - 12 tests", out), out
    assert "Remove every container" in out, out
    with open(str(artifacts / "summary.json")) as handle:
        summary = json.load(handle)
    assert summary["counts"] == {"passed": 10, "failed": 1, "skipped": 1, "total": 12}
    assert not test_processes_of(summary["run_id"])
    assert not [d for d in os.listdir(SESSION_TMPDIR) if d.startswith("kubernaut-testinfra-watch-")]
