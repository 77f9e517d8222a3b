# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction of secrets, passwords and tokens (module_utils/report/redact.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.redact import MASK, Redactor


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.dGVzdC1zaWduYXR1cmU"


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
