"""Pure helpers of the readiness modules and preflight."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness import (
    NotReady, version_at_least, version_tuple, wait_until)
from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import go_duration_seconds


@pytest.mark.parametrize("text,expected", [
    ("0.8.0", (0, 8, 0)), ("17.2 (Debian 17.2-1.pgdg120+1)", (17, 2)), ("v7.2.5", (7, 2, 5)), ("", ()), ("x", ())])
def test_version_tuple(text, expected):
    assert version_tuple(text) == expected


@pytest.mark.parametrize("found,minimum,ok", [
    ("0.8.0", "0.5.1", True), ("0.5.1", "0.5.1", True), ("0.5", "0.5.1", False), ("0.4.1", "0.5.1", False),
    ("0.10.0", "0.9", True), ("8.0.2", "6.2", True), ("6.0.16", "6.2", False), ("anything", "", True)])
def test_version_at_least(found, minimum, ok):
    assert version_at_least(found, minimum) is ok


@pytest.mark.parametrize("text,seconds", [("5m", 300), ("90s", 90), ("1h30m", 5400), ("1.5s", 1.5),
                                          ("5", None), ("five minutes", None), ("5m3", None), ("", None)])
def test_go_duration_seconds(text, seconds):
    assert go_duration_seconds(text) == seconds


def test_wait_until_retries_then_returns():
    calls = []

    def probe():
        calls.append(1)
        if len(calls) < 3:
            raise NotReady("not yet")
        return "up"

    result, attempts, dummy = wait_until(probe, timeout=5, interval=0)
    assert (result, attempts) == ("up", 3)


def test_wait_until_gives_up_with_the_last_reason():
    def probe():
        raise NotReady("connection refused")

    with pytest.raises(NotReady, match="last error: connection refused"):
        wait_until(probe, timeout=0, interval=0)
