# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bounded wait loop: a probe called until it answers, raising NotReady to try again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


class NotReady(Exception):
    """The backend did not answer yet; the wait loop tries again."""


class Fatal(Exception):
    """The backend answered with an error that waiting will not fix."""


def wait_until(probe, timeout, interval=0.05, on_retry=None):
    """Call ``probe()`` until it returns, raising NotReady to retry, for at most ``timeout`` seconds.

    ``on_retry(last_error)`` is called between attempts and may raise Fatal (for example when the
    container has exited). Returns ``(result, attempts, seconds)``; raises NotReady with the last
    reason when the time is up.
    """
    start = time.monotonic()
    attempts = 0
    last = None
    while True:
        attempts += 1
        try:
            return probe(), attempts, round(time.monotonic() - start, 3)
        except NotReady as exc:
            last = exc
        if time.monotonic() - start >= timeout:
            raise NotReady("not ready after %ss (%d attempts); last error: %s" % (timeout, attempts, last))
        if on_retry is not None:
            on_retry(last)
        time.sleep(interval)
