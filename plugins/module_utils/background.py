# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Work a module does in a second thread while it goes on with other work (Podman and Go both take a while).

The work gets a view of the module whose fail_json does not end anything: the failure is kept and the module
reports it, from its own thread, when it asks for the result. So the module prints one result, and when the
module itself fails first, the work is still waited for (nothing is left half done).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading


class _Failed(Exception):
    def __init__(self, result):
        Exception.__init__(self, result.get("msg", "failed"))
        self.result = result


class _Deferring(object):
    """The module, except that fail_json raises _Failed."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def fail_json(self, msg, **result):
        result["msg"] = msg
        raise _Failed(result)


class Background(object):
    """``func(module, *args)`` in a daemon thread, started at once.

    Wait for it however the module's other work ends (``wait()`` in a ``finally``, fail_json included); then
    ``result()`` gives the return value or fails the module with the work's failure.
    """

    def __init__(self, module, func, *args):
        self._module = module
        self._value = None
        self._failure = None
        self._thread = threading.Thread(target=self._run, args=(func, args))
        self._thread.daemon = True
        self._thread.start()

    def _run(self, func, args):
        try:
            self._value = func(_Deferring(self._module), *args)
        except _Failed as failed:
            self._failure = failed.result
        except Exception as exc:  # pylint: disable=broad-except - reported by the module's own thread
            self._failure = dict(msg="%s failed: %s: %s" % (getattr(func, "__name__", "work"), type(exc).__name__, exc))

    def wait(self):
        self._thread.join()

    def result(self):
        """The work's return value, once it has finished; its failure fails the module."""
        self.wait()
        if self._failure is not None:
            result = dict(self._failure)
            self._module.fail_json(result.pop("msg"), **result)
        return self._value
