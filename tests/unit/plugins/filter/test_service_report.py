"""service_report: the row, printed report and verdict of one service's run."""

import json
import os

from ansible_collections.kubernaut.testinfra.plugins.filter.service_report import service_report

PHASES = {"provision": 0.81, "ready": 0.66, "test": 0.95, "cleanup": 0.77}


def events(*tests):
    """go test -json lines: one passing or failing test each, then the package verdict."""
    lines = []
    for name, action in tests:
        lines += [json.dumps({"Action": "run", "Package": "ex/ai", "Test": name}),
                  json.dumps({"Action": "output", "Package": "ex/ai", "Test": name, "Output": "--- %s\n" % name}),
                  json.dumps({"Action": action, "Package": "ex/ai", "Test": name, "Elapsed": 0.01})]
    failed = any(action == "fail" for dummy, action in tests)
    lines.append(json.dumps({"Action": "fail" if failed else "pass", "Package": "ex/ai", "Elapsed": 0.1}))
    return lines


def report(**extra):
    data = dict(service="ai", backends=["redis"], selected=["redis"], tags=["all"], phases=PHASES,
                containers={"redis": "ai-redis"})
    data.update(extra)
    return service_report(data)


def test_passing_run():
    row = report(go_test={"rc": 0, "stdout_lines": events(("TestA", "pass"), ("TestB", "pass"))},
                 files=[os.path.join(os.getcwd(), ".testinfra/artifacts/r1/junit.xml")])
    assert (row["state"], row["ok"], row["verdict"], row["total"], row["passed"]) == ("PASSED", True, "", 2, 2)
    assert row["report"].splitlines() == [
        "ai: PASSED - 2 tests: 2 passed, 0 failed, 0 skipped in 0.10s",
        "phases: provision 0.81 s, ready 0.66 s, test 0.95 s, cleanup 0.77 s",
        "results: .testinfra/artifacts/r1/junit.xml"]
    assert row["backends"] == ["redis"] and row["phases"] == PHASES


def test_failing_run_names_the_backend_that_stopped():
    state = {"containers": [{"Name": "ai-redis", "State": {"Running": False}}]}
    row = report(go_test={"rc": 1, "stdout_lines": events(("TestA", "pass"), ("TestB", "fail"))}, backend_state=state)
    assert (row["state"], row["ok"], row["failed"]) == ("FAILED", False, 1)
    assert row["verdict"] == "ai: go test did not pass (exit 1); backend redis (container ai-redis) stopped or was removed while the tests ran"
    assert "TestB" in row["report"]
    row = report(go_test={"rc": 1, "stdout_lines": events(("TestB", "fail"))},
                 backend_state={"containers": [{"Name": "ai-redis", "State": {"Running": True}}]})
    assert row["verdict"] == "ai: go test did not pass (exit 1)"


def test_timeout_verdict_names_the_bound():
    row = report(go_test={"rc": 124, "stdout_lines": events(("TestA", "pass"))}, timeout="90s")
    assert row["verdict"] == ("ai: go test was killed after its time bound (timeout 90s plus the build allowance; "
                              "exit 124)")


def test_cluster_and_keep_lines_follow_the_summary():
    row = report(go_test={"rc": 0, "stdout_lines": events(("TestA", "pass"))}, cluster_line="envtest: kept",
                 keep_line="kept for the next run (testinfra_keep): ai-redis; reused: redis.")
    lines = row["report"].splitlines()
    assert lines[1] == "envtest: kept" and lines[-1].startswith("kept for the next run")


def test_skipped_and_not_run():
    row = report(selected=[], tags=["pgvector"])
    assert (row["state"], row["ok"], row["verdict"], row["total"]) == ("SKIPPED", True, "", 0)
    assert row["report"] == "Nothing to run: service ai uses redis, which the selected tags (pgvector) do not include."
    row = report(error="Redis did not answer PING")
    assert (row["state"], row["ok"]) == ("NOT RUN", False)
    assert row["verdict"] == "Provisioning for ai failed; nothing was left running."
    assert row["report"] == "ai: not run (Redis did not answer PING)"


