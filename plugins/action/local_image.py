# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""local_image: in the worker process on the controller (plugin_utils/in_process.py); on a remote host, a local image
the host lacks is built once on the controller and copied there (podman save | zstd, sent, podman load) instead of
built on each host.

On a remote host the module first runs with ``build: false``: a present image (same spec label), an upstream image
or a pull ends there (one module run, nothing sent). When it answers ``action: missing``, the controller's Podman
gives the image with the same spec hash (built there first, under a lock, when it lacks it), the host loads it and
the module runs again and finds it (``reused``). Without Podman or mmdebstrap on the controller, or when the
controller's build fails or has another spec hash, the host builds the image as before; ``origin`` and
``origin_reason`` say which happened.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.spec import LABEL_SPEC
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.controller_copy import ControllerCopy, controller_lock
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import LocalModule, ModuleExit


def controller_inspect(podman, ref):
    proc = subprocess.run([podman, "image", "inspect", ref], capture_output=True, check=False)
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout)[0]
    except (ValueError, IndexError):
        return None


def spec_label(data):
    return (((data or {}).get("Config") or {}).get("Labels") or {}).get(LABEL_SPEC)


class ActionModule(ControllerCopy):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        args = self._task.args
        if (not self.remote_target(task_vars) or args.get("state", "present") != "present"
                or args.get("force") in (True, "true", "yes", "True")):
            return super().run(tmp, task_vars)
        self.base_run(tmp, task_vars)
        first = self.run_remote_module(task_vars, build=False)
        if first.get("failed") or first.get("action") != "missing":
            first["origin"] = "host"
            return first
        podman = shutil.which("podman")
        if not podman:
            return self.build_on_host(task_vars, "the controller has no Podman")
        with controller_lock("image-" + hashlib.sha1(args["name"].encode()).hexdigest()[:16]):
            built, why = self.ensure_on_controller(podman, first["spec_hash"])
        if why:
            return self.build_on_host(task_vars, why)
        try:
            copy = self.copy(podman, args["name"], (first.get("image") or {}).get("id"))
        except Exception as exc:  # pylint: disable=broad-except
            return self.build_on_host(task_vars, "copying the controller's image failed: %s" % exc)
        final = self.run_remote_module(task_vars, build=False)
        if final.get("failed") or final.get("action") != "reused":
            return self.build_on_host(task_vars, "the host did not find the loaded image (%s)"
                                      % (final.get("msg") or final.get("reason")))
        final.update(changed=True, action="copied", reason=first.get("reason"), copy=copy,
                     origin="built on the controller and copied" if built else "copied from the controller",
                     upstream_error=first.get("upstream_error", ""))
        return final

    def build_on_host(self, task_vars, why):
        result = self.run_remote_module(task_vars, build=True)
        result.update(origin="built on the host", origin_reason=why)
        return result

    def ensure_on_controller(self, podman, spec_hash):
        """(built here, None) when the controller has the image of this spec hash, else (False, why not)."""
        name = self._task.args["name"]
        if spec_label(controller_inspect(podman, name)) == spec_hash:
            return False, None
        if not shutil.which("mmdebstrap"):
            return False, "the controller lacks %s and mmdebstrap to build it" % name
        module_file = importlib.import_module("ansible_collections.kubernaut.testinfra.plugins.modules.local_image")
        args = dict(self._task.args, source="local", build=True)
        try:
            module_file.run_module(LocalModule(module_file.ARGUMENT_SPEC, args))
            outcome = dict(failed=True, msg="local_image ended without a result")
        except ModuleExit as done:
            outcome = done.result
        if outcome.get("failed"):
            return False, "building it on the controller failed: %s" % str(outcome.get("msg"))[-500:]
        if outcome.get("spec_hash") != spec_hash:
            return False, ("the controller's build has another spec hash (%s, the host wants %s: files[].src differ?)"
                           % (str(outcome.get("spec_hash"))[:12], spec_hash[:12]))
        return True, None

    def copy(self, podman, name, replaced_id):
        """podman save on the controller (zstd -1 when there), sent, podman load on the host; the host's image of an
        older spec it replaces is removed. Returns the figures."""
        zstd = shutil.which("zstd")
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="kubernaut-image-copy-") as scratch:
            archive = os.path.join(scratch, "image.tar" + (".zst" if zstd else ""))
            with open(archive, "wb") as out:
                save = subprocess.Popen([podman, "save", "--format", "docker-archive", name],
                                        stdout=subprocess.PIPE if zstd else out, stderr=subprocess.PIPE)
                if zstd:
                    pack = subprocess.run([zstd, "-q", "-1", "-T0", "-c"], stdin=save.stdout, stdout=out,
                                          stderr=subprocess.PIPE, check=False)
                    save.stdout.close()
                err = save.communicate()[1]
            if save.returncode != 0 or (zstd and pack.returncode != 0):
                raise RuntimeError("podman save %s on the controller failed: %s" % (
                    name, (err or (pack.stderr if zstd else b"")).decode(errors="replace").strip()[-500:]))
            size = os.path.getsize(archive)
            save_seconds = round(time.monotonic() - start, 2)
            with self.remote_tmpdir() as tmpdir:
                remote, send_seconds = self.send(archive, tmpdir, os.path.basename(archive))
                loaded = time.monotonic()
                self.shell("podman load -q -i %s" % shlex.quote(remote))
                load_seconds = round(time.monotonic() - loaded, 2)
        if replaced_id:
            # the host's image of an older spec lost its name to the loaded one; remove it unless in use
            old = shlex.quote(replaced_id)
            self.shell("podman image inspect --format '{{.Id}}' %s | grep -qx %s || podman rmi %s >/dev/null 2>&1; true"
                       % (shlex.quote(name), old, old), check=False)
        return dict(bytes=size, compression="zstd" if zstd else "none", save_seconds=save_seconds,
                    transfer_seconds=send_seconds, load_seconds=load_seconds,
                    seconds=round(time.monotonic() - start, 2))
