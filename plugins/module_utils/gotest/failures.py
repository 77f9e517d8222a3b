# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Failure details: one message and an output excerpt per failed test, spec or package.

A failure is a dict with ``name``, ``package``, ``message`` (one line, at
most 500 characters) and ``output`` (an excerpt of at most 30 lines, ANSI
codes removed):

* plain tests: the test's own output without the ``=== RUN`` / ``--- FAIL``
  framing; ``message`` is its first meaningful line, or the ``panic:`` line
  when the test panicked or timed out (the goroutine dump is cut down to the
  goroutines that run code of the tested package);
* Ginkgo specs and suite nodes: the ``[FAILED]`` / ``[PANICKED]`` /
  ``[TIMEDOUT]`` ... section of the spec's failure block; ``message`` is the
  first line of the failure message (a Gomega annotation, a ``Fail()`` text),
  or the whole Gomega message joined into one line when that first line is
  just a heading such as ``Expected``; for panics ``Test Panicked: <value>``;
* package-level failures: the package's own output (``[package failed]``,
  ``[timed out]``) or the end of Ginkgo's report (``[programmatic focus]``).

When nothing useful is found, ``message`` and ``output`` are empty strings.

Pure standard library, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.events import strip_ansi
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.ginkgo import (
    GINKGO_DELIMITER_RE, GINKGO_FOCUS_EXIT, GINKGO_RAN_RE, GINKGO_SUITE_START, GINKGO_SUMMARY_RE)

MAX_FAILURE_LINES = 30
MAX_MESSAGE = 500

# Lines go test / test2json add around a test's own output.
FRAMING_RE = re.compile(
    r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)\b|--- (?:FAIL|PASS|SKIP):|(?:PASS|FAIL)\s*$|FAIL\t|ok  \t|\?   \t)")
# Separator lines and Ginkgo's progress denoters (U+2022 bullet, ``S``, ``P``).
_NOISE_RE = re.compile(u"^[\\s\\-=~*\u2022]*$|^[\u2022SP]+$")
_PANIC_PREFIX = "panic: "
_GOROUTINE_RE = re.compile(r"^goroutine \d+ \[")
_EXIT_STATUS_RE = re.compile(r"^exit status \d+$")

# Ginkgo v2 failure block (default and -ginkgo.v output, ANSI removed):
#   <U+2022> [FAILED] [0.000 seconds]           ([BeforeSuite] [FAILED] [...] for suite nodes)
#   Datastorage embeddings [It] rejects wrong dimension
#   /path/embeddings_test.go:17
#
#     Timeline >> ... << Timeline              (optional sections)
#
#     [FAILED] Expected                         (the failure message ...)
#         <int>: 3
#     to equal
#         <int>: 384
#     In [It] at: /path/embeddings_test.go:18 @ 11/23/26 21:26:06.807
#                                               (+ panic value, stack, progress report)
#   ------------------------------
_GINKGO_STATES = r"FAILED|PANICKED|TIMEDOUT|INTERRUPTED|ABORTED"
_GINKGO_BLOCK_RE = re.compile(
    r"^(?:\S+ )?\[(?:%s)\](?: DURING REPETITION #\d+)? \[\d+(?:\.\d+)? seconds\]\s*$" % _GINKGO_STATES)
GINKGO_DETAIL_RE = re.compile(r"^\s*\[(%s)\](?: (.*))?$" % _GINKGO_STATES)
_GINKGO_TIMELINE_MARK_RE = re.compile(r"^in \[[^\]]*\] - ")
_GINKGO_AT_RE = re.compile(r"^\s*In \[[^\]]*\] at: ")
_GINKGO_EXIT_RE = re.compile(r"^\s*< Exit \[")
# First lines of a Gomega message that say nothing on their own.
_GOMEGA_HEADING_RE = re.compile(
    r"^(?:Expected|(?:Timed out|Failed|Told to stop trying) after [0-9.]+\w*\.)$")
_FOCUS_MESSAGE = ("PASS | FOCUSED: specs are focused in code (FIt, FDescribe, FContext, FEntry), "
                  "so Ginkgo exits with code 197")
_PACKAGE_FAILED_MESSAGE = "the test binary failed without a failing test (TestMain, init or os.Exit?)"


def _failure(pkg, name, message="", output=None):
    return {"name": name, "package": pkg.name, "message": message, "output": "\n".join(output or [])}


