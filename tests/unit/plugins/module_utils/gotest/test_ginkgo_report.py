"""runner: ginkgo: the JSON report as go test events (same counts as go test on the same suite), the command line."""

import io
import json
import os
import re
import stat
import sys

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import ginkgo_cli, ginkgo_json
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_results
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.junit import junit_xml

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "ginkgo")
MODULE = "github.com/kubernaut/testinfra/examples"
PACKAGE = MODULE + "/test/integration/specs"


def report(name, tmp_path):
    """A ginkgo JSON report captured from the fixture suite, its suites moved into a module under tmp_path."""
    with open(os.path.join(FIXTURES, name)) as handle:
        suites = json.load(handle)
    (tmp_path / "go.mod").write_text("module %s\n\ngo 1.24.0\n" % MODULE)
    for suite in suites:
        suite["SuitePath"] = suite["SuitePath"].replace("/tmp/g16", str(tmp_path))
    return suites


def events_text(suites, procs=2):
    return "\n".join(json.dumps(e) for e in ginkgo_json.report_events(suites, procs))


def test_report_counts_like_go_test_on_the_same_suite(tmp_path):
    with open(os.path.join(FIXTURES, "specs_go_test.json")) as handle:
        go_test = parse_go_test_results(handle.read(), 1)[0]
    ginkgo = parse_go_test_results(events_text(report("specs_report.json", tmp_path)), 1)[0]
    for key in ("passed", "failed", "skipped", "total"):
        assert ginkgo[key] == go_test[key], key
    assert (ginkgo["passed"], ginkgo["failed"], ginkgo["skipped"]) == (2, 2, 3)  # 1 pending + 2 Skip()
    assert ginkgo["state"] == "FAILED" and not ginkgo["ok"]
    assert [p["name"] for p in ginkgo["packages"]] == [PACKAGE]
    assert ginkgo["failed_names"] == [PACKAGE + ".Runner specs passes two [fast]", PACKAGE + ".Runner specs fails"]
    assert ginkgo["failures"][1]["message"] == "[FAILED] specs_suite_test.go:25: a failing spec"


def test_each_spec_names_the_process_that_ran_it(tmp_path):
    summary, suites = parse_go_test_results(events_text(report("specs_report.json", tmp_path)), 1)
    cases = dict((c["name"], c) for c in suites[0]["cases"])
    assert set(cases) >= {"Runner specs passes one", "Runner specs nested passes three", "Runner specs is pending"}
    assert re.search(r"\(ginkgo process [12] of 2\)", summary["failures"][0]["output"])
    xml = junit_xml(suites, hostname="h", properties=[])
    assert 'tests="7"' in xml and 'failures="2"' in xml and 'skipped="3"' in xml


def test_a_suite_that_does_not_compile_is_a_failed_build(tmp_path):
    summary = parse_go_test_results(events_text(report("broken_report.json", tmp_path)), 1)[0]
    assert summary["build_failed"] and summary["state"] == "BUILD FAILED"
    assert any("undefined: undefinedThing" in line for line in summary["build_errors"])
    assert summary["passed"] == 2 and summary["failed"] == 2  # the other suite still counts


def test_failed_suite_node_and_timeout_reason():
    suite = {"SuitePath": "/nowhere/pkg", "SuiteSucceeded": False,
             "SpecialSuiteFailureReasons": ["Suite Timeout Elapsed"],
             "SpecReports": [
                 {"LeafNodeType": "BeforeSuite", "State": "failed", "Failure": {"Message": "no database"}},
                 {"LeafNodeType": "SynchronizedAfterSuite", "State": "passed"},
                 {"LeafNodeType": "It", "LeafNodeText": "x", "ContainerHierarchyTexts": ["A"], "State": "skipped"}]}
    summary = parse_go_test_results(events_text([suite]), 1)[0]
    assert (summary["passed"], summary["failed"], summary["skipped"]) == (0, 1, 1)
    assert summary["failed_names"] == ["/nowhere/pkg.[BeforeSuite]"]
    assert summary["timed_out"] and summary["state"] == "TIMED OUT"


def test_spec_name_has_containers_and_labels_once():
    spec = {"ContainerHierarchyTexts": ["Outer", "inner"], "ContainerHierarchyLabels": [["db"], None],
            "LeafNodeText": "works", "LeafNodeLabels": ["db", "fast"], "LeafNodeType": "It"}
    assert ginkgo_json.spec_name(spec) == "Outer inner works [db, fast]"


