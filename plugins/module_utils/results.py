# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction and the ``summary.json`` document of a test run.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2
    from urllib import quote

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2
    from collections import Mapping

from ansible_collections.kubernaut.testinfra.plugins.module_utils.junit import parse_go_time

MASK = "********"

# KEY=value / key: value where the key ends in "password" (PASSWORD=, PGPASSWORD=, redis_password: ...).
_PASSWORD_RE = re.compile(r"""(?i)(\w*password["']?\s*[=:]\s*["']?)([^\s"'&;,]+)""")
# The password of a URL's userinfo: postgres://user:secret@host, redis://:secret@host.
_URL_PASSWORD_RE = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\[\]]*:)([^\s@/]+)(@)")
# Placeholders in help texts ("postgres://user:pass@host:port/db") that are not secrets.
_PLACEHOLDERS = ("pass", "password", "passwd", "pwd")
# A JSON Web Token (service-account tokens): header.payload.signature, base64url.
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")


class Redactor(object):
    """Replace secrets in text by ``********``.

    Every occurrence of each given secret (and of its URL-encoded form) is
    replaced, longest first; then ``password=...`` / ``PASSWORD: ...`` values,
    the password in ``scheme://user:password@host`` (except the placeholder
    words of help texts, such as ``user:pass@host``) and anything that looks
    like a JWT.
    """

    def __init__(self, secrets=None):
        found = set()
        for secret in secrets or []:
            if secret is None:
                continue
            secret = str(secret)
            if secret and secret != MASK:
                found.add(secret)
                encoded = quote(secret, safe="")
                if encoded != secret:
                    found.add(encoded)
        self.secrets = sorted(found, key=lambda s: (-len(s), s))

    def __call__(self, text):
        if not isinstance(text, str) or not text:
            return text
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _JWT_RE.sub(MASK, text)
        text = _URL_PASSWORD_RE.sub(lambda m: m.group(1) + _mask(m.group(2)) + m.group(3), text)
        return _PASSWORD_RE.sub(lambda m: m.group(1) + _mask(m.group(2)), text)

    def data(self, value, keys=False):
        """``value`` (JSON-like data) with every string redacted; dict keys too when ``keys``."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Mapping):
            return dict(((self(k) if keys and isinstance(k, str) else k), self.data(v, keys))
                        for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self.data(item, keys) for item in value]
        return value


def _mask(value):
    return value if value.lower() in _PLACEHOLDERS else MASK


def _number(value):
    """Seconds as a float (rounded to ms) when it is a number, else the value unchanged."""
    if isinstance(value, bool):
        return value
    try:
        return round(float(value), 3)
    except (TypeError, ValueError):
        return value


def run_times(suites):
    """(first, last) ``go test`` event time of ``suites`` as ISO 8601 UTC strings, or None."""
    starts = [t for t in (parse_go_time(s.get("started")) for s in suites) if t]
    ends = [t for t in (parse_go_time(s.get("finished")) for s in suites) if t]
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (min(starts).strftime(fmt) if starts else None, max(ends).strftime(fmt) if ends else None)


def build_summary(summary, suites, service="", run_id="", phases=None, backends=None, go_version="",
                  hostname="", logs=None):
    """The ``summary.json`` document (a dict) of one run.

    ``summary``/``suites`` come from ``gotest.parse_go_test_results``;
    ``phases`` is ``{phase: seconds}``, ``backends`` ``{backend: {facts}}``,
    ``logs`` the log files written (relative to the results directory).
    ``started``/``finished`` are the first/last ``go test`` event times;
    ``non_json`` the first lines of output that were not ``go test -json``
    events (``go: ...`` errors, old-style compiler output).
    """
    started, finished = run_times(suites)
    return {
        "service": service or "",
        "run_id": run_id or "",
        "ok": bool(summary.get("ok")),
        "state": summary.get("state"),
        "rc": summary.get("rc"),
        "counts": dict((key, summary.get(key, 0)) for key in ("passed", "failed", "skipped", "total")),
        "failed": list(summary.get("failed_names") or []),
        "failures": [dict((key, failure.get(key, "")) for key in ("name", "package", "message"))
                     for failure in summary.get("failures") or []],
        "packages": [dict(package) for package in summary.get("packages") or []],
        "build_errors": list(summary.get("build_errors") or []),
        "non_json": list(summary.get("non_json") or []),
        "durations": dict((str(k), _number(v)) for k, v in (phases or {}).items()),
        "backends": dict(backends or {}),
        "go_version": go_version or "",
        "hostname": hostname or "",
        "started": started,
        "finished": finished,
        "logs": list(logs or []),
    }
