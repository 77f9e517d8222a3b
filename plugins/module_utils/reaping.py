# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing what runs left behind: labelled Podman resources, run state directories (control planes,
Kind clusters) and go test processes. Used by the reap module and, for the start-of-run stale reap,
by preflight (one task instead of two)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as test_binaries
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind import teardown
from ansible_collections.kubernaut.testinfra.plugins.module_utils.podman import container as podman_container

COLLECTION_LABEL = "io.kubernaut.testinfra.collection=kubernaut.testinfra"

KINDS = {
    # kind: (list command, name key, remove command)
    "containers": (["ps", "-a"], "Names", ["rm", "--force", "--volumes", "--time", "0"]),
    "volumes": (["volume", "ls"], "Name", ["volume", "rm", "--force"]),
    "networks": (["network", "ls"], "Name", ["network", "rm", "--force"]),
}
# A run directory without any state file is debris of a run that died while creating it.
EMPTY_RUN_GRACE = 3600


def podman_lists(module, params):
    """{kind: labelled items} of every kind in KINDS, listed at the same time (three podman calls in
    parallel instead of one after another: 0.07 s less on each reap)."""
    filt = ["--filter", "label=" + COLLECTION_LABEL, "--format", "json"]
    with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
        calls = dict((kind, pool.submit(module.run_command, [params["podman"]] + list_cmd + filt))
                     for kind, (list_cmd, dummy, dummy2) in KINDS.items())
    lists = {}
    for kind, call in calls.items():
        rc, out, err = call.result()
        if rc != 0:
            module.fail_json(msg="podman %s failed: %s" % (" ".join(KINDS[kind][0]), err.strip()))
        lists[kind] = json.loads(out or "[]") or []
    return lists


def selected(labels, params):
    """Whether the resource is one the call is about at all (its run, not spared by keep_labels)."""
    if params["run_id"] and labels.get(runstate.RUN_LABEL) != params["run_id"]:
        return False
    return not any(labels.get(k) == v for k, dummy, v in (item.partition("=") for item in params["keep_labels"]))


def wanted(labels, params, now, left=None):
    """Whether to remove a resource with these labels. What is selected but spared - a live run, a kept backend -
    is added to ``left`` ({run id: labels}), so that the caller can say what it left running and why."""
    labels = labels or {}
    if not selected(labels, params):
        return False
    state = runstate.state(labels, now)
    if params["expired_only"]:
        return state == "expired"
    if state in ("expired", "orphaned"):
        return True
    if not params["stale"]:
        if params.get("force"):
            return True
        if state == "kept" and params.get("kept_owner") in ("*", labels.get(runstate.OWNER_LABEL)):
            return True
    if left is not None and state in ("live", "kept"):
        # one entry per run, from all its resources: a test process knows fewer labels than a container
        entry = left.setdefault(labels.get(runstate.RUN_LABEL) or "?", {"state": state})
        for key, value in labels.items():
            if value and not entry.get(key):
                entry[key] = value
    return False


def name_of(item, key):
    """Podman's JSON says Names (a list) for containers, Name for volumes, name for networks."""
    name = item.get(key, item.get(key.lower()))
    return name[0] if isinstance(name, list) else name


def labels_of(item):
    return item.get("Labels", item.get("labels")) or {}


def reap_podman(module, params, now, result):
    lists = podman_lists(module, params)
    for kind, (dummy, key, rm_cmd) in KINDS.items():  # containers first: they hold the volumes and networks
        items = lists[kind]
        names = sorted(name_of(i, key) for i in items if wanted(labels_of(i), params, now, result["left_runs"]))
        result[kind] = names
        if names and not module.check_mode:
            rc, dummy, err = module.run_command([params["podman"]] + rm_cmd + names)
            if rc != 0 and "no such" not in err.lower():
                module.fail_json(msg="removing %s %s failed: %s" % (kind, ", ".join(names), err.strip()), **result)


