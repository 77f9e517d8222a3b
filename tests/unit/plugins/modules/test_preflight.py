"""Pure helpers of the preflight module."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import go_duration_seconds


@pytest.mark.parametrize("text,seconds", [("5m", 300), ("90s", 90), ("1h30m", 5400), ("1.5s", 1.5),
                                          ("5", None), ("five minutes", None), ("5m3", None), ("", None)])
def test_go_duration_seconds(text, seconds):
    assert go_duration_seconds(text) == seconds
