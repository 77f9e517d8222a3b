# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backends' contract results (testinfra_backend_results, by name), merged for the tests and the report.

A result holds: env (variables for the tests), secrets (never written to result files), resources
(containers, directories), held (what it keeps in keep mode, in words), logs (saved on failure: container or
path), ready_seconds, versions (for summary.json), summary (a line for the report), reused, kept, and for a
cluster backend kubeconfig, state_dir and readyz (the API server's /readyz is checked before the tests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _ordered(results, order):
    results = results or {}
    names = [name for name in order or [] if name in results]
    return [(name, results[name] or {}) for name in names + [name for name in results if name not in names]]


def merge(results, order=None, clusters=None):
    """One dict of what the run's backends answered, in provision order (``order``: the selected backends)."""
    clusters = list(clusters or [])
    items = _ordered(results, order)
    env, secrets, logs, containers, versions, held, reused, lines = {}, [], [], {}, {}, [], [], []
    cluster = {}
    ready = 0.0
    for name, result in items:
        env.update(dict((str(k), str(v)) for k, v in (result.get("env") or {}).items()))
        for secret in result.get("secrets") or []:
            if secret and secret not in secrets:
                secrets.append(secret)
        logs += list(result.get("logs") or [])
        names = list((result.get("resources") or {}).get("containers") or [])
        if names:
            containers[name] = names[0]
        versions[name] = dict(result.get("versions") or {})
        held += list(result.get("held") or [])
        if result.get("reused"):
            reused.append(name)
        ready += float(result.get("ready_seconds") or 0.0)
        if name in clusters:
            cluster = dict(result, name=name)
        elif result.get("summary"):
            lines.append(result["summary"])
    return dict(
        env=env,
        secrets=secrets,
        logs=logs,
        containers=containers,
        versions=versions,
        ready_seconds=round(ready, 2),
        backend_lines=lines,
        cluster_line=cluster.get("summary") or "",
        kubeconfig=cluster.get("kubeconfig") or (cluster.get("env") or {}).get("KUBECONFIG") or "",
        cluster_state_dir=cluster.get("state_dir") or "",
        readyz=bool(cluster.get("readyz")),
        keep_line=keep_line(held, reused),
    )


def keep_line(held, reused):
    return "kept for the next run (testinfra_keep): %s; reused: %s. End them with playbooks/cleanup.yml (make cleanup)." % (
        ", ".join(held), ", ".join(reused) or "none")
