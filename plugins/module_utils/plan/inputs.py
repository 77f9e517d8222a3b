# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inputs a run is given, checked before anything starts: the ports, timeouts, durations and choices the
registry's backends declare (field ``inputs``: {variable: kind}, a kind being port, seconds, duration or the list of
allowed values) and the orchestrator's own, each message naming the variable and the fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+$")
KINDS = ("port", "seconds", "duration")


def input_variables(known):
    """The variables the registry's backends declare in ``inputs``."""
    out = []
    for entry in known.values():
        out += [name for name in sorted(entry.get("inputs") or {}) if name not in out]
    return out


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def input_error(variable, kind, value):
    """The message for a bad ``value`` of ``variable`` (kind port, seconds, duration, or a list of choices), or
    None."""
    shown = "%s=%s" % (variable, value)
    if isinstance(kind, (list, tuple)):
        if str(value).strip() not in [str(choice) for choice in kind]:
            return ("%s is not one of %s: set -e %s to one of them" % (shown, ", ".join(map(str, kind)), variable))
        return None
    number = _number(value)
    if kind == "port":
        if number is None or number != int(number) or not 0 <= number <= 65535:
            return ("%s is not a port: set -e %s to a port from 1 to 65535, or 0 for a free one" % (shown, variable))
    elif kind == "seconds":
        if number is None or number <= 0:
            return ("%s is not a positive number of seconds: set -e %s to, for example, 60" % (shown, variable))
    elif kind == "duration":
        text = str(value).strip()
        if isinstance(value, bool) or not (_DURATION.match(text) and re.search(r"[1-9]", text)):
            return ("%s is not a positive duration: set -e %s to a Go duration such as 90s, 2m or 1h30m"
                    % (shown, variable))
    else:
        raise ValueError("unknown input kind %r of %s: use one of %s, or a list of choices"
                         % (kind, variable, ", ".join(KINDS)))
    return None


def input_errors(known, selected, values, extra=None):
    """Messages for the bad values among ``values`` ({variable: value}, '' or None when the user set none) of the
    selected backends' ``inputs`` and of ``extra`` ({variable: kind}: the orchestrator's own)."""
    kinds = dict(extra or {})
    for name in selected or []:
        kinds.update((known.get(name) or {}).get("inputs") or {})
    errors = []
    for variable in sorted(kinds):
        value = (values or {}).get(variable, "")
        if value in ("", None):
            continue
        error = input_error(variable, kinds[variable], value)
        if error:
            errors.append(error)
    return errors