def test_import_path_from_go_mod(tmp_path):
    (tmp_path / "go.mod").write_text('module "example.com/m"\n')
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert ginkgo_json.import_path(str(tmp_path / "a" / "b")) == "example.com/m/a/b"
    assert ginkgo_json.import_path(str(tmp_path)) == "example.com/m"


def test_wrapper_runs_the_command_and_prints_events(tmp_path):
    (tmp_path / "go.mod").write_text("module %s\n" % MODULE)
    suites = report("specs_report.json", tmp_path)
    source = tmp_path / "source.json"
    source.write_text(json.dumps(suites))
    target = str(tmp_path / "out" / "r.json")
    out = io.StringIO()
    rc = ginkgo_json.run(target, [sys.executable, "-c", "import shutil, sys; print('console'); "
                                  "shutil.copy(sys.argv[1], sys.argv[2]); sys.exit(1)", str(source), target], out)
    assert rc == 1
    assert parse_go_test_results(out.getvalue(), rc)[0]["total"] == 7
    assert open(target + ".log").read() == "console\n"


def test_wrapper_without_a_report_prints_the_console(tmp_path):
    out = io.StringIO()
    rc = ginkgo_json.run(str(tmp_path / "r.json"),
                         [sys.executable, "-c", "print('\\x1b[1mflag provided but not defined\\x1b[0m')"], out)
    assert rc == 1 and out.getvalue() == "flag provided but not defined\n"
    assert ginkgo_json.main(["only-one"]) == 2


def test_flags_are_translated():
    own, binary, dropped = ginkgo_cli.translate_flags(
        ["-v", "-ginkgo.v", "-ginkgo.label-filter=db", "-count=1", "-json", "-timeout=1m", "-test.v", "-race"])
    assert own == ["-v", "--v", "--label-filter=db", "-race"]
    assert binary == ["-test.v"] and dropped == ["-count=1", "-json", "-timeout=1m"]


def test_go_test_selection_flags_are_refused_with_the_ginkgo_way():
    assert ginkgo_cli.refused(["-v", "-ginkgo.skip=x"]) == []
    assert ginkgo_cli.refused(["-run=TestX", "-skip", "x"])[0].startswith("-run=TestX: use --focus=")
    assert ginkgo_cli.translate_flags(["-failfast"])[0] == ["--fail-fast"]


def test_argv_has_procs_race_timeout_and_report():
    argv, dropped = ginkgo_cli.ginkgo_argv("py", "conv.py", "/c/ginkgo", "/r.json", ["./a/..."], ["-ginkgo.v"],
                                           2, True, "15m")
    assert argv == ["py", "conv.py", "/r.json", "--", "/c/ginkgo", "run", "--procs=2", "--race", "--timeout=15m",
                    "--keep-going", "--no-color", "--output-dir=/", "--json-report=r.json", "--v", "./a/..."]
    argv = ginkgo_cli.ginkgo_argv("py", "c", "g", "/d/r", ["./..."], ["-ginkgo.procs=3", "-test.v"], 2, False, "5m")[0]
    assert "--procs=3" in argv and "--procs=2" not in argv and argv[-2:] == ["--", "-test.v"]
    assert ginkgo_json.procs_of(argv) == 3


def test_build_reuses_the_cached_binary_and_installs_the_converter(tmp_path):
    calls = []

    def run(args, cwd=None, environ_update=None):
        calls.append(args)
        with open(args[args.index("-o") + 1], "w") as handle:
            handle.write("#!/bin/sh\n")
        return 0, "", ""

    path, error = ginkgo_cli.build(run, "go", str(tmp_path), str(tmp_path / "cache"), "v2.28.0")
    assert not error and path == str(tmp_path / "cache" / "bin" / "ginkgo-v2.28.0")
    assert os.stat(path).st_mode & stat.S_IXUSR
    assert ginkgo_cli.build(run, "go", str(tmp_path), str(tmp_path / "cache"), "v2.28.0") == (path, "")
    assert len(calls) == 1
    converter = ginkgo_cli.install_converter(str(tmp_path / "cache"), ginkgo_json)
    assert open(converter).read() == open(ginkgo_json.__file__.replace(".pyc", ".py")).read()
