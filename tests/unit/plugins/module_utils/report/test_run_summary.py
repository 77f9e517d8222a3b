# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The summary.json document of a run (module_utils/report/run_summary.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from gotest_captures import fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_results
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.run_summary import build_summary

SUMMARY_KEYS = {"service", "run_id", "ok", "state", "rc", "counts", "failed", "failures", "packages",
                "build_errors", "non_json", "durations", "backends", "go_version", "hostname", "started", "finished",
                "logs"}


def results(name):
    return parse_go_test_results(*fixture(name))


def test_summary_document_of_a_failing_ginkgo_run():
    summary, suites = results("ginkgo_mixed")
    doc = build_summary(summary, suites, service="datastorage", run_id="r1", phases={"provision": "1.25", "test": 3},
                        backends={"pgvector": {"server_version": "17.2"}}, go_version="go version go1.26.8",
                        hostname="ci", logs=["logs/pgvector.log"])
    assert set(doc) == SUMMARY_KEYS
    assert doc["state"] == "FAILED" and doc["ok"] is False and doc["rc"] == 1
    assert doc["counts"] == {"passed": 2, "failed": 4, "skipped": 3, "total": 9}
    assert doc["failed"] == summary["failed_names"]
    assert doc["failures"][0] == {
        "name": "example.com/m/test/integration/datastorage Datastorage embeddings [It] rejects wrong dimension",
        "package": "example.com/m/test/integration/datastorage",
        "message": "Expected <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] to have length 384"}
    assert doc["durations"] == {"provision": 1.25, "test": 3.0}
    assert doc["started"] == "2026-11-23T21:26:06Z" and doc["finished"] == "2026-11-23T21:26:07Z"
    assert doc["packages"][0]["name"] == "example.com/m/test/integration/datastorage"
    json.dumps(doc)


def test_summary_document_of_a_passing_run_and_of_no_output():
    summary, suites = results("plain_pass")
    doc = build_summary(summary, suites)
    assert doc["ok"] is True and doc["state"] == "PASSED" and doc["failed"] == [] and doc["failures"] == []
    summary, suites = parse_go_test_results([], None)
    doc = build_summary(summary, suites)
    assert doc["state"] == "NO TESTS" and doc["started"] is None and doc["finished"] is None
