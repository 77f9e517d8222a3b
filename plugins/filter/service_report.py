# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The result of one service's run: its row of all.yml's table, its printed report and its verdict.

Documentation lives in the sidecar file ``service_report.yml``. One Python call instead of a web of
role variables: Ansible compiles every Jinja template each time a task uses it, and the go test output
is parsed once here instead of once per reference.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import signal

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.lazy_module_utils import module_utils

TIMED_OUT_RC = (124, 137)  # coreutils timeout: TERM, then KILL
SIGNAL_RC = (129, 130, 137, 143)  # 128 + HUP, INT, KILL, TERM: what a shell or timeout reports for a killed child
GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)")
UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _duration_seconds(text):
    """Seconds of a Go duration such as 5m or 1h30m; None when it is not one."""
    text = str(text or "").strip()
    parts = GO_DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        return None
    return sum(float(number) * UNIT_SECONDS[unit] for number, unit in parts)


def _signal_name(rc):
    """'SIGTERM' for exit 143 or -15, or '' when the exit code does not say a signal ended the command."""
    if rc is None:
        return ""
    number = -rc if rc < 0 else rc - 128 if rc in SIGNAL_RC else 0
    try:
        return signal.Signals(number).name if number else ""
    except ValueError:
        return "signal %d" % number


def _ended_from_outside(rc, phases, timeout):
    """The signal that ended go test when it came from outside the run (a cleanup, kill, the OOM killer), or ''.
    coreutils timeout, which bounds the command, ends it with exit 124, or 137 after its grace: a SIGKILL counts
    as the time bound only when the tests ran at least that long."""
    name = _signal_name(rc)
    if not name or rc == 124:
        return ""
    bound = _duration_seconds(timeout)
    if name == "SIGKILL" and bound is not None and float(phases.get("test") or 0) >= bound:
        return ""
    return name


def _go_test_lines(go_test):
    # stderr goes to the parser too: it carries build errors of older Go releases
    return list(go_test.get("stdout_lines") or []) + list(go_test.get("stderr_lines") or [])


def _down_text(containers, backend_state):
    """'; backend pgvector (container x) stopped while the tests ran' for containers not running (stopped, or
    removed: a removed container is missing from the inspect result), or ''."""
    if not backend_state or "containers" not in backend_state:
        return ""
    running = set(c.get("Name") for c in backend_state.get("containers") or [] if (c.get("State") or {}).get("Running"))
    down = [(backend, name) for backend, name in containers.items() if name not in running]
    if not down:
        return ""
    return "; backend %s (container %s) stopped or was removed while the tests ran" % (
        ", ".join(b for b, dummy in down), ", ".join(n for dummy, n in down))


# go test and Ginkgo flags that select tests: when none ran, the verdict names them.
SELECTING_FLAGS = ("run", "skip", "test.run", "test.skip", "ginkgo.focus", "ginkgo.skip", "ginkgo.label-filter",
                   "ginkgo.focus-file", "ginkgo.skip-file")


def _selecting_flags(command):
    """The test-selecting flags of a go test command line, as written ('-run=Foo'; '-run Foo' becomes '-run=Foo')."""
    found, args = [], list(command or [])
    for index, arg in enumerate(args):
        if not arg.startswith("-") or arg == "--":
            continue
        name, equals, value = arg.lstrip("-").partition("=")
        if name not in SELECTING_FLAGS:
            continue
        if not equals and index + 1 < len(args):
            value = args[index + 1]
        found.append("%s=%s" % (arg.partition("=")[0], value))
    return found


def _no_tests_verdict(service, command):
    flags = _selecting_flags(command)
    if flags:
        return "%s: no test ran: %s matched nothing" % (service, " ".join(flags))
    return "%s: no test ran: the packages have no test functions or specs" % service


def _phases_line(phases):
    return "phases: " + ", ".join("%s %s s" % (key, value) for key, value in phases.items())


def service_report(data):
    """See service_report.yml."""
    service = data["service"]
    selected = list(data.get("selected") or [])
    error = data.get("error") or ""
    go_test = data.get("go_test") or {}
    phases = dict(data.get("phases") or {})
    row = dict(service=service, backends=selected, phases=phases, total=0, passed=0, failed=0, skipped=0)

    if not selected:
        row.update(state="SKIPPED", ok=True, verdict="", report=(
            "Nothing to run: service %s uses %s, which the selected tags (%s) do not include."
            % (service, ", ".join(data.get("backends") or []), ", ".join(data.get("tags") or []))))
        return row
    if error:
        row.update(state="NOT RUN", ok=False, verdict="Provisioning for %s failed; nothing was left running." % service,
                   report="%s: not run (%s)" % (service, error))
        return row

    if data.get("check_mode") and go_test.get("skipped"):
        command = " ".join(data.get("command") or [])
        row.update(state="CHECK MODE", ok=True, verdict="", report="\n".join(
            ["%s: check mode, no backend started and go test not run%s" % (
                service, "; it would run " + command if command else "")]
            + ([data["cluster_line"]] if data.get("cluster_line") else [])))
        return row

    rc = go_test.get("rc")
    result = module_utils("gotest.parse").parse_go_test_json(_go_test_lines(go_test), rc=rc)
    outside = "" if result["ok"] else _ended_from_outside(rc, phases, data.get("timeout") or "5m")
    if result["ok"]:
        verdict = ""
    elif outside:
        result["state"] = "INTERRUPTED"
        verdict = ("%s: go test was ended from outside by %s (exit %s) after %s s, not by its own failure: another "
                   "program stopped it - a cleanup that ends live runs (testinfra_cleanup_force), kill, the OOM killer%s"
                   % (service, outside, rc, phases.get("test", "?"),
                      _down_text(data.get("containers") or {}, data.get("backend_state"))))
    elif result["state"] == "NO TESTS" and rc == 0:
        verdict = _no_tests_verdict(service, data.get("command"))
    elif rc in TIMED_OUT_RC:
        verdict = "%s: go test was killed after its time bound (timeout %s plus the build allowance; exit %s)" % (
            service, data.get("timeout") or "5m", rc)
    else:
        verdict = "%s: go test did not pass (exit %s)%s" % (
            service, rc, _down_text(data.get("containers") or {}, data.get("backend_state")))
    lines = [module_utils("gotest.summary").summary_text(result, title=service)]
    lines += [data["cluster_line"]] if data.get("cluster_line") else []
    lines += [line for line in data.get("backend_lines") or [] if line]
    lines.append(_phases_line(phases))
    files = data.get("files") or []
    if files:
        lines.append("results: " + ", ".join(os.path.relpath(f, os.getcwd()) for f in files))
    lines += [data["keep_line"]] if data.get("keep_line") else []
    row.update(state=result["state"], ok=not verdict, verdict=verdict, report="\n".join(lines),
               total=result["total"], passed=result["passed"], failed=result["failed"], skipped=result["skipped"])
    return row


class FilterModule(object):
    """kubernaut.testinfra run report filter."""

    def filters(self):
        return {"service_report": service_report}
