"""The wait loop of every readiness check (module_utils/readiness/wait.py)."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady, wait_until


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
