# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options of the modules that take secrets from an environment file."""

    DOCUMENTATION = r"""
options:
  env_file:
    description:
      - A file of C(export NAME='value') lines, as M(kubernaut.testinfra.env_file) writes them, whose variables
        the module adds to its environment before it starts (for example C(PGPASSWORD), C(REDIS_PASSWORD), or
        the variables of O(kubernaut.testinfra.backend_container#module:pass_env)).
      - The way secrets reach the module. They are neither module arguments (Ansible would mask every
        occurrence of the value in the result) nor the task's C(environment) (printed at C(-vvv)).
    type: path
  env_file_remove:
    description: Remove O(env_file) once it has been read.
    type: bool
    default: false
"""
