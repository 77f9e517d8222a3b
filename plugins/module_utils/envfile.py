# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets in a file instead of a task's ``environment``: Ansible prints a task's environment at -vvv (the
command line it runs), and masks every occurrence of a no_log argument in the task's result (a password
such as ``postgres`` would blank out user and container names). A file of ``export NAME='value'`` lines,
readable by its owner only, is written by M(kubernaut.testinfra.env_file) and read by the modules that
need the values (option ``env_file``), or sourced by the shell that starts ``go test``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shlex
import tempfile

from ansible_collections.kubernaut.testinfra.plugins.module_utils.runstate import default_base_dir

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def resolve(path, state_dir=None):
    """``path``, relative paths taken under the state directory (as the other modules' run paths are)."""
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.join(state_dir or default_base_dir(), path)


def render(env):
    """Shell text that exports ``env``; names must be shell variable names."""
    bad = sorted(str(name) for name in env if not NAME.match(str(name)))
    if bad:
        raise ValueError("not an environment variable name: %s" % ", ".join(bad))
    return "".join("export %s=%s\n" % (name, shlex.quote(str(value))) for name, value in sorted(env.items()))


def parse(text):
    """{name: value} of a file written by render()."""
    env = {}
    for word in shlex.split(text, comments=True):  # the whole text: a quoted value may span lines
        name, sep, value = word.partition("=")
        if sep and NAME.match(name):
            env[name] = value
    return env


def write(path, env):
    """Write ``env`` to ``path`` (mode 0600, directories 0700), atomically; True when the content changed."""
    text = render(env)
    try:
        with open(path) as handle:
            if handle.read() == text and (os.stat(path).st_mode & 0o777) == 0o600:
                return False
    except (IOError, OSError):
        pass
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".env-")  # created 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
    return True


def write_for(module, path, env, state_dir=None):
    """Write ``env`` for a module (M(env_file), M(prepare_tests)): fails the module with one message naming the fix;
    in check mode writes nothing and says whether the file would change. Returns (changed, absolute path)."""
    path = os.path.abspath(resolve(path, state_dir))
    try:
        text = render(env)
    except ValueError as exc:
        module.fail_json(msg="%s: %s" % (path, exc))
    if module.check_mode:
        try:
            with open(path) as handle:
                return handle.read() != text, path
        except (IOError, OSError):
            return True, path
    try:
        return write(path, env), path
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot write %s: %s (set testinfra_state_dir to a writable directory)"
                         % (path, exc.strerror or exc))


def load(module, path, remove=False):
    """Put the variables of the file ``path`` into this process's environment (the module's), where the
    code that reads PGPASSWORD, REDIS_PASSWORD or a container's pass_env finds them; remove the file after
    reading when ``remove``. Fails the module with the path when the file cannot be read."""
    if not path or (module.check_mode and not os.path.exists(path)):  # check mode wrote no file
        return {}
    try:
        with open(path) as handle:
            env = parse(handle.read())
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read the environment file %s: %s" % (path, exc))
    os.environ.update(env)
    if remove:
        try:
            os.unlink(path)
        except OSError:
            pass
    return env
