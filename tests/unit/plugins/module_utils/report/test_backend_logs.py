# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backends' logs saved with the results (module_utils/report/backend_logs.py): file names, log file tails."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.backend_logs import (
    file_log, log_file_name, tail_file)


@pytest.mark.parametrize("name,expected", [
    ("redis", "redis.log"), ("kube-apiserver", "kube-apiserver.log"), ("../etc/x y", "_etc_x_y.log"),
    ("..", "log.log"),
])
def test_log_file_name(name, expected):
    assert log_file_name(name) == expected


def test_tail_file(tmp_path):
    path = tmp_path / "big.log"
    path.write_text("".join("line %d\n" % n for n in range(20000)))
    assert tail_file(str(path), 3) == "line 19997\nline 19998\nline 19999"
    assert tail_file(str(path), 0) == ""
    small = tmp_path / "small.log"
    small.write_text("only\n")
    assert tail_file(str(small), 200) == "only"
    assert file_log(str(tmp_path / "missing.log"), 5).startswith("(file not found: ")
