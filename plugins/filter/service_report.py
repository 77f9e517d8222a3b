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

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import parse_go_test_json, summary_text

TIMED_OUT_RC = (124, 137)  # coreutils timeout: TERM, then KILL


def _go_test_lines(go_test):
    # stderr goes to the parser too: it carries build errors of older Go releases
    return list(go_test.get("stdout_lines") or []) + list(go_test.get("stderr_lines") or [])


def _down_text(containers, backend_state):
    """'; backend pgvector (container x) stopped while the tests ran' for containers not running, or ''."""
    if not backend_state or "containers" not in backend_state:
        return ""
    running = set(c.get("Name") for c in backend_state.get("containers") or [] if (c.get("State") or {}).get("Running"))
    down = [(backend, name) for backend, name in containers.items() if name not in running]
    if not down:
        return ""
    return "; backend %s (container %s) stopped while the tests ran" % (
        ", ".join(b for b, dummy in down), ", ".join(n for dummy, n in down))


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
    result = parse_go_test_json(_go_test_lines(go_test), rc=rc)
    if result["ok"]:
        verdict = ""
    elif rc in TIMED_OUT_RC:
        verdict = "%s: go test was killed after its time bound (timeout %s plus the build allowance; exit %s)" % (
            service, data.get("timeout") or "5m", rc)
    else:
        verdict = "%s: go test did not pass (exit %s)%s" % (
            service, rc, _down_text(data.get("containers") or {}, data.get("backend_state")))
    lines = [summary_text(result, title=service)]
    lines += [data["cluster_line"]] if data.get("cluster_line") else []
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