def run_states(run_dir):
    """The component state files of one run: control planes (state.json) and Kind clusters (kind.json)."""
    states = [(path, runstate.read_json(path) or {}) for path in sorted(glob.glob(os.path.join(run_dir, "*", "*.json")))
              if os.path.basename(path) in ("state.json", "kind.json")]
    labels = {}
    for dummy, data in states:
        labels.update(data.get("labels") or {})
        if data.get("keep"):
            labels[runstate.KEEP_LABEL] = "true"
    return states, labels


def reap_runs(module, params, now, result):
    base = params["state_dir"] or runstate.default_base_dir()
    result["runs"] = []
    for run_dir in sorted(glob.glob(os.path.join(base, "*"))):
        if not os.path.isdir(run_dir):
            continue
        states, labels = run_states(run_dir)
        if labels:
            if not wanted(labels, params, now, result["left_runs"]):
                continue
        elif params["run_id"] and os.path.basename(run_dir) != params["run_id"]:
            continue
        elif (params["stale"] or params["expired_only"]) and \
                now - os.path.getmtime(run_dir) < EMPTY_RUN_GRACE:
            continue
        result["runs"].append(os.path.basename(run_dir))
        if module.check_mode:
            continue
        for path, data in states:
            runstate.stop_processes(data.get("processes") or [], grace=0)  # throw-away control planes
            if data.get("cluster") and data.get("created"):
                teardown.delete_cluster(module, data)
        test_binaries.harvest(run_dir)  # the next run of the service need not link them again
        shutil.rmtree(run_dir, ignore_errors=True)
    if (params["stale"] or params["expired_only"]) and not module.check_mode:
        result["test_binary_caches"] = test_binaries.prune(base, now)


ENV_LABELS = {
    "TESTINFRA_RUN_ID": runstate.RUN_LABEL,
    "TESTINFRA_SERVICE": runstate.SERVICE_LABEL,
    "TESTINFRA_CONTROLLER": runstate.CONTROLLER_LABEL,
    "TESTINFRA_HOST": runstate.HOST_LABEL,
    "TESTINFRA_EXPIRES": runstate.EXPIRES_LABEL,
}


def _pid_namespace(pid):
    try:
        return os.readlink("/proc/%s/ns/pid" % pid)
    except OSError:
        return None


def test_processes():
    """{pid: (labels, command)} of this user's processes started by a run's go test (from their environment).

    Only processes of this PID namespace: a run inside a container (a CI job, a lab host on this machine) is
    seen in the host's /proc too, with a controller PID that means nothing here - it would look orphaned."""
    found = {}
    own = {os.getpid(), os.getppid()}
    namespace = _pid_namespace("self")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) in own:
            continue
        try:
            if os.stat("/proc/" + pid).st_uid != os.getuid() or _pid_namespace(pid) != namespace:
                continue
            with open("/proc/%s/environ" % pid, "rb") as handle:
                environ = handle.read().split(b"\0")
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        labels = {}
        for item in environ:
            key, sep, value = item.decode(errors="replace").partition("=")
            if sep and key in ENV_LABELS:
                labels[ENV_LABELS[key]] = value
        if runstate.RUN_LABEL in labels:
            found[int(pid)] = (labels, command[:120])
    return found


def reap_processes(module, params, now, result):
    """End the test processes the call is about: TERM, KILL after 5 s. Then look again (up to 3 times): a process
    can start a child while it is being ended (the ginkgo CLI its parallel workers, go test a test binary)."""
    result["processes"] = []
    seen = set()
    for dummy in range(3):
        victims = [{"pid": pid, "start": runstate.start_time(pid), "name": "%d %s" % (pid, command)}
                   for pid, (labels, command) in sorted(test_processes().items())
                   if wanted(labels, params, now, result["left_runs"])]
        victims = [v for v in victims if (v["pid"], v["start"]) not in seen or runstate.alive(v["pid"], v["start"])]
        if not victims:
            return
        result["processes"] += [v["name"] for v in victims if (v["pid"], v["start"]) not in seen]
        seen.update((v["pid"], v["start"]) for v in victims)
        if module.check_mode:
            return
        end_processes(victims)


def end_processes(victims):
    for victim in victims:  # not their groups: a test process may share the group of an Ansible worker
        try:
            os.kill(victim["pid"], 15)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(runstate.alive(v["pid"], v["start"]) for v in victims):
        time.sleep(0.05)
    for victim in victims:
        if runstate.alive(victim["pid"], victim["start"]):
            try:
                os.kill(victim["pid"], 9)
            except OSError:
                pass


