# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run this collection's modules inside the Ansible worker when the target is the controller itself.

Every module task normally costs ~0.3 s here before the module does anything (a Python start, the
AnsiballZ payload, its imports). The plays of this collection run on localhost with ``connection: local``
and the controller's Python, so the action plugins of the hot-path modules call the module's
``run_module(module)`` in the worker process (already forked per task, so environment changes stay there) with
``LocalModule``, which offers the small part of ``AnsibleModule`` these modules use. Any other target
(remote host, become, another interpreter, async) runs the module the normal way; so does everything
when ``TESTINFRA_IN_PROCESS=0`` is set in the controller's environment.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.process import get_bin_path
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


class ModuleExit(SystemExit):
    """exit_json/fail_json of a LocalModule: ends the module's run() like AnsibleModule's sys.exit()."""

    def __init__(self, result):
        super().__init__(0)
        self.result = result


class LocalModule:
    """The part of AnsibleModule the collection's modules use, for a run inside the worker process."""

    def __init__(self, argument_spec, args, check_mode=False):
        self.check_mode = check_mode
        self._warnings = []
        validated = ArgumentSpecValidator(argument_spec).validate(args)
        self.no_log_values = validated._no_log_values  # pylint: disable=protected-access
        self.params = validated.validated_parameters
        if validated.error_messages:
            self.fail_json(msg="; ".join(validated.error_messages))

    def warn(self, warning):
        self._warnings.append(warning)

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        try:
            return get_bin_path(arg, opt_dirs=opt_dirs or [])
        except ValueError as exc:
            if required:
                self.fail_json(msg=str(exc))
            return None

    def run_command(self, args, cwd=None, environ_update=None, data=None, check_rc=False, binary_data=False):
        env = dict(os.environ, **(environ_update or {}))
        if data is not None and not binary_data:
            data += "\n"
        try:
            proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, check=False,
                                  stdin=subprocess.DEVNULL if data is None else None,
                                  input=None if data is None else data.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            if check_rc:
                self.fail_json(msg=str(exc), cmd=args)
            return 2, "", str(exc)
        out, err = (stream.decode("utf-8", "surrogateescape") for stream in (proc.stdout, proc.stderr))
        if check_rc and proc.returncode != 0:
            self.fail_json(msg=err.strip() or "command failed", rc=proc.returncode, stdout=out, stderr=err, cmd=args)
        return proc.returncode, out, err

    def _result(self, result):
        result.setdefault("changed", False)
        if self._warnings:
            result["warnings"] = list(result.get("warnings", [])) + self._warnings
        return remove_values(result, self.no_log_values)

    def exit_json(self, **result):
        raise ModuleExit(self._result(result))

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise ModuleExit(self._result(result))


class InProcessAction(ActionBase):
    """The action plugin of every module of the collection: ``run_module(module)`` of the module file in process
    on the controller, or the module itself elsewhere. A module file defines ``ARGUMENT_SPEC`` and
    ``run_module(module)``; ``plugins/action/<module>.py`` only imports this class as ``ActionModule``.
    """

    _supports_check_mode = True
    _supports_async = True

    def in_process(self, task_vars):
        if os.environ.get("TESTINFRA_IN_PROCESS", "1") in ("0", "false", "no"):
            return False
        if self._connection.transport != "local" or self._play_context.become or self._task.async_val:
            return False
        interpreter = task_vars.get("ansible_python_interpreter")
        if not interpreter:
            return False
        interpreter = self._templar.template(interpreter)
        return os.path.realpath(os.path.expanduser(str(interpreter))) == os.path.realpath(sys.executable)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        if not self.in_process(task_vars):
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
            return result
        environment = {}
        self._compute_environment_string(environment)
        saved = dict(os.environ)
        os.environ.update({str(key): str(value) for key, value in environment.items()})
        namespace, collection, name = self._task.resolved_action.split(".")
        module_file = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % (namespace, collection, name))
        try:
            module_file.run_module(LocalModule(module_file.ARGUMENT_SPEC, dict(self._task.args),
                                        check_mode=bool(self._task.check_mode)))
            outcome = dict(failed=True, msg="%s ended without a result" % self._task.action)
        except ModuleExit as done:
            outcome = done.result
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return merge_hash(result, outcome)
