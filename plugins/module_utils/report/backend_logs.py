# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backends' logs saved with a run's results: the last lines of a Podman container's log or of a log file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re
import subprocess

PODMAN_TIMEOUT = 60


def log_file_name(name):
    """``<name>.log`` with unsafe characters replaced by ``_``."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".") or "log"
    return safe + ".log"


def tail_file(path, lines):
    """The last ``lines`` lines of a file (str), read from the end."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        data, block = b"", 65536
        while size > 0 and data.count(b"\n") <= lines:
            step = min(block, size)
            size -= step
            handle.seek(size)
            data = handle.read(step) + data
    text = data.decode("utf-8", "replace")
    kept = text.splitlines()[-lines:] if lines > 0 else []
    return "\n".join(kept)


def container_log(module, container, lines):
    """``podman logs --tail`` of a container (stdout and stderr), or why there is none."""
    podman = module.get_bin_path("podman")
    if not podman:
        return "(podman not found)"
    try:
        proc = subprocess.run([podman, "logs", "--tail", str(lines), container], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=PODMAN_TIMEOUT, check=False)
        text = proc.stdout.decode("utf-8", "replace")
        if proc.returncode == 0:
            return text.rstrip("\n")
        exists = subprocess.run([podman, "container", "exists", container], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=PODMAN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return "(podman timed out after %ds)" % PODMAN_TIMEOUT
    except (IOError, OSError) as exc:
        return "(cannot run podman: %s)" % exc
    if exists.returncode == 1 or "no such container" in text.lower():
        return "(container gone)"
    return "(podman logs failed with exit code %d: %s)" % (proc.returncode, " ".join(text.split())[:500])


def file_log(path, lines):
    try:
        return tail_file(path, lines)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return "(file not found: %s)" % path
        return "(cannot read %s: %s)" % (path, exc.strerror or exc)


def collect_logs(module):
    """``{file name: text}`` of the backends' logs."""
    params = module.params
    lines = max(0, params["log_lines"])
    logs = {}
    for item in params["logs"]:
        if item.get("container"):
            header = "# podman logs --tail %d %s" % (lines, item["container"])
            text = container_log(module, item["container"], lines)
        else:
            header = "# last %d lines of %s" % (lines, item["path"])
            text = file_log(item["path"], lines)
        logs[log_file_name(item["name"])] = header + "\n" + text + "\n"
    return logs
