"""Version comparison of the backend readiness modules (module_utils/readiness/backend.py)."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.backend import (
    version_at_least, version_tuple)


@pytest.mark.parametrize("text,expected", [
    ("0.8.0", (0, 8, 0)), ("17.2 (Debian 17.2-1.pgdg120+1)", (17, 2)), ("v7.2.5", (7, 2, 5)), ("", ()), ("x", ())])
def test_version_tuple(text, expected):
    assert version_tuple(text) == expected


@pytest.mark.parametrize("found,minimum,ok", [
    ("0.8.0", "0.5.1", True), ("0.5.1", "0.5.1", True), ("0.5", "0.5.1", False), ("0.4.1", "0.5.1", False),
    ("0.10.0", "0.9", True), ("8.0.2", "6.2", True), ("6.0.16", "6.2", False), ("anything", "", True)])
def test_version_at_least(found, minimum, ok):
    assert version_at_least(found, minimum) is ok
