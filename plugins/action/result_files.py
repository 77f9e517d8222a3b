# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the module result_files in the worker process when the target is the controller (plugin_utils/in_process.py).

On any other target (a lab host over SSH) the module writes into a temporary directory there, and the files are
fetched into O(dest) on the controller, where a user and a CI system look for them; RV(files) then names the
controller's copies."""
import os

from ansible.errors import AnsibleError
from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):

    def run(self, tmp=None, task_vars=None):
        if self.in_process(task_vars or {}) or self._task.check_mode:
            return super().run(tmp, task_vars)
        dest = os.path.abspath(os.path.expanduser(str(self._task.args.get("dest") or "")))
        # not the task's temp directory: the module run removes that
        made = self._low_level_execute_command("mktemp -d -t kubernaut-testinfra-results.XXXXXXXX")
        remote_dir = (made.get("stdout") or "").strip()
        if made.get("rc") != 0 or not remote_dir.startswith("/"):
            return dict(failed=True, msg="no temporary directory on the target: %s" % made.get("stderr", ""))
        remote_dest = remote_dir + "/results"
        self._task.args["dest"] = remote_dest
        try:
            result = super().run(tmp, task_vars)  # runs the module there (and removes its own temp files)
            fetched = []
            for path in result.get("files") or []:
                rel = os.path.relpath(path, remote_dest)
                if rel.startswith(".."):
                    continue
                local = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(local), mode=0o700, exist_ok=True)
                self._connection.fetch_file(path, local)
                os.chmod(local, 0o600)
                fetched.append(local)
            result["files"] = fetched
        except (AnsibleError, OSError) as exc:
            result = dict(failed=True, msg="fetching the result files from the target failed: %s" % exc)
        finally:
            self._task.args["dest"] = dest
            self._low_level_execute_command("rm -rf -- '%s'" % remote_dir)
        return result
