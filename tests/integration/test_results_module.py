"""kubernaut.testinfra.result_files for real: ansible-playbook, real go test output, a real Podman container.

The failing run is a real `go test -json ./test/integration/ai/...` in a copy of examples/ without Redis (every
test fails on the missing REDIS_URL), plus one test that prints a secret. The container for the logs is a real
Redis container that prints the same secret; it publishes no port and is removed in a finally.
"""

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import time

import pytest
from junitparser import JUnitXml
from lxml import etree

from conftest import EXAMPLES, ROOT, start_playbook

sys.path.insert(0, os.path.join(ROOT, ".testinfra", "collections"))
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json  # noqa: E402

PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "result_files.yml")
UNIT_FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures")
XSD = os.path.join(UNIT_FIXTURES, "junit", "JUnit.xsd")
IMAGE = "localhost/kubernaut/redis:trixie"
AI_PACKAGE = "github.com/kubernaut/testinfra/examples/test/integration/ai"
SECRET = "Pw-" + secrets.token_hex(8)
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.sig-" + secrets.token_hex(6)
LEAK_TEST = """package ai

import (
	"os"
	"testing"
)

// Written by tests/integration/test_results_module.py into a copy of examples/.
func TestLeaksASecret(t *testing.T) {
	secret := os.Getenv("RESULTS_TEST_SECRET")
	t.Logf("connecting with %s", secret)
	t.Logf("REDIS_PASSWORD=%s token %s", secret, os.Getenv("RESULTS_TEST_JWT"))
	t.Fatalf("login failed for %q", secret)
}
"""


def go():
    return shutil.which("go") or "/usr/local/go/bin/go"