def test_check_mode_says_what_would_run_and_passes():
    row = report(check_mode=True, go_test={"skipped": True, "changed": False},
                 command=["go", "test", "-json", "./test/integration/ai/..."])
    assert (row["state"], row["ok"], row["verdict"]) == ("CHECK MODE", True, "")
    assert row["report"] == ("ai: check mode, no backend started and go test not run; it would run "
                             "go test -json ./test/integration/ai/...")


def test_a_skipped_go_test_outside_check_mode_is_not_a_pass():
    row = report(go_test={"skipped": True})
    assert row["state"] != "CHECK MODE" and not row["ok"]


def test_go_test_ended_from_outside_says_so_and_names_the_removed_backend():
    row = report(go_test={"rc": 143, "stdout_lines": []}, timeout="5m",
                 backend_state={"containers": []})  # the container was removed: inspect finds nothing
    assert (row["state"], row["ok"]) == ("INTERRUPTED", False)
    assert row["verdict"].startswith("ai: go test was ended from outside by SIGTERM (exit 143) after 0.95 s")
    assert row["verdict"].endswith("; backend redis (container ai-redis) stopped or was removed while the tests ran")
    assert row["report"].startswith("ai: INTERRUPTED - 0 tests")


def test_a_negative_exit_code_is_the_signal_that_ended_go_test():
    row = report(go_test={"rc": -2, "stdout_lines": []})
    assert row["state"] == "INTERRUPTED" and "ended from outside by SIGINT (exit -2)" in row["verdict"]


def test_sigkill_after_the_time_bound_is_the_timeout_and_before_it_is_from_outside():
    late = report(go_test={"rc": 137, "stdout_lines": []}, timeout="1s", phases=dict(PHASES, test=31.5))
    assert "killed after its time bound" in late["verdict"] and late["state"] != "INTERRUPTED"
    early = report(go_test={"rc": 137, "stdout_lines": []}, timeout="1m30s", phases=dict(PHASES, test=3.0))
    assert early["state"] == "INTERRUPTED" and "by SIGKILL (exit 137)" in early["verdict"]


def test_a_failing_test_is_not_taken_for_an_interruption():
    row = report(go_test={"rc": 1, "stdout_lines": events(("TestA", "fail"))})
    assert row["state"] == "FAILED" and "from outside" not in row["verdict"]


def package_only(action="pass"):
    """go test -json of a package in which no test ran (-run matched nothing): a package verdict only."""
    return [json.dumps({"Action": "output", "Package": "ex/ai", "Output": "testing: warning: no tests to run\n"}),
            json.dumps({"Action": "output", "Package": "ex/ai", "Output": "PASS\n"}),
            json.dumps({"Action": action, "Package": "ex/ai", "Elapsed": 0.01})]


def test_a_run_filter_that_matches_nothing_is_the_verdict():
    command = ["timeout", "600", "go", "test", "-json", "-count=1", "-v", "-run=Foo", "./test/integration/ai/..."]
    row = report(go_test={"rc": 0, "stdout_lines": package_only()}, command=command)
    assert (row["state"], row["ok"], row["total"]) == ("NO TESTS", False, 0)
    assert row["verdict"] == "ai: no test ran: -run=Foo matched nothing"
    assert "did not pass" not in row["verdict"]


def test_separate_flag_values_and_ginkgo_focus_are_named():
    command = ["go", "test", "-json", "-run", "TestX", "-ginkgo.focus=cache", "./..."]
    row = report(go_test={"rc": 0, "stdout_lines": package_only()}, command=command)
    assert row["verdict"] == "ai: no test ran: -run=TestX -ginkgo.focus=cache matched nothing"


def test_no_test_without_a_filter_says_the_packages_have_none():
    row = report(go_test={"rc": 0, "stdout_lines": package_only()}, command=["go", "test", "-json", "./..."])
    assert row["verdict"] == "ai: no test ran: the packages have no test functions or specs"
