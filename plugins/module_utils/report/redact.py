# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction: secrets, passwords and tokens in test output replaced by ``********``.

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
