# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deleting a Kind cluster a run created, from what its kind.json recorded: the one teardown the kind role's
cleanup.yml and the reaper share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

NODE_LABEL = "io.x-k8s.kind.cluster"


def node_names(record):
    """kind's node names: <cluster>-control-plane, <cluster>-worker, <cluster>-worker2, ..."""
    cluster = record["cluster"]
    workers = int(record.get("workers") or 0)
    return ["%s-control-plane" % cluster] + ["%s-worker%s" % (cluster, "" if i == 1 else i)
                                             for i in range(1, workers + 1)]


def delete_cluster(module, record):
    """Delete the cluster ``record`` (kind.json) names, the node volumes a failed ``kind create`` leaks, and the
    ``kind`` network when this run made it and no other Kind node uses it. Returns what was done, one line each;
    what could not be done is a warning (a reaper goes on with the other runs)."""
    done = []
    binary = record.get("binary") or "kind"
    if not module.get_bin_path(binary) and not os.path.exists(binary):
        module.warn("kind cluster %s is left: kind (%s) not found" % (record.get("cluster"), binary))
        return done
    provider = record.get("provider") or "podman"
    argv = [binary, "delete", "cluster", "--name", record["cluster"]]
    if not record.get("kubeconfig_exported"):
        # kind edits the kubeconfig it is given: the run's own file, never the user's ~/.kube/config
        argv += ["--kubeconfig", record.get("kubeconfig") or os.devnull]
    rc, dummy, err = module.run_command(argv, environ_update={"KIND_EXPERIMENTAL_PROVIDER": provider})
    if rc != 0:
        module.warn("kind delete cluster %s failed: %s" % (record["cluster"], err.strip()))
    else:
        done.append("kind cluster %s" % record["cluster"])
    if provider not in ("podman", "docker") or not module.get_bin_path(provider):
        return done
    for node in node_names(record):  # kind leaks the node's /var volume when `podman run` fails
        rc, out, dummy = module.run_command([provider, "volume", "prune", "--force", "--filter", "label=" + node])
        done += ["volume %s" % name for name in out.split()] if rc == 0 else []
    if record.get("network_created"):
        rc, out, dummy = module.run_command([provider, "ps", "-aq", "--filter", "label=" + NODE_LABEL])
        if rc == 0 and not out.strip() and module.run_command([provider, "network", "rm", "kind"])[0] == 0:
            done.append("network kind")
    return done