def one_line(text):
    """Collapse whitespace; cap at MAX_MESSAGE characters."""
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    return text


def dedent(lines):
    """Right-trim ``lines`` and remove the leading whitespace they all share."""
    indents = [line[:len(line) - len(line.lstrip())] for line in lines if line.strip()]
    if not indents:
        return ["" for _ in lines]
    common = indents[0]
    for indent in indents[1:]:
        while not indent.startswith(common):
            common = common[:-1]
    return [line[len(common):].rstrip() if line.strip() else "" for line in lines]


def trim_blank(lines):
    """Drop leading/trailing blank lines and squeeze runs of blank lines."""
    out = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    while out and not out[-1]:
        out.pop()
    return out


def _cap(lines, tail=0):
    """At most MAX_FAILURE_LINES lines: the head, a marker and ``tail`` last lines."""
    if len(lines) <= MAX_FAILURE_LINES:
        return lines
    head = MAX_FAILURE_LINES - 1 - tail
    omitted = len(lines) - head - tail
    return lines[:head] + ["... (%d lines omitted)" % omitted] + (lines[-tail:] if tail else [])


def _meaningful(line):
    return bool(line.strip()) and not _NOISE_RE.match(line) and not FRAMING_RE.match(line)


def _own_code(line, pkg_name):
    """Whether a stack frame line belongs to the tested package."""
    return line.startswith(pkg_name + ".") or line.startswith(pkg_name + "_test.")


def _trim_panic(lines, pkg_name):
    """The panic header plus the goroutines that run the package's code."""
    header, goroutines, current = [], [], None
    for line in lines:
        if _GOROUTINE_RE.match(line):
            current = [line]
            goroutines.append(current)
        elif current is None:
            header.append(line)
        else:
            current.append(line)
    chosen = [g for g in goroutines if any(_own_code(line, pkg_name) for line in g)] or goroutines[:1]
    out = trim_blank(header)
    for goroutine in chosen:
        out.extend([""] + trim_blank(goroutine))
    return out


