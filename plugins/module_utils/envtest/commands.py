# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands and files of the binary resolution: a command run with a timeout, the tail of its output, a path
removed, an executable file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import shutil
import subprocess

from ansible.module_utils.common.text.converters import to_native

PROBE_TIMEOUT = 60
GO_TIMEOUT = 3600
APT_TIMEOUT = 900


def is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def run(args, cwd=None, env=None, timeout=GO_TIMEOUT):
    """(rc, combined output) of a command; the command is killed when this process is interrupted."""
    try:
        proc = subprocess.run(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        return 124, "%s\n%s timed out after %s s" % (to_native(exc.output or b""), args[0], timeout)
    except OSError as exc:
        return 127, "cannot run %s: %s" % (args[0], to_native(exc))
    return proc.returncode, to_native(proc.stdout, errors="surrogate_or_replace")


def tail(text, lines=20):
    """Last ``lines`` lines of a command's output."""
    return "\n".join(str(text or "").rstrip().splitlines()[-lines:])


def remove(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
