"""runner: ginkgo: a Ginkgo suite run by the ginkgo CLI with 2 processes counts like go test, its JUnit validates,
and a run interrupted during ginkgo leaves no process (the reaper finds the parallel workers by their environment)."""

import json
import os
import signal
import time

from junitparser import Failure, JUnitXml, Skipped
from lxml import etree

from ansible_collections.kubernaut.testinfra.plugins.module_utils import reaping
from conftest import add_fixture, run_playbook, start_playbook

UNIT_FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit", "fixtures")
XSD = os.path.join(UNIT_FIXTURES, "junit", "JUnit.xsd")
# A service entry only these tests use: the fixture suite (3 passed, 1 failed, 1 Skip(), 1 pending, 2 that wait for
# a marker file or skip) with a Redis backend, since a run without backends has nothing to provision.
SERVICE = {"description": "ginkgo runner fixture", "backends": ["redis"], "packages": ["./test/integration/specs/..."],
           "go_test_flags": ["-v", "-ginkgo.v"], "timeout": "3m", "procs": 2}


def service_args(repo, artifacts, runner, env=None, **extra):
    overrides = dict(SERVICE, runner=runner, **extra)
    return ["-e", "testinfra_service=ginkgospecs", "-e", "testinfra_isolate=true",
            "-e", "testinfra_repo_dir=%s" % repo, "-e", "testinfra_artifacts_dir=%s" % artifacts,
            "-e", json.dumps({"testinfra_service_overrides": overrides, "testinfra_env": env or {}})]


def results(artifacts):
    xml = JUnitXml.fromfile(str(artifacts / "junit.xml"))
    outcomes = {}
    for case in (c for suite in xml for c in suite):
        kinds = {type(r) for r in case.result}
        outcomes[case.name] = "failed" if Failure in kinds else "skipped" if Skipped in kinds else "passed"
    with open(str(artifacts / "summary.json")) as handle:
        return outcomes, json.load(handle)


def tree(root):
    return sorted(os.path.relpath(os.path.join(d, n), str(root)) for d, dirs, files in os.walk(str(root))
                  for n in dirs + files)


def test_ginkgo_with_two_procs_counts_like_go_test(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "ginkgo_specs_suite_test.go.txt", "test/integration/specs/specs_suite_test.go")
    before = tree(service_copy)
    counts, times = {}, {}
    for runner in ("ginkgo", "go"):
        artifacts = tmp_path / runner
        start = time.monotonic()
        rc, out = run_playbook("service.yml", *service_args(service_copy, artifacts, runner))
        times[runner] = time.monotonic() - start
        assert rc != 0, out
        assert "ginkgospecs: FAILED - 8 tests: 3 passed, 1 failed, 4 skipped" in out, out
        outcomes, summary = results(artifacts)
        counts[runner] = summary["counts"]
        etree.XMLSchema(etree.parse(XSD)).assertValid(etree.parse(str(artifacts / "junit.xml")))
        if runner == "ginkgo":
            assert sorted(n for n, o in outcomes.items() if o == "failed") == ["Runner specs fails"]
            assert outcomes["Runner specs passes two [fast]"] == "passed"  # TESTINFRA_RUN_ID reached the spec
            assert outcomes["Runner specs is pending"] == "skipped"
            assert "ginkgo process" in (artifacts / "junit.xml").read_text()
    assert tree(service_copy) == before, "ginkgo left files in the module"
    assert counts["ginkgo"] == counts["go"] == {"passed": 3, "failed": 1, "skipped": 4, "total": 8}
    print("ginkgo runner %.1f s, go runner %.1f s (whole playbook)" % (times["ginkgo"], times["go"]))


def is_worker(pid):
    """A ginkgo parallel worker: the suite's test binary started with --ginkgo.parallel.process=N."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return any(arg.startswith(b"--ginkgo.parallel.process=") for arg in handle.read().split(b"\0"))
    except OSError:
        return False


def worker_processes(run_id):
    """The ginkgo parallel workers of the run, as the reaper sees them (by their TESTINFRA_* environment)."""
    return [pid for pid, (labels, command) in reaping.test_processes().items()
            if labels.get("io.kubernaut.testinfra.run") == run_id and is_worker(pid)]


def run_ids_with_workers():
    return set(labels.get("io.kubernaut.testinfra.run") for pid, (labels, command) in reaping.test_processes().items()
               if is_worker(pid))


def test_sigint_during_a_ginkgo_run_leaves_no_process(clean_host, service_copy, tmp_path):
    add_fixture(service_copy, "ginkgo_specs_suite_test.go.txt", "test/integration/specs/specs_suite_test.go")
    marker = tmp_path / "never"  # the spec waits for it: the run is inside ginkgo until the signal
    before = run_ids_with_workers()
    run = start_playbook("service.yml", *service_args(service_copy, tmp_path / "results", "ginkgo",
                                                      env={"TESTINFRA_MARKER": str(marker)}))
    try:
        deadline = time.time() + 240
        while not (run_ids_with_workers() - before):
            assert run.poll() is None, run.communicate()[0]
            assert time.time() < deadline, "ginkgo's workers did not start"
            time.sleep(0.2)
        run_id = sorted(run_ids_with_workers() - before)[0]
        deadline = time.time() + 60
        while len(worker_processes(run_id)) < 2:  # procs: 2
            assert time.time() < deadline, "not two workers"
            time.sleep(0.2)
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=120)
        rc, out = run_playbook("cleanup.yml", "-e", "testinfra_cleanup_run=%s" % run_id)
        assert rc == 0, out
        deadline = time.time() + 10
        while [p for p, (labels, c) in reaping.test_processes().items() if labels.get("io.kubernaut.testinfra.run") == run_id]:
            assert time.time() < deadline, "processes of the interrupted run are left: %s" % reaping.test_processes()
            time.sleep(0.2)
    finally:
        marker.write_text("")
        if run.poll() is None:
            run.kill()
            run.communicate()