def run_results(tmp_path, args, *extra):
    """Run the harness playbook with ``args`` as results_args; return (rc, module result, raw output)."""
    args_file = tmp_path / ("args-%s.json" % secrets.token_hex(4))
    args_file.write_text(json.dumps({"results_args": args}))
    proc = start_playbook(PLAYBOOK, "-e", "@%s" % args_file, "-e", "ansible_python_interpreter=%s" % sys.executable,
                          *extra, env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
                                       "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1"}, stderr=subprocess.PIPE)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    args_file.unlink()
    try:
        report = json.loads(stdout)
        result = report["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        result = None
    return proc.returncode, result, stdout + stderr


def captured(name):
    with open(os.path.join(UNIT_FIXTURES, "gotest", name + ".json")) as handle:
        lines = handle.read().splitlines()
    with open(os.path.join(UNIT_FIXTURES, "gotest", name + ".rc")) as handle:
        return lines, int(handle.read())


def all_files(path):
    found = {}
    for base, dummy, names in os.walk(path):
        for name in names:
            full = os.path.join(base, name)
            with open(full, "rb") as handle:
                found[os.path.relpath(full, path)] = handle.read()
    return found


def junit_counts(path):
    xml = JUnitXml.fromfile(path)
    totals = [0, 0, 0, 0]
    for suite in xml:
        totals = [totals[0] + suite.tests, totals[1] + suite.failures, totals[2] + suite.errors,
                  totals[3] + suite.skipped]
    return totals


def assert_schema_valid(path):
    schema = etree.XMLSchema(etree.parse(XSD))
    assert schema.validate(etree.parse(path)), schema.error_log


@pytest.fixture(scope="module", name="go_run")
def go_run_fixture(tmp_path_factory):
    """A real failing go test run of the ai suite (no Redis), in a copy of examples/: (lines, rc, go version)."""
    copy = tmp_path_factory.mktemp("results") / "examples"
    shutil.copytree(EXAMPLES, str(copy))
    (copy / "test" / "integration" / "ai" / "leak_secret_test.go").write_text(LEAK_TEST)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("REDIS_"))
    env.update(RESULTS_TEST_SECRET=SECRET, RESULTS_TEST_JWT=JWT)
    proc = subprocess.run([go(), "test", "-json", "-count=1", "./test/integration/ai/..."], cwd=str(copy), env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    version = subprocess.run([go(), "version"], capture_output=True, text=True, check=True).stdout.strip()
    shutil.rmtree(str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert SECRET in proc.stdout
    return proc.stdout.splitlines() + proc.stderr.splitlines(), proc.returncode, version


@pytest.fixture(scope="module", name="container")
def container_fixture():
    """A running Redis container (no published port) whose log holds SECRET; removed afterwards."""
    name = "results-test-" + secrets.token_hex(4)
    try:
        subprocess.run(["podman", "run", "-d", "--rm", "--name", name, "-e", "SECRET=" + SECRET, IMAGE, "sh", "-c",
                        'echo "starting redis, requirepass $SECRET"; exec redis-server --requirepass "$SECRET"'],
                       capture_output=True, text=True, check=True, timeout=120)
        deadline = time.time() + 60
        while True:
            logs = subprocess.run(["podman", "logs", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, check=False).stdout
            if "Ready to accept connections" in logs:
                break
            assert time.time() < deadline, logs
            time.sleep(0.5)
        yield name
    finally:
        subprocess.run(["podman", "rm", "-f", "-v", "-t", "0", name], capture_output=True, check=False, timeout=120)


def test_real_failing_run_writes_junit_summary_and_redacted_logs(tmp_path, go_run, container):
    lines, rc, version = go_run
    expected = parse_go_test_json(lines, rc)
    api_log = tmp_path / "kube-apiserver.log"
    api_log.write_text("".join("I1123 request %d\n" % n for n in range(500)) +
                       "E1123 auth failed password=%s bearer %s\n" % (SECRET, JWT))
    dest = tmp_path / "results" / "ai"
    args = {
        "dest": str(dest), "service": "ai", "run_id": "run-42", "go_test_output": lines, "rc": rc,
        "go_version": version, "phases": {"provision": 1.2, "ready": 0.9, "test": 3.1, "cleanup": 0.6},
        "backends": {"redis": {"server_version": "8.0.2", "url": "redis://:%s@127.0.0.1:6379/0" % SECRET}},
        "logs": [{"name": "redis", "container": container},
                 {"name": "gone", "container": container + "-gone"},
                 {"name": "kube-apiserver", "path": str(api_log)},
                 {"name": "missing", "path": str(tmp_path / "nothing.log")}],
        "redact": [SECRET], "log_lines": 50,
    }
    code, result, out = run_results(tmp_path, args)
    assert code == 0 and result, out
    # Ansible masks the no_log redact values in what it prints (the JWT is only a pattern for the files).
    assert SECRET not in out

    assert result["changed"] is True and result["state"] == "FAILED" and result["ok"] is False
    logs = [str(dest / "logs" / n) for n in ("redis.log", "gone.log", "kube-apiserver.log", "missing.log")]
    assert result["files"] == [str(dest / "junit.xml"), str(dest / "summary.json")] + logs
    assert result["logs"] == logs
    assert result["counts"] == dict((k, expected[k]) for k in ("passed", "failed", "skipped", "total"))
    assert expected["failed"] == expected["total"] == 7  # the 6 tests of the suite and TestLeaksASecret

    # junit.xml: what the summary printed, valid against the schema.
    assert_schema_valid(str(dest / "junit.xml"))
    assert junit_counts(str(dest / "junit.xml")) == [7, 7, 0, 0]
    suite = list(JUnitXml.fromfile(str(dest / "junit.xml")))[0]
    assert suite.name == AI_PACKAGE
    cases = dict((case.name, case) for case in suite)
    assert set(cases) == set(name[len(AI_PACKAGE) + 1:] for name in expected["failed_names"])
    leak = cases["TestLeaksASecret"].result[0]
    assert leak.message == "leak_secret_test.go:11: connecting with ********"
    assert "REDIS_PASSWORD=******** token ********" in leak.text
    assert "REDIS_URL/REDIS_ADDR not set" in cases["TestCacheRoundTrip"].result[0].message
    props = dict((p.name, p.value) for p in suite.properties())
    assert props["service"] == "ai" and props["run_id"] == "run-42" and props["go_version"] == version

    # summary.json
    with open(str(dest / "summary.json")) as handle:
        summary = json.load(handle)
    assert summary["service"] == "ai" and summary["run_id"] == "run-42" and summary["state"] == "FAILED"
    assert summary["ok"] is False and summary["rc"] == 1
    assert summary["counts"] == {"passed": 0, "failed": 7, "skipped": 0, "total": 7}
    assert summary["failed"] == expected["failed_names"]
    assert [f["name"] for f in summary["failures"]] == expected["failed_names"]
    assert set(summary["failures"][0]) == {"name", "package", "message"}
    assert summary["durations"] == {"provision": 1.2, "ready": 0.9, "test": 3.1, "cleanup": 0.6}
    assert summary["backends"] == {"redis": {"server_version": "8.0.2", "url": "redis://:********@127.0.0.1:6379/0"}}
    assert summary["go_version"] == version
    assert summary["started"] <= summary["finished"] and summary["started"].endswith("Z")
    assert summary["logs"] == ["logs/redis.log", "logs/gone.log", "logs/kube-apiserver.log", "logs/missing.log"]
    assert [p["name"] for p in summary["packages"]] == [AI_PACKAGE]

    # Logs of the failed run: the live container, a gone one, a file's tail, a missing file.
    files = all_files(str(dest))
    redis_log = files["logs/redis.log"].decode()
    assert "Ready to accept connections" in redis_log
    assert "requirepass ********" in redis_log
    assert files["logs/gone.log"].decode().splitlines()[1] == "(container gone)"
    api = files["logs/kube-apiserver.log"].decode().splitlines()
    assert len(api) == 51 and api[1] == "I1123 request 451"
    assert api[-1] == "E1123 auth failed password=******** bearer ********"
    assert "(file not found: " in files["logs/missing.log"].decode()

    # The secret (and the token) appear nowhere; modes.
    for name, content in files.items():
        assert SECRET.encode() not in content, name
        assert JWT.encode() not in content, name
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(dest / "logs")).st_mode) == 0o700
    for name in files:
        assert stat.S_IMODE(os.stat(str(dest / name)).st_mode) == 0o600, name


def test_passing_run_saves_no_logs_and_is_idempotent(tmp_path, container):
    lines, rc = captured("plain_pass")
    dest = tmp_path / "pass"
    args = {"dest": str(dest), "service": "calc", "go_test_output": lines, "rc": rc,
            "logs": [{"name": "redis", "container": container}]}
    code, result, out = run_results(tmp_path, args)
    assert code == 0 and result, out
    assert result["state"] == "PASSED" and result["ok"] is True and result["logs"] == []
    assert result["counts"] == {"passed": 4, "failed": 0, "skipped": 1, "total": 5}
    assert sorted(all_files(str(dest))) == ["junit.xml", "summary.json"]
    assert junit_counts(str(dest / "junit.xml")) == [5, 0, 0, 1]
    assert_schema_valid(str(dest / "junit.xml"))

    code, result, out = run_results(tmp_path, args)
    assert code == 0 and result["changed"] is False and result["files"] == [], out

    code, result, out = run_results(tmp_path, dict(args, save_logs="always"))
    assert code == 0 and result["changed"] is True, out
    # summary.json now lists the log; junit.xml is unchanged.
    assert result["files"] == [str(dest / "summary.json"), str(dest / "logs" / "redis.log")]
    assert "Ready to accept connections" in (dest / "logs" / "redis.log").read_text()


def test_failed_run_with_save_logs_never(tmp_path, container):
    lines, rc = captured("plain_fail")
    dest = tmp_path / "never"
    code, result, out = run_results(tmp_path, {"dest": str(dest), "go_test_output": lines, "rc": rc,
                                               "save_logs": "never",
                                               "logs": [{"name": "redis", "container": container}]})
    assert code == 0 and result["state"] == "FAILED" and result["logs"] == [], out
    assert sorted(all_files(str(dest))) == ["junit.xml", "summary.json"]


@pytest.mark.parametrize("name,counts,junit", [
    ("ginkgo_mixed_verbose", (2, 4, 3, 9), [9, 4, 0, 3]),
    ("ginkgo_mixed", (2, 4, 3, 9), [9, 4, 0, 3]),
    ("examples_no_database", (0, 1, 12, 13), [13, 1, 0, 12]),
    ("build_fail_text", (4, 0, 1, 5), [6, 0, 1, 1]),
    ("timeout", (1, 1, 0, 2), [2, 0, 1, 0]),
])
def test_captured_outputs(tmp_path, name, counts, junit):
    lines, rc = captured(name)
    dest = tmp_path / name
    code, result, out = run_results(tmp_path, {"dest": str(dest), "go_test_output": lines, "rc": rc})
    assert code == 0 and result, out
    assert tuple(result["counts"][k] for k in ("passed", "failed", "skipped", "total")) == counts
    assert junit_counts(str(dest / "junit.xml")) == junit
    assert_schema_valid(str(dest / "junit.xml"))
    expected = parse_go_test_json(lines, rc)
    with open(str(dest / "summary.json")) as handle:
        assert json.load(handle)["failed"] == expected["failed_names"]


def test_check_mode_writes_nothing(tmp_path, container):
    lines, rc = captured("plain_fail")
    dest = tmp_path / "check"
    args = {"dest": str(dest), "go_test_output": lines, "rc": rc, "logs": [{"name": "redis", "container": container}]}
    code, result, out = run_results(tmp_path, args, "--check")
    assert code == 0 and result, out
    assert result["changed"] is True
    assert result["files"] == [str(dest / "junit.xml"), str(dest / "summary.json"), str(dest / "logs" / "redis.log")]
    assert not dest.exists()


def test_a_log_needs_a_container_or_a_path(tmp_path):
    lines, rc = captured("plain_pass")
    code, result, out = run_results(tmp_path, {"dest": str(tmp_path / "bad"), "go_test_output": lines, "rc": rc,
                                               "logs": [{"name": "x", "container": "c", "path": "/tmp/p"}]})
    assert code != 0
    assert "needs exactly one of container" in result["msg"], out
    assert not (tmp_path / "bad").exists()


def test_the_old_name_test_results_still_runs_the_module_and_says_it_is_deprecated(tmp_path):
    lines, rc = captured("plain_pass")
    playbook = tmp_path / "old_name.yml"
    playbook.write_text(open(PLAYBOOK).read().replace("kubernaut.testinfra.result_files:", "kubernaut.testinfra.test_results:"))
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"results_args": {"dest": str(tmp_path / "out"), "go_test_output": lines, "rc": rc}}))
    proc = start_playbook(str(playbook), "-e", "@%s" % args_file, "-e", "ansible_python_interpreter=%s" % sys.executable,
                          env={"ANSIBLE_DEPRECATION_WARNINGS": "1"}, stderr=subprocess.STDOUT)
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, out
    assert "Use kubernaut.testinfra.result_files, its new name" in " ".join(out.split()), out
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["ok"] is True
