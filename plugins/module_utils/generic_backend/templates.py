# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The template language of a generic backend entry's ``exports`` (and of its ``env`` and ``command``):
``${host}:${port}``, not Jinja on purpose - Ansible templates every ``{{ }}`` of a variable itself, before the role
sees the entry, and would fail on ``'host' is undefined``. A template is text with fields:

- ``${field}``: the value of a field (``host``, ``port``, ``ports.<container port>``, ``user``, ``password``,
  ``database``, ``name``, ``container``);
- ``${field|url}``: the value percent-encoded for a URL (user, password, database in a connection URL);
- ``${field:+text}``: ``text`` (itself a template) when the field is not empty, else nothing; ``${field:-text}``:
  the field, or ``text`` when it is empty (as in the shell);
- ``$$``: a literal ``$``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:  # Python 3
    from urllib.parse import quote
except ImportError:  # pragma: no cover - the collection needs Python 3 on the controller
    from urllib import quote

FILTERS = ("url",)
# Fields a template may name, besides ports.<container port>.
EXPORT_FIELDS = ("host", "port", "user", "password", "database", "name", "container")
# In the container's env and command, only what is known before it starts, and never the password.
START_FIELDS = ("user", "database", "name", "container")

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?")
_FILTER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateError(ValueError):
    """A template that cannot be parsed, or that names a field or filter that does not exist."""


class Field(object):
    """``${name|filter...}``, with an optional ``:+`` / ``:-`` alternative (a parsed template)."""

    __slots__ = ("name", "filters", "op", "alt")

    def __init__(self, name, filters, op, alt):
        self.name, self.filters, self.op, self.alt = name, filters, op, alt


def _parse(text, pos, nested):
    """(nodes, position after the template) of ``text`` from ``pos``; a nested template ends at its '}'."""
    nodes, buf = [], []
    while pos < len(text):
        if text.startswith("$$", pos):
            buf.append("$")
            pos += 2
            continue
        if text.startswith("${", pos):
            if buf:
                nodes.append("".join(buf))
                buf = []
            match = _FIELD.match(text, pos + 2)
            if not match:
                raise TemplateError("'${' at character %d is not followed by a field name (write $$ for a literal $)"
                                    % (pos + 1))
            name, pos = match.group(0), match.end()
            filters = []
            while text.startswith("|", pos):
                found = _FILTER.match(text, pos + 1)
                if not found:
                    raise TemplateError("'|' after ${%s is not followed by a filter name" % name)
                filters.append(found.group(0))
                pos = found.end()
            op, alt = None, []
            if text.startswith(":+", pos) or text.startswith(":-", pos):
                op = text[pos:pos + 2]
                alt, pos = _parse(text, pos + 2, nested=True)
            if not text.startswith("}", pos):
                raise TemplateError("'${%s' is not closed by '}'" % name)
            pos += 1
            nodes.append(Field(name, filters, op, alt))
            continue
        if nested and text[pos] == "}":
            break
        buf.append(text[pos])
        pos += 1
    else:
        if nested:
            raise TemplateError("a '${...:+' or '${...:-' alternative is not closed by '}'")
    if buf:
        nodes.append("".join(buf))
    return nodes, pos


def parse_template(text):
    """The parsed template (a list of strings and Fields); raises TemplateError."""
    nodes, dummy = _parse(str(text), 0, nested=False)
    return nodes


def _walk(nodes):
    for node in nodes:
        if isinstance(node, Field):
            yield node
            for inner in _walk(node.alt):
                yield inner


def template_fields(text):
    """[(field, filters)] a template uses, in order; raises TemplateError for bad syntax."""
    return [(node.name, list(node.filters)) for node in _walk(parse_template(text))]


def check_template(text, allowed, ports=(), forbidden=None):
    """Raise TemplateError when ``text`` is not a template over ``allowed`` fields (plus ports.<p> of ``ports``
    when ``ports.`` fields are allowed). ``forbidden`` maps a field to the reason it may not be used there."""
    forbidden = forbidden or {}
    for name, filters in template_fields(text):
        base = "ports" if name.startswith("ports.") else name
        if base in forbidden:
            raise TemplateError("${%s} %s" % (name, forbidden[base]))
        if name.startswith("ports.") and "ports" in allowed:
            port = name.partition(".")[2]
            if not port.isdigit() or int(port) not in ports:
                raise TemplateError("${%s} names no port of the entry (ports: %s): use ${ports.<container port>}"
                                    % (name, ", ".join(str(p) for p in ports) or "none"))
        elif name not in allowed:
            known = ["${%s}" % field for field in allowed if field != "ports"]
            if "ports" in allowed:
                known.append("${ports.<container port>}")
            raise TemplateError("${%s} names no field: use %s" % (name, ", ".join(known)))
        for name_of_filter in filters:
            if name_of_filter not in FILTERS:
                raise TemplateError("${%s|%s}: no filter %r: the filters are %s"
                                    % (name, name_of_filter, name_of_filter, ", ".join(FILTERS)))


def _apply(value, filters):
    for name in filters:
        if name == "url":
            value = quote(value, safe="")
    return value


def _render(nodes, values):
    out = []
    for node in nodes:
        if not isinstance(node, Field):
            out.append(node)
            continue
        value = values.get(node.name)
        if value is None:
            raise TemplateError("${%s} names no field" % node.name)
        value = str(value)
        if node.op == ":+":
            out.append(_render(node.alt, values) if value else "")
        elif node.op == ":-" and not value:
            out.append(_render(node.alt, values))
        else:
            out.append(_apply(value, node.filters))
    return "".join(out)


def render_template(text, values):
    """``text`` with its fields replaced by ``values`` (a dict; ports.<p> as keys such as 'ports.5432')."""
    return _render(parse_template(text), values)
