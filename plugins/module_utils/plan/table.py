# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The seconds of a run's phases, and all.yml's table of every service's row."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ROW = "%-13s %-13s %6s %6s %6s %5s  %s"
COLUMNS = ("service", "state", "total", "passed", "failed", "skipped", "backends")
HEADER = ("service", "result", "tests", "passed", "failed", "skip", "backends")


def phases(started=None, tests=None, cleanup=None, ready=0.0, now=None):
    """Seconds per phase from the run's marks (UNIX seconds): provision (start containers and processes,
    cluster setup; the readiness checks excluded), ready (the readiness checks), test (go test, build
    included), cleanup (until ``now``). A phase that did not happen is absent."""
    out = {}
    if tests is not None and started is not None:
        out["provision"] = round(float(tests) - float(started) - float(ready or 0), 2)
        out["ready"] = float(ready or 0)
    if tests is not None and cleanup is not None:
        out["test"] = round(float(cleanup) - float(tests), 2)
    if cleanup is not None and now is not None:
        out["cleanup"] = round(float(now) - float(cleanup), 2)
    return out


def _cell(value):
    return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value


def placement(services, hosts, durations=None):
    """{service: lab host}: all.yml's services over the hosts of a group ({} without hosts). With the seconds each
    service took last time (``durations``), the longest first, each to the host with the least seconds so far (a
    service without a figure counts as the mean of the others); without any, round robin."""
    hosts = list(hosts or [])
    services = list(services or [])
    if not hosts:
        return {}
    known = {s: float(durations[s]) for s in services if isinstance((durations or {}).get(s), (int, float))}
    if not known:
        return {service: hosts[i % len(hosts)] for i, service in enumerate(services)}
    mean = sum(known.values()) / len(known)
    load = dict.fromkeys(hosts, 0.0)
    placed = {}
    for service in sorted(services, key=lambda s: (-known.get(s, mean), services.index(s))):
        host = min(hosts, key=lambda h: (load[h], hosts.index(h)))
        load[host] += known.get(service, mean)
        placed[service] = host
    return {service: placed[service] for service in services}


def durations(rows, previous=None):
    """{service: seconds} of the rows that report phases, over ``previous`` (what services not run now took before)."""
    out = dict(previous or {})
    for row in rows or []:
        if (row or {}).get("service") and row.get("phases"):
            out[row["service"]] = round(sum(float(v) for v in row["phases"].values()), 2)
    return out


def services_table(rows, hosts, placed=None):
    """``rows``: each service host's testinfra_result ({} for a host that failed before its report);
    ``hosts``: the service hosts; ``placed``: {service: lab host} when they ran on lab hosts (a host column).
    Returns lines (header, a row per service, the count) and failed (names)."""
    placed = placed or {}
    rows = [row or {} for row in rows or []]
    reported = [row for row in rows if row.get("service")]
    missing = [host for host in hosts or [] if host not in [row["service"] for row in reported]]
    failed = [row["service"] for row in reported if not row.get("ok")] + missing
    on = (lambda service: "  on %s" % placed[service] if service in placed else "")
    lines = [ROW % HEADER + ("  host" if placed else "")]
    lines += [ROW % tuple(_cell(row.get(key, "")) for key in COLUMNS) + on(row["service"]) for row in reported]
    lines += ["%s  NOT RUN%s (%s before its report; see above)"
              % (host, on(host)[1:], "unreachable or failed" if host in placed else "failed") for host in missing]
    lines.append("services failed: %d of %d" % (len(failed), len(hosts or [])))
    return dict(lines=lines, failed=failed)
