#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: env_file
short_description: Write environment variables (secrets among them) to a file only its owner can read
version_added: "0.3.0"
description:
  - Writes O(env) as C(export NAME='value') lines to O(path), mode C(0600), in a directory created with mode
    C(0700). The modules of this collection read such a file with their O(kubernaut.testinfra.pgvector_ready#module:env_file)
    option, and the C(go test) command of a run sources it in the shell that starts the tests.
  - The way passwords and tokens reach modules and tests without being printed. A task's C(environment) is
    printed at C(-vvv), and a module argument marked C(no_log) is masked everywhere in its task's result.
  - Use C(no_log) on the task, so that O(env) is never shown either.
author:
  - kubernaut.testinfra contributors
options:
  path:
    description:
      - The file. A relative path is taken under O(state_dir).
    type: str
    required: true
  env:
    description: Variable names and values. Names must be shell variable names.
    type: dict
    required: true
  state_dir:
    description: The directory relative paths are taken under. Default C(<tmp>/kubernaut-testinfra-<uid>).
    type: path
attributes:
  check_mode:
    support: full
    description: In check mode the file is not written; RV(changed) says whether it would be.
  diff_mode:
    support: none
notes:
  - The file is meant to be short-lived. The readiness modules remove it once read
    (O(kubernaut.testinfra.pgvector_ready#module:env_file_remove)), the C(go test) wrapper removes it before the
    tests start, and the run's state directory goes with the run.
"""

EXAMPLES = r"""
- name: Hand the PostgreSQL password to the next tasks in a file
  kubernaut.testinfra.env_file:
    path: "{{ run_dir }}/pgvector.env"
    env:
      POSTGRES_PASSWORD: "{{ pgvector_password }}"
      PGPASSWORD: "{{ pgvector_password }}"
  no_log: true

- name: Wait for SQL with that password
  kubernaut.testinfra.pgvector_ready:
    port: 5432
    env_file: "{{ run_dir }}/pgvector.env"
    env_file_remove: true
"""

RETURN = r"""
path:
  description: The absolute path of the file.
  returned: always
  type: str
names:
  description: The names of the variables in the file (never their values).
  returned: always
  type: list
  elements: str
finished:
  description: When the module finished, in seconds since the epoch on the target.
  returned: always
  type: float
  sample: 1764770000.25
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile


ARGUMENT_SPEC = dict(
    path=dict(type="str", required=True),
    env=dict(type="dict", required=True),
    state_dir=dict(type="path"),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    params = module.params
    changed, path = envfile.write_for(module, params["path"], params["env"], params["state_dir"])
    module.exit_json(changed=changed, path=path, names=sorted(params["env"]), finished=time.time())


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
