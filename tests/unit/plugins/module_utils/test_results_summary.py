# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""module_utils/results.py (Redactor, summary.json) and the test_results module's pure helpers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import parse_go_test_results
from ansible_collections.kubernaut.testinfra.plugins.module_utils.results import MASK, Redactor, build_summary
from ansible_collections.kubernaut.testinfra.plugins.modules import test_results as module

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "fixtures", "gotest")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.dGVzdC1zaWduYXR1cmU"
SUMMARY_KEYS = {"service", "run_id", "ok", "state", "rc", "counts", "failed", "failures", "packages",
                "build_errors", "non_json", "durations", "backends", "go_version", "hostname", "started", "finished",
                "logs"}


def results(name):
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        stdout = handle.read()
    with open(os.path.join(FIXTURES, name + ".rc")) as handle:
        return parse_go_test_results(stdout, int(handle.read()))


@pytest.mark.parametrize("text,expected", [
    ("plain s3cret here", "plain ******** here"),
    ("twice s3cret s3cret", "twice ******** ********"),
    ("url-encoded p%40ss%2Fword", "url-encoded ********"),
    ("PGPASSWORD=abc123 psql", "PGPASSWORD=******** psql"),
    ("host=db password=abc123 sslmode=disable", "host=db password=******** sslmode=disable"),
    ('{"redis_password": "abc123"}', '{"redis_password": "********"}'),
    ("REDIS_URL=redis://:abc123@127.0.0.1:6379/0", "REDIS_URL=redis://:********@127.0.0.1:6379/0"),
    ("postgres://kubernaut:abc123@localhost:5432/db", "postgres://kubernaut:********@localhost:5432/db"),
    ("Authorization: Bearer " + JWT + " end", "Authorization: Bearer ******** end"),
    ('password authentication failed for user "kubernaut"', 'password authentication failed for user "kubernaut"'),
    ("http://localhost:8080/healthz", "http://localhost:8080/healthz"),
    ("export REDIS_URL=redis://[:password@]host:port/0", "export REDIS_URL=redis://[:password@]host:port/0"),
    ("export DATABASE_URL=postgres://user:pass@host:port/db", "export DATABASE_URL=postgres://user:pass@host:port/db"),
    ("password=password", "password=password"),
    ("nothing to hide", "nothing to hide"),
])
def test_redactor(text, expected):
    assert Redactor(["s3cret", "p@ss/word", "", None])(text) == expected


def test_redactor_prefers_the_longest_secret_and_leaves_non_strings():
    redact = Redactor(["abc", "abcdef"])
    assert redact("xabcdefx abc") == "x%sx %s" % (MASK, MASK)
    assert redact(None) is None and redact(3) == 3
    data = redact.data({"abc": ["abc", {"k": "abcdef"}], "n": 1.5}, keys=True)
    assert data == {MASK: [MASK, {"k": MASK}], "n": 1.5}
    assert redact.data({"abc": "abc"}) == {"abc": MASK}


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


@pytest.mark.parametrize("name,expected", [
    ("redis", "redis.log"), ("kube-apiserver", "kube-apiserver.log"), ("../etc/x y", "_etc_x_y.log"),
    ("..", "log.log"),
])
def test_log_file_name(name, expected):
    assert module.log_file_name(name) == expected


def test_tail_file(tmp_path):
    path = tmp_path / "big.log"
    path.write_text("".join("line %d\n" % n for n in range(20000)))
    assert module.tail_file(str(path), 3) == "line 19997\nline 19998\nline 19999"
    assert module.tail_file(str(path), 0) == ""
    small = tmp_path / "small.log"
    small.write_text("only\n")
    assert module.tail_file(str(small), 200) == "only"
    assert module.file_log(str(tmp_path / "missing.log"), 5).startswith("(file not found: ")
