"""k8s_cluster_ready: how long to wait after CRDs are established before creates stop being delayed."""

import calendar

from ansible_collections.kubernaut.testinfra.plugins.modules.k8s_cluster_ready import (
    CREATE_DELAY_WINDOW, MARGIN, create_delay, transition_time)

ESTABLISHED = {"type": "Established", "status": "True", "lastTransitionTime": "2026-11-24T06:10:01Z"}
AT = calendar.timegm((2026, 11, 24, 6, 10, 1, 0, 0, 0))


def test_transition_time_is_read_as_utc():
    assert transition_time(ESTABLISHED) == AT
    assert transition_time({"type": "Established"}) is None
    assert transition_time({"lastTransitionTime": "yesterday"}) is None


def test_creates_are_held_back_until_two_seconds_after_the_whole_second_of_establishment():
    # established at 06:10:01.9 really; the API server stores 06:10:01 and delays creates until 06:10:03
    assert abs(create_delay(AT, now=AT + 0.9) - (1.1 + MARGIN)) < 1e-6
    assert create_delay(AT, now=AT + CREATE_DELAY_WINDOW + MARGIN) == 0.0
    assert create_delay(AT, now=AT + 60) == 0.0
    assert create_delay(None) == 0.0


def test_a_server_clock_ahead_of_ours_never_makes_us_wait_more_than_the_window():
    assert create_delay(AT + 3600, now=AT) == CREATE_DELAY_WINDOW + MARGIN