def _plain_detail(lines, pkg_name):
    """(message, output lines) from a plain test's (or package's) output lines."""
    lines = trim_blank(dedent([line for line in lines if not FRAMING_RE.match(line)]))
    panic_at = next((i for i, line in enumerate(lines) if line.startswith(_PANIC_PREFIX)), None)
    if panic_at is not None:
        context = dedent([line for line in lines[:panic_at] if _meaningful(line)][-5:])
        return one_line(lines[panic_at]), _cap(context + _trim_panic(lines[panic_at:], pkg_name))
    candidates = [line for line in lines if _meaningful(line)]
    preferred = [line for line in candidates if not _EXIT_STATUS_RE.match(line.strip())]
    message = (preferred or candidates or [""])[0]
    lines = trim_blank([line for line in lines if not line.strip() or not _NOISE_RE.match(line)])
    return one_line(message), _cap(lines, tail=MAX_FAILURE_LINES * 2 // 3)


def _ginkgo_blocks(lines):
    """Ginkgo's failure blocks as ``[(spec text, lines, header index), ...]``.

    ``lines`` are the lines between two ``-----`` delimiters around a
    ``<U+2022> [FAILED] [0.1 seconds]`` header; the spec text is the line after the
    header.  The failure message is usually after the header; with
    ``-ginkgo.vv`` it was streamed before it.
    """
    blocks, segment = [], []
    for line in lines + ["-" * 30]:
        if not (GINKGO_DELIMITER_RE.match(line) or GINKGO_SUMMARY_RE.match(line) or GINKGO_RAN_RE.match(line)):
            segment.append(line)
            continue
        header = next((i for i, text in enumerate(segment) if _GINKGO_BLOCK_RE.match(text)), None)
        if header is not None:
            name = " ".join(segment[header + 1].split()) if header + 1 < len(segment) else ""
            blocks.append((name, segment, header))
        segment = []
    return blocks


def _ginkgo_detail(block, header):
    """(message, output lines) from the lines of one Ginkgo failure block."""
    start, section = None, False
    for index, line in enumerate(block):
        stripped = line.strip()
        if index in (header, header + 1):
            continue
        if section:  # inside "Timeline >> ... << Timeline" and similar
            section = not stripped.startswith("<< ")
            continue
        if stripped.endswith(" >>"):
            section = True
            continue
        match = GINKGO_DETAIL_RE.match(line)
        if match and not _GINKGO_TIMELINE_MARK_RE.match(match.group(2) or ""):
            start = index
            break
    if start is None:
        return "", []
    end = header if start < header else len(block)
    end = next((i for i in range(start, end) if _GINKGO_EXIT_RE.match(block[i])), end)
    detail = trim_blank(dedent(block[start:end]))
    match = GINKGO_DETAIL_RE.match(detail[0])
    state, message_lines, after = match.group(1), [(match.group(2) or "").strip()], []
    for index in range(1, len(detail)):
        if _GINKGO_AT_RE.match(detail[index]):
            after = detail[index + 1:]
            break
        message_lines.append(detail[index])
    return _ginkgo_message(state, message_lines, after), _cap(detail)


def _ginkgo_message(state, message_lines, after):
    first = message_lines[0]
    if state == "PANICKED":
        value = next((line.strip() for line in after if line.strip()), "")
        if value and value != "Full Stack Trace":
            return one_line("%s: %s" % (first or "Test Panicked", value))
    if (not first or first.endswith(":") or _GOMEGA_HEADING_RE.match(first)) and len(message_lines) > 1:
        return one_line(" ".join(_without_struct_dumps(message_lines)))
    return one_line(first)


def _without_struct_dumps(lines):
    """Drop Gomega's ``{ field: value, }`` dumps (printed after an error's text)."""
    out, closing = [], None
    for line in lines:
        if closing is not None:
            if line.rstrip() in (closing, closing + ","):
                closing = None
            continue
        if line.strip() == "{":
            closing = line.rstrip()[:-1] + "}"
            continue
        out.append(line)
    return out


def ginkgo_spec_failures(pkg, text, specs):
    """One failure dict per spec text from Ginkgo's ``Summarizing`` list.

    Each spec is matched to the failure block that carries the same spec text;
    if that fails (e.g. ``-ginkgo.vv`` prints the hierarchy on several lines)
    and there are as many blocks as failures, they are matched in order.
    """
    blocks = _ginkgo_blocks(text.splitlines())
    used = set()
    failures = []
    for index, spec in enumerate(specs):
        found = next((i for i, block in enumerate(blocks) if i not in used and block[0] == spec), None)
        if found is None and len(blocks) == len(specs) and index not in used:
            found = index
        message, output = "", []
        if found is not None:
            used.add(found)
            message, output = _ginkgo_detail(blocks[found][1], blocks[found][2])
        failures.append(_failure(pkg, "%s %s" % (pkg.name, spec), message, output))
    return failures


def go_test_failure(pkg, test_name):
    """Failure dict of a failed (or unfinished) plain test."""
    text = pkg.tests[test_name].output
    lines = text.splitlines()
    name = "%s.%s" % (pkg.name, test_name)
    if GINKGO_SUITE_START in text and not any(line.startswith(_PANIC_PREFIX) for line in lines):
        # A Ginkgo suite without an end-of-suite report (cut off): show its first failure block.
        for _, block, header in _ginkgo_blocks(lines):
            message, output = _ginkgo_detail(block, header)
            if message or output:
                return _failure(pkg, name, message, output)
    message, output = _plain_detail(lines, pkg.name)
    return _failure(pkg, name, message, output)


def package_failure(pkg, reason):
    """Failure dict of a package that failed without a failed test."""
    name = "%s [%s]" % (pkg.name, reason)
    if reason == "programmatic focus":
        lines = "".join(test.output for test in pkg.tests.values()).splitlines()
        end = next((i for i, line in enumerate(lines) if GINKGO_FOCUS_EXIT in line), len(lines) - 1)
        start = max([i for i, line in enumerate(lines[:end]) if GINKGO_RAN_RE.match(line)] or [end])
        return _failure(pkg, name, _FOCUS_MESSAGE, trim_blank(lines[start:end + 1]))
    message, output = _plain_detail(strip_ansi("".join(pkg.chunks)).splitlines(), pkg.name)
    return _failure(pkg, name, message or _PACKAGE_FAILED_MESSAGE, output)


def package_failure_reason(pkg):
    text = "".join(test.output for test in pkg.tests.values()) + strip_ansi("".join(pkg.chunks))
    if GINKGO_FOCUS_EXIT in text:
        return "programmatic focus"
    if pkg.timed_out:
        return "timed out"
    return "package failed"
