# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The readiness of a backend in a Podman container (pgvector_ready, redis_ready): version comparison, check
mode, the wait that gives up when the container exits and fails with its log, and the reuse of a kept
container."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils.podman import container as podman_container
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import Fatal, NotReady, wait_until
from ansible_collections.kubernaut.testinfra.plugins.module_utils.runstate import EXPIRES_LABEL, KEEP_LABEL


def version_tuple(text):
    """'0.8.0' -> (0, 8, 0); '17.2 (Debian 17.2-1)' -> (17, 2); '' -> ()."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text or ""))
    if not match:
        return ()
    return tuple(int(part) for part in match.group(1).split("."))


def version_at_least(found, minimum):
    """True when version string ``found`` is at least ``minimum`` (empty minimum: True)."""
    want = version_tuple(minimum)
    if not want:
        return True
    have = version_tuple(found)
    width = max(len(have), len(want))
    return have + (0,) * (width - len(have)) >= want + (0,) * (width - len(want))


def exit_if_not_started(module, container, what, podman="podman", **result):
    """In check mode the container was not started (the start task only said it would be): nothing to wait for.
    Ends the module with ``result`` and a message when that is so; returns otherwise."""
    if module.check_mode and container and podman_container.state(module, container, podman)[0] is not True:
        module.exit_json(**dict(result, changed=False, ready_seconds=0.0, attempts=0,
                                msg="check mode: %s in container %s would be waited for once started"
                                    % (what, container)))


def exited_check(module, container, podman="podman", every=1.0):
    """An ``on_retry`` callback that raises Fatal once the container is no longer running.

    It looks at most once per ``every`` seconds so a fast wait loop does not spawn podman constantly.
    """
    state = {"next": 0.0}

    def check(dummy_error):
        now = time.monotonic()
        if not container or now < state["next"]:
            return
        state["next"] = now + every
        running, status = podman_container.state(module, container, podman)
        if running is False:
            raise Fatal("container %s is not running (%s)" % (container, status))

    return check


def fail_with_log(module, msg, container, podman="podman", **extra):
    """fail_json with the container's log tail appended to the message."""
    tail = podman_container.log_tail(module, container, podman=podman)
    if tail:
        msg = "%s\n--- last lines of the log of container %s ---\n%s" % (msg, container, tail)
    module.fail_json(msg=msg, log_tail=tail, **extra)


def wait_ready(module, probe, timeout, container, where, answer, timeout_var, **extra):
    """wait_until() for a backend in a container; on failure, one message with the container's log.

    ``answer`` names what was awaited ("SQL", "PING"); ``timeout_var`` is the variable to raise.
    Returns ``(result, attempts, seconds)``.
    """
    try:
        return wait_until(probe, timeout, on_retry=exited_check(module, container))
    except NotReady as exc:
        fail_with_log(module, "%s did not answer %s: %s. Raise %s if the host is slow."
                      % (where, answer, exc, timeout_var), container, **extra)
    except Fatal as exc:
        fail_with_log(module, "%s cannot be used: %s" % (where, exc), container, **extra)


class NotReusable(Exception):
    """A kept container that cannot be reused; the caller recreates it."""


def kept_container(module, container, container_port, podman="podman", margin=600):
    """(host port, env dict, cmd list) of a running container labelled keep that does not expire within
    ``margin`` seconds; raises NotReusable otherwise."""
    data = podman_container.inspect(module, container, podman)
    if not data:
        raise NotReusable("no container %s" % container)
    labels = (data.get("Config") or {}).get("Labels") or {}
    if not (data.get("State") or {}).get("Running"):
        raise NotReusable("%s is not running" % container)
    if labels.get(KEEP_LABEL) != "true":
        raise NotReusable("%s was not kept (label %s)" % (container, KEEP_LABEL))
    try:
        if float(labels.get(EXPIRES_LABEL, "inf")) < time.time() + margin:
            raise NotReusable("%s expires within %d s" % (container, margin))
    except ValueError:
        pass
    port = podman_container.host_ports(data).get("%s/tcp" % container_port)
    if not port:
        raise NotReusable("%s publishes no port for %s" % (container, container_port))
    env = dict(item.partition("=")[::2] for item in (data.get("Config") or {}).get("Env") or [])
    return port, env, (data.get("Config") or {}).get("Cmd") or []


def soft_failures(module):
    """Make fail_json raise NotReusable: a failed health check of a kept container means "recreate it"."""
    def soft_fail(msg="", **dummy):
        raise NotReusable(msg)
    module.fail_json = soft_fail


def check_kept(module, container, container_port, password_of, run_check):
    """Keep mode: ``run_check(port, password)`` against the kept container, whose port and password
    (``password_of(env, cmd)``) are read from it. Any reason it cannot be reused ends the module with
    ``reused=False`` and that reason instead of a failure; ``run_check`` itself exits on success."""
    try:
        port, env, cmd = kept_container(module, container, container_port)
        password = password_of(env, cmd)
        soft_failures(module)
        run_check(port, password)
    except NotReusable as exc:
        module.exit_json(changed=False, reused=False, reason=str(exc))
