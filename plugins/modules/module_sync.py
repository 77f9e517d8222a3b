#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: module_sync
short_description: Bring a Go module of the controller to a lab host, sending only what changed
version_added: "0.5.0"
description:
  - Keeps a copy of the directory O(src) of the controller in a directory of its own on the target,
    C(<dest_base>/<name>), and returns its absolute path.
  - The controller lists the files of O(src) (size, modification time, mode; symlink targets) and reads the list
    it sent the last time from the target; files that changed are sent as one C(tar.gz) archive with the paths to
    delete, and extracted with C(tar) there. A second sync of an unchanged module sends nothing. Modification times
    are kept, so that C(go test)'s cache on the target stays valid for unchanged packages.
  - Needs only C(sh) and C(tar) on the target (no rsync on either side).
  - An action plugin. Everything runs on the controller, with two shell commands and one file transfer on the
    target.
author:
  - kubernaut.testinfra contributors
options:
  src:
    description: The directory on the controller (the Go module, with its C(go.mod)).
    type: path
    required: true
  name:
    description: The directory's name under O(dest_base). Default C(<basename of src>-<8 hex digits of its path>).
    type: str
  dest_base:
    description: Where the copies of modules live on the target; C(~) is the target user's home.
    type: str
    default: ~/.cache/kubernaut-testinfra/modules
  exclude:
    description: File and directory names never sent (at any depth).
    type: list
    elements: str
    default: [.git, .testinfra]
attributes:
  check_mode:
    support: full
    description: Makes the directory on the target and reports what would be sent; sends nothing.
  diff_mode:
    support: none
  action:
    support: full
    description: Runs on the controller; the target only runs C(mkdir), C(cat), C(tar) and C(rm).
notes:
  - Files changed on the target itself are not noticed (the target's copy is compared by the list the controller
    sent, not by reading the files again); remove the directory to force a full copy.
"""

EXAMPLES = r"""
- name: Bring the service's Go module to the lab host
  kubernaut.testinfra.module_sync:
    src: "{{ testinfra_repo_dir }}"
  register: synced

- name: Run its tests there
  ansible.builtin.command:
    cmd: go test ./...
    chdir: "{{ synced.path }}"
"""

RETURN = r"""
path:
  description: The absolute path of the copy on the target.
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra/modules/examples-1a2b3c4d
files:
  description: How many files the module has.
  returned: always
  type: int
sent:
  description: How many files were sent (changed or new since the last sync).
  returned: always
  type: int
deleted:
  description: How many files were deleted on the target (gone from O(src)).
  returned: always
  type: int
"""