def left_lines(left_runs):
    """One line per run left alone: 'left running: run … of user …' or 'kept: …'."""
    lines = []
    for run_id, labels in sorted(left_runs.items()):
        if labels["state"] == "live":
            lines.append("left running: %s" % runstate.describe(labels))
        else:
            lines.append("left kept: %s, kept on purpose by a keep run" % runstate.describe(labels))
    return lines


def reap_state_files(module, paths):
    """Delete what the state files ``paths`` record (Kind clusters that were created, control-plane processes),
    whatever their labels say; the files stay. Returns the result dict."""
    result = dict(changed=False, deleted=[], processes=[])
    for path in paths:
        data = runstate.read_json(path)
        if not data:
            continue
        if module.check_mode:
            result["deleted"].append("(check mode) %s" % path)
            continue
        result["processes"] += runstate.stop_processes(data.get("processes") or [], grace=0)
        if data.get("cluster") and data.get("created"):
            result["deleted"] += teardown.delete_cluster(module, data)
    result["changed"] = bool(result["deleted"] or result["processes"])
    return result


def reap(module, params):
    """Reap per ``params`` (run_id, expired_only, stale, keep_labels, kept_owner, force, podman, state_dir); return the
    result dict."""
    now = time.time()
    params = dict(dict(kept_owner=None, force=False), **params)
    if params["kept_owner"] == "":
        params["kept_owner"] = runstate.current_owner()
    result = dict(changed=False, containers=[], volumes=[], networks=[], processes=[], left_runs={},
                  state_dir=params["state_dir"] or runstate.default_base_dir())
    reap_processes(module, params, now, result)
    if params["podman"] and module.get_bin_path(params["podman"]):  # "": Podman is left alone
        reap_podman(module, params, now, result)
    reap_runs(module, params, now, result)
    result["changed"] = any(result[k] for k in ("containers", "volumes", "networks", "runs", "processes"))
    result["left"] = left_lines(result.pop("left_runs"))
    return result


def port_holder(module, podman, port):
    """The labels of our container that holds host port ``port`` (published, or listened on from the host's
    network), or None (not ours, or no Podman)."""
    if not module.get_bin_path(podman):
        return None
    rc, out, dummy = module.run_command([podman, "ps", "--filter", "label=" + COLLECTION_LABEL, "--format", "json"])
    if rc != 0:
        return None
    for item in json.loads(out or "[]") or []:
        if str(port) in [str(p) for p in podman_container.host_ports(item).values()]:
            return dict(labels_of(item), name=name_of(item, "Names"))
    return None


def port_taken_message(module, podman, host, port, backend, variable):
    """Why host:port is taken and what to do, naming the run of ours that holds it (from its container's labels).
    Never suggests a cleanup of a run that is still going on: that would end someone's tests."""
    where = "port %s:%s for %s" % (host, port, backend)
    other_port = "-e %s=<port>" % variable if variable else "another port"
    holder = port_holder(module, podman, port)
    if holder is None:
        return ("%s is in use by another program (not a kubernaut.testinfra run): stop it, or run isolated "
                "(-e testinfra_isolate=true: free ports, names of its own), or choose %s" % (where, other_port))
    state = runstate.state(holder)
    who = "container %s of %s" % (holder["name"], runstate.describe(holder))
    if state == "kept":
        return ("%s is held by the kept %s: reuse it with -e testinfra_keep=true, end it with `make cleanup` "
                "(when it is yours; -e testinfra_cleanup=all when it is not), or run isolated (-e testinfra_isolate=true) "
                "or choose %s" % (where, who, other_port))
    if state == "live":
        return ("%s is held by %s, which is still running: run isolated (-e testinfra_isolate=true: free ports, "
                "names of its own) or choose %s; a cleanup would end that run's tests" % (where, who, other_port))
    return ("%s is held by %s, which is stale: `make cleanup` removes it, or run isolated (-e testinfra_isolate=true) "
            "or choose %s" % (where, who, other_port))
