# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The readiness probe of a generic backend entry (``ready``): checked, with one message per problem naming the
field and the fix, and completed with its defaults. The probes themselves run in the module container_ready."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex

PROBES = ("tcp", "sql", "redis", "http", "exec", "log")
# What each probe waits for, in messages.
ANSWERS = {
    "tcp": "a TCP connection",
    "sql": "SQL (SELECT 1)",
    "redis": "PING",
    "http": "HTTP",
    "exec": "its command",
    "log": "its log line",
}
# The fields of ``ready`` each probe takes besides ``probe`` and ``timeout``.
PROBE_FIELDS = {
    "tcp": ("port",),
    "sql": ("port",),
    "redis": ("port",),
    "http": ("port", "path", "status"),
    "exec": ("command",),
    "log": ("pattern",),
}
READY_FIELDS = ("probe", "timeout", "port", "path", "status", "command", "pattern")
DEFAULT_TIMEOUT = 60


def _is_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().isdigit()


def parse_ready(ready, ports, where, ports_ok=True):
    """(ready spec with its defaults, [error messages]) of an entry's ``ready`` (a probe name or a dict).

    ``ports`` are the entry's container ports; ``where`` names the entry in messages
    (``testinfra_backends.<name>``); with ``ports_ok`` false (the entry's ports are wrong, which has its own
    message), nothing is said about the probe's port. The spec always has every key of READY_FIELDS."""
    errors = []
    spec = dict(probe="", timeout=DEFAULT_TIMEOUT, port=0, path="/", status=200, command=[], pattern="")
    if ready is None or ready == "" or ready == {}:
        if not ports and ports_ok:
            errors.append("%s.ready is missing and the entry publishes no port to probe: set ready to an exec or "
                          "log probe, e.g. ready: {probe: log, pattern: 'ready to accept'}" % where)
            return spec, errors
        ready = {"probe": "tcp"}
    if isinstance(ready, str):
        ready = {"probe": ready}
    if not isinstance(ready, dict):
        errors.append("%s.ready must be a probe name or a dict such as {probe: tcp, timeout: 30}, not %r"
                      % (where, ready))
        return spec, errors
    probe = ready.get("probe")
    if probe not in PROBES:
        errors.append("%s.ready.probe %s is not a probe: use one of %s" % (
            where, "is missing" if probe in (None, "") else repr(probe), ", ".join(PROBES)))
        return spec, errors
    spec["probe"] = probe
    unknown = sorted(str(key) for key in ready if key not in READY_FIELDS)
    if unknown:
        errors.append("%s.ready.%s is not a field of ready: the fields are %s"
                      % (where, unknown[0], ", ".join(READY_FIELDS)))
    misplaced = sorted(key for key in ready if key in READY_FIELDS and key not in ("probe", "timeout")
                       and key not in PROBE_FIELDS[probe])
    if misplaced:
        errors.append("%s.ready.%s does not apply to the %s probe (it takes %s): remove it or change the probe"
                      % (where, misplaced[0], probe, ", ".join(PROBE_FIELDS[probe])))
    timeout = ready.get("timeout", DEFAULT_TIMEOUT)
    try:
        spec["timeout"] = float(timeout)
        if spec["timeout"] <= 0 or isinstance(timeout, bool):
            raise ValueError(timeout)
    except (TypeError, ValueError):
        errors.append("%s.ready.timeout %r is not a number of seconds: e.g. timeout: 60" % (where, timeout))
    if "port" in PROBE_FIELDS[probe] and ports_ok:
        port = ready.get("port", ports[0] if ports else None)
        if port is None:
            errors.append("%s.ready: the %s probe needs a port and the entry publishes none: list the container "
                          "port under ports" % (where, probe))
        elif not _is_int(port) or int(port) not in ports:
            errors.append("%s.ready.port %r is not one of the entry's ports (%s): name a container port of ports"
                          % (where, port, ", ".join(str(p) for p in ports) or "none"))
        else:
            spec["port"] = int(port)
    if probe == "http":
        path = ready.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            errors.append("%s.ready.path %r is not an absolute URL path: e.g. path: /healthz" % (where, path))
        else:
            spec["path"] = path
        status = ready.get("status", 200)
        if not _is_int(status) or not 100 <= int(status) <= 599:
            errors.append("%s.ready.status %r is not an HTTP status: e.g. status: 200" % (where, status))
        else:
            spec["status"] = int(status)
    if probe == "exec":
        command = ready.get("command")
        if isinstance(command, str):
            command = shlex.split(command)
        if not command or not isinstance(command, list) or not all(isinstance(part, (str, int)) for part in command):
            errors.append("%s.ready.command is missing or not a command: give the command to run in the container, "
                          "e.g. command: [pg_isready, -U, postgres]" % where)
        else:
            spec["command"] = [str(part) for part in command]
    if probe == "log":
        pattern = ready.get("pattern")
        if not pattern or not isinstance(pattern, str):
            errors.append("%s.ready.pattern is missing: give a regular expression the log shows once the server is "
                          "ready, e.g. pattern: 'Ready to accept connections'" % where)
        else:
            try:
                re.compile(pattern)
                spec["pattern"] = pattern
            except re.error as exc:
                errors.append("%s.ready.pattern %r is not a regular expression (%s): fix it" % (where, pattern, exc))
    return spec, errors
