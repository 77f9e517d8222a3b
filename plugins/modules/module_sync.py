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
    it sent the last time from the target. When something changed, it is sent with rsync over the task's SSH
    connection, or as one C(tar.gz) archive of the changed files with the paths to delete, extracted with C(tar)
    there (O(transfer)). A second sync of an unchanged module sends nothing. Modification times are kept, so that
    C(go test)'s cache on the target stays valid for unchanged packages.
  - With O(go_proxy=true), the module's dependencies come along as a file-based Go module proxy in
    C(<dest_base>/<name>.goproxy) (for C(GOPROXY=file://...) on a target without a module proxy), synced the same way.
    The controller makes it from its module cache (C($GOMODCACHE/cache/download), same layout) - the C(.info),
    C(.mod) and C(.zip) of each module of the build list (C(go mod download -json all)), the C(.mod) of the other
    module versions of the module graph that C(go mod graph) read, an C(@v/list) per module - in
    C(~/.cache/kubernaut-testinfra/goproxy/<name>[.<GOARCH>]) (hard links into the module cache), again only when C(go.mod),
    C(go.sum) or the controller's Go changed. C(go) runs on copies of C(go.mod) and C(go.sum), so the module's own
    files are never changed.
  - Needs only C(sh) and C(tar) on the target; rsync on both ends for the rsync transfer.
  - An action plugin. Everything runs on the controller, with two shell commands and one file transfer (or one
    rsync) on the target per directory.
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
  transfer:
    description:
      - How what changed is sent.
      - V(auto) - rsync when the controller and the target have it and the connection is C(ssh) with key
        authentication and without become; else V(archive). rsync was as fast or faster in the measurements, from
        a 150 KB module to a 117 MB module proxy (docs/lab-hosts.md).
      - V(rsync) - rsync (C(--archive --compress --delete)) over the task's SSH connection (its host, port, user, key and
        C(ssh_args), C(ssh_common_args), C(ssh_extra_args), so a ControlPersist master is reused); fails when it
        cannot be used.
      - V(archive) - one C(tar.gz) of the changed files, extracted with C(tar) there.
    type: str
    choices: [auto, rsync, archive]
    default: auto
  go_proxy:
    description:
      - Also bring the module's dependencies from the controller's module cache, as a file-based Go module proxy in
        C(<dest_base>/<name>.goproxy); C(go) there uses it with C(GOPROXY=file://<that directory>) C(GOSUMDB=off)
        (C(go.sum) still verifies each module). The controller needs Go (O(go)) and the modules (it downloads what
        it lacks).
    type: bool
    default: false
  go_toolchain:
    description:
      - With O(go_proxy), the Go toolchain module (C(golang.org/toolchain)) that M(kubernaut.testinfra.go_toolchain)
        installs for C(go.mod) on the target (as the C(prepare_host) role asks it on a lab host - the toolchain line,
        else the go line, O(go_min_version) a floor; for the target's C(uname -m)) comes along in the file proxy,
        downloaded and verified against C(sum.golang.org) by C(go) on the controller. Then
        C(prepare_host_go_proxy=<go_proxy.url>) with C(prepare_host_go_checksum=false) installs Go there.
    type: bool
    default: false
  go_min_version:
    description: The lowest Go O(go_toolchain) picks (C(prepare_host_go_min_version)).
    type: str
    default: "1.22"
  go:
    description: The Go executable on the controller, for O(go_proxy) (C(/usr/local/go/bin/go) when C(go) is not on PATH).
    type: str
    default: go
attributes:
  check_mode:
    support: full
    description: Makes the directory on the target and reports what would be sent; sends nothing.
  diff_mode:
    support: none
  action:
    support: full
    description: Runs on the controller; the target only runs C(mkdir), C(cat), C(tar) and C(rm), or rsync.
notes:
  - Files changed on the target itself are not noticed (the target's copy is compared by the list the controller
    sent, not by reading the files again); remove the directory to force a full copy. The rsync transfer, when
    something else changed, sets them right too.
  - O(go_proxy) with a C(replace) directive that points to a directory - that directory is not sent (put it inside
    the module, or vendor).
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

- name: A lab host without a module proxy - the dependencies from the controller, by rsync
  kubernaut.testinfra.module_sync:
    src: "{{ testinfra_repo_dir }}"
    go_proxy: true
    transfer: rsync
  register: synced

- name: Run its tests there with the controller's modules
  ansible.builtin.command:
    cmd: go test ./...
    chdir: "{{ synced.path }}"
  environment:
    GOPROXY: "{{ synced.go_proxy.url }}"
    GOSUMDB: "off"
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
bytes:
  description: The size of the module's files.
  returned: always
  type: int
bytes_sent:
  description: The size of the C(tar.gz), or what rsync says it sent (C(Total bytes sent)).
  returned: when something was sent
  type: int
transfer:
  description: How the changes were (or would be) sent - V(rsync) or V(archive).
  returned: always
  type: str
  sample: archive
go_proxy:
  description:
    - The file-based Go module proxy on the target - C(path), C(url) (C(file://<path>), for C(GOPROXY)), C(modules)
      (module versions in it), C(toolchain) (the version of C(golang.org/toolchain) in it, O(go_toolchain)), and C(files), C(bytes), C(sent), C(deleted), C(bytes_sent), C(transfer) of its sync.
  returned: when O(go_proxy=true)
  type: dict
  sample:
    path: /root/.cache/kubernaut-testinfra/modules/examples-1a2b3c4d.goproxy
    url: file:///root/.cache/kubernaut-testinfra/modules/examples-1a2b3c4d.goproxy
    modules: 246
    toolchain: v0.0.1-go1.24.0.linux-amd64
    files: 778
    bytes: 121634816
    sent: 0
    deleted: 0
    transfer: rsync
"""
