# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wiring tests for the go_test_summary / go_test_summary_text filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from ansible_collections.kubernaut.testinfra.plugins.filter.go_test import FilterModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_json
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.summary import summary_text

UNIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(UNIT, "fixtures", "gotest", "ginkgo_mixed.json")
COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(UNIT)), ".testinfra", "collections")


@pytest.fixture(name="stdout")
def stdout_fixture():
    with open(FIXTURE) as handle:
        return handle.read()


def test_filters_are_exposed():
    filters = FilterModule().filters()
    assert sorted(filters) == ["go_test_summary", "go_test_summary_text"]


def test_go_test_summary_delegates(stdout):
    summary = FilterModule().filters()["go_test_summary"](stdout, 1)
    assert summary == parse_go_test_json(stdout, 1)
    assert (summary["total"], summary["failed"], summary["ok"]) == (9, 4, False)


def test_go_test_summary_text_accepts_summary_or_raw_stdout(stdout):
    to_text = FilterModule().filters()["go_test_summary_text"]
    expected = summary_text(parse_go_test_json(stdout), title="ds", max_names=1)
    assert to_text(parse_go_test_json(stdout), "ds", 1) == expected
    assert to_text(stdout, title="ds", max_names=1) == expected
    assert expected.splitlines()[0] == "ds: FAILED - 9 tests: 2 passed, 4 failed, 3 skipped in 0.21s"


def test_go_test_summary_text_details(stdout):
    to_text = FilterModule().filters()["go_test_summary_text"]
    summary = parse_go_test_json(stdout, 1)
    plain = summary_text(summary, title="ds", max_names=1)
    detailed = summary_text(summary, title="ds", max_names=1, details=True)
    assert plain != detailed
    assert to_text(summary, "ds", 1) == to_text(summary, "ds", 1, False) == to_text(summary, "ds", 1, "no") == plain
    assert to_text(summary, "ds", 1, True) == to_text(summary, "ds", 1, "yes") == detailed
    assert to_text(stdout, "ds", 1, 1) == summary_text(parse_go_test_json(stdout), "ds", 1, details=True)
    assert to_text(summary, title="ds", max_names=1, details=True) == detailed
    assert detailed.splitlines()[3:5] == [
        "        Expected <[]float32 | len:12, cap:12>: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] to have length 384",
        "          [FAILED] Expected",
    ]


def test_go_test_summary_returns_failures(stdout):
    summary = FilterModule().filters()["go_test_summary"](stdout, 1)
    assert [f["name"] for f in summary["failures"]] == summary["failed_names"]
    assert summary["failures"][2]["message"] == "Test Panicked: assignment to entry in nil map"


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  connection: local
  tasks:
    - ansible.builtin.set_fact:
        summary: "{{ lookup('ansible.builtin.file', fixture) | kubernaut.testinfra.go_test_summary(1) }}"
    - ansible.builtin.assert:
        that:
          - summary.total == 9
          - summary.failed == 4
          - summary.skipped == 3
          - not summary.ok
          - summary.packages[0].framework == 'ginkgo'
          - summary.failures | length == 4
          - summary.failures[3].message == 'A node timeout occurred'
    - ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ summary | kubernaut.testinfra.go_test_summary_text('datastorage', 2) }}"
    - ansible.builtin.copy:
        dest: "{{ out }}.details"
        content: "{{ summary | kubernaut.testinfra.go_test_summary_text('datastorage', max_names=2, details=true) }}"
"""


def test_filters_work_in_a_playbook(tmp_path, stdout):
    playbook_bin = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(playbook_bin):
        pytest.skip("ansible-playbook not installed next to %s" % sys.executable)
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    out = tmp_path / "out.txt"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    result = subprocess.run(
        [playbook_bin, "-i", "localhost,", str(playbook), "-e", "fixture=%s" % FIXTURE, "-e", "out=%s" % out,
         "-e", "ansible_python_interpreter=%s" % sys.executable],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, check=False)
    assert result.returncode == 0, result.stdout
    assert out.read_text() == summary_text(parse_go_test_json(stdout, 1), "datastorage", 2)
    details = tmp_path / "out.txt.details"
    assert details.read_text() == summary_text(parse_go_test_json(stdout, 1), "datastorage", 2, details=True)
