# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state of a ``go test`` summary (PASSED, FAILED, ...) and its compact ASCII text.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2
    from collections import Mapping

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.failures import MAX_FAILURE_LINES

SUMMARY_MESSAGE_CHARS = 200


def summary_state(summary):
    """One-word-ish state of a summary: PASSED, FAILED, BUILD FAILED, NO TESTS, TIMED OUT."""
    if summary.get("build_failed"):
        return "BUILD FAILED"
    if summary.get("timed_out"):
        return "TIMED OUT"
    if summary.get("failed"):
        return "FAILED"
    if not summary.get("total"):
        return "NO TESTS"
    return "PASSED" if summary.get("ok") else "FAILED"


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def summary_text(summary, title=None, max_names=20, details=False):
    """Render a summary from ``parse_go_test_json`` as compact ASCII text.

    Each failed name is followed by its one-line ``message`` (from
    ``failures``, cut to 200 characters); with ``details`` also by the
    ``output`` excerpt.  ``max_names`` limits how many failures are shown.

    Example::

        datastorage: FAILED - 9 tests: 2 passed, 4 failed, 3 skipped in 0.21s
          failed:
            - example.com/m/test/integration/datastorage Datastorage [It] ...
                Expected <int>: 3 to equal <int>: 384
    """
    summary = summary or {}
    try:
        max_names = max(0, int(max_names))
    except (TypeError, ValueError):
        max_names = 20
    state = summary.get("state") or summary_state(summary)
    head = "%s: %s - %s: %d passed, %d failed, %d skipped in %.2fs" % (
        title or "go test", state, _plural(summary.get("total", 0), "test"),
        summary.get("passed", 0), summary.get("failed", 0), summary.get("skipped", 0),
        summary.get("duration", 0.0) or 0.0)
    rc = summary.get("rc")
    if rc not in (0, None):
        head += " (exit code %s)" % rc
    lines = [head]
    lines.extend(_failed_block(summary.get("failed_names") or [], summary.get("failures") or [], max_names,
                               details))
    packages = summary.get("packages") or []
    lines.extend(_name_block("timed out", [p["name"] for p in packages if p.get("timed_out")], max_names))
    lines.extend(_name_block("build failed", [p["name"] for p in packages if p.get("build_failed")], max_names))
    lines.extend(_text_block("build errors", summary.get("build_errors") or []))
    if state != "PASSED" and not summary.get("build_errors"):
        lines.extend(_text_block("other output", (summary.get("non_json") or [])[:10]))
    return _ascii("\n".join(lines))


def _ascii(text):
    """``text`` as plain ASCII: tabs become spaces, other characters escapes."""
    text = text.replace("\t", "    ")
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _truncate(text, limit=SUMMARY_MESSAGE_CHARS):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _failed_block(names, failures, max_names, details):
    """The ``failed:`` list, each name followed by its message (and output)."""
    if not names:
        return []
    lines = ["  failed:"]
    for index, name in enumerate(names[:max_names]):
        lines.append("    - %s" % name)
        failure = failures[index] if index < len(failures) else None
        if isinstance(failure, Mapping) and failure.get("name") == name:
            lines.extend(_failure_lines(failure, details))
    if len(names) > max_names:
        lines.append("    ... and %d more" % (len(names) - max_names))
    return lines


def _failure_lines(failure, details):
    message = " ".join(str(failure.get("message") or "").split())
    lines = ["        " + _truncate(message)] if message else []
    if details:
        output = str(failure.get("output") or "").splitlines()[:MAX_FAILURE_LINES]
        lines.extend(("          " + line).rstrip() for line in output)
    return lines


def _name_block(label, names, max_names):
    if not names:
        return []
    lines = ["  %s:" % label]
    lines.extend("    - %s" % name for name in names[:max_names])
    if len(names) > max_names:
        lines.append("    ... and %d more" % (len(names) - max_names))
    return lines


def _text_block(label, text_lines):
    if not text_lines:
        return []
    return ["  %s:" % label] + ["    %s" % line.replace("\t", "    ") for line in text_lines]
