#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: prepare_tests
short_description: Make what a service's test command needs, right before it starts
version_added: "0.6.0"
description:
  - The last step before C(go test) (or ginkgo) runs. M(kubernaut.testinfra.preflight) only checks and says what the
    command line needs; this module makes it, once the backends are up.
  - Writes the tests' environment (connection details, passwords, tokens) to O(path) as
    M(kubernaut.testinfra.env_file) does, mode C(0600). The command's wrapper sources it and removes it.
  - Creates O(temp_dir), the tests' C(TMPDIR), and O(binary_dir), the directory of C(go test -o), with hard links to
    the test binaries of earlier runs from O(binary_cache). A C(state.json) in each records the run's O(labels), so
    that M(kubernaut.testinfra.reap) can tell them from a live run's when the run dies.
  - With O(ginkgo), builds the ginkgo CLI of the module's version into the collection's cache when the cache lacks it,
    and installs the report converter next to it.
author:
  - kubernaut.testinfra contributors
options:
  path:
    description: The tests' environment file. A relative path is taken under O(state_dir).
    type: str
    required: true
  env:
    description: Variable names and values for the tests. Names must be shell variable names. Use C(no_log) on the task.
    type: dict
    required: true
  state_dir:
    description: The directory relative paths are taken under. Default C(<tmp>/kubernaut-testinfra-<uid>).
    type: path
  temp_dir:
    description: The tests' C(TMPDIR) to create (RV(kubernaut.testinfra.preflight#module:temp_dir)); empty for none.
    type: str
    default: ""
  binary_dir:
    description:
      - The directory of C(go test -o) (RV(kubernaut.testinfra.preflight#module:binary_dir)); empty for none.
      - When it is O(binary_cache) itself (keep mode), the cache is only created and marked in use.
    type: str
    default: ""
  binary_cache:
    description: The cache O(binary_dir) is made from (RV(kubernaut.testinfra.preflight#module:binary_cache)).
    type: str
    default: ""
  labels:
    description:
      - Labels of the run (C(io.kubernaut.testinfra.run), C(io.kubernaut.testinfra.expires), ...), written to the
        C(state.json) of O(temp_dir) and O(binary_dir). The host and controller labels are filled in.
    type: dict
    default: {}
  ginkgo:
    description:
      - RV(kubernaut.testinfra.preflight#module:ginkgo) of a ginkgo run (C(path), C(version), C(converter),
        C(cache_dir)); empty for C(go test).
    type: dict
    default: {}
  go:
    description: The Go executable that builds the ginkgo CLI.
    type: str
    default: go
  repo_dir:
    description: The Go module whose C(go.mod) pins the ginkgo CLI's dependencies.
    type: str
    default: ""
attributes:
  check_mode:
    support: full
    description: In check mode nothing is written, created or built; RV(changed) says whether the file would change.
  diff_mode:
    support: none
notes:
  - The environment file holds secrets and is meant to be short-lived; the directories go with the run's directory.
seealso:
  - module: kubernaut.testinfra.preflight
  - module: kubernaut.testinfra.env_file
  - module: kubernaut.testinfra.reap
"""

EXAMPLES = r"""
- name: Check the run can start and build its command line
  kubernaut.testinfra.preflight:
    service: datastorage
    repo_dir: "{{ testinfra_repo_dir }}"
    packages: [./test/integration/datastorage/...]
    binary_dir: "{{ run_id }}/bin"
    temp_dir: "{{ run_id }}/tmp"
  register: preflight

- name: Make what the tests need, right before they start
  kubernaut.testinfra.prepare_tests:
    path: "{{ run_id }}/test.env"
    env:
      POSTGRES_HOST: 127.0.0.1
      POSTGRES_PASSWORD: "{{ password }}"
      TMPDIR: "{{ preflight.temp_dir }}"
    temp_dir: "{{ preflight.temp_dir }}"
    binary_dir: "{{ preflight.binary_dir }}"
    binary_cache: "{{ preflight.binary_cache }}"
    labels: {io.kubernaut.testinfra.run: "{{ run_id }}"}
  register: setup
  no_log: true
"""

RETURN = r"""
path:
  description: The tests' environment file, an absolute path; the test command's wrapper sources and removes it.
  returned: always
  type: str
  sample: /tmp/kubernaut-testinfra-0/20261204190000-1a2b/test.env
names:
  description: The variables the tests get from it, by name only (the values hold secrets).
  returned: always
  type: list
  elements: str
  sample: [PGPASSWORD, POSTGRES_HOST, POSTGRES_PORT, TMPDIR]
finished:
  description:
    - When the files and directories were ready, in seconds since the epoch on the target, before a ginkgo build. A
      service run takes it as the start of its test phase (a ginkgo build counts there, as C(go test)'s own build
      does).
  returned: always
  type: float
  sample: 1764770000.25
ginkgo_built:
  description: Whether the ginkgo CLI was built (the cache lacked it).
  returned: always
  type: bool
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile, runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as test_binaries
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import ginkgo_cli, ginkgo_json


ARGUMENT_SPEC = dict(
    path=dict(type="str", required=True),
    env=dict(type="dict", required=True),
    state_dir=dict(type="path"),
    temp_dir=dict(type="str", default=""),
    binary_dir=dict(type="str", default=""),
    binary_cache=dict(type="str", default=""),
    labels=dict(type="dict", default={}),
    ginkgo=dict(type="dict", default={}),
    go=dict(type="str", default="go"),
    repo_dir=dict(type="str", default=""),
)


def make_temp_dir(module, path, labels):
    """The tests' TMPDIR, with the run's labels for the reaper."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        runstate.write_json(os.path.join(path, "state.json"), {"labels": labels})
    except OSError as exc:
        module.fail_json(msg="cannot create the temp directory %s: %s (set testinfra_state_dir to a writable "
                         "directory)" % (path, exc))


def make_binary_dir(module, path, cache, labels):
    """go test -o's directory, seeded from the cache (keep mode: the cache itself)."""
    try:
        if path == cache:
            test_binaries.open_cache(cache)
        else:
            test_binaries.seed(path, cache)
            # whose directory this is, so that the reaper can tell when the run is gone
            runstate.write_json(os.path.join(path, "state.json"), {"labels": labels})
    except OSError as exc:
        module.fail_json(msg="cannot prepare the test binary directory %s: %s (set testinfra_state_dir to a "
                         "writable directory, or testinfra_go_test_cache_binaries=false)" % (path, exc))


def build_ginkgo(module):
    """The ginkgo CLI and the report converter in the cache; True when the CLI was built."""
    params = module.params
    spec = params["ginkgo"]
    cache, version = spec.get("cache_dir") or "", spec.get("version") or ""
    if not cache or not version:
        module.fail_json(msg="ginkgo needs cache_dir and version (the ginkgo return value of preflight)")
    present = os.access(ginkgo_cli.binary_path(cache, version), os.X_OK)
    try:
        dummy, error = ginkgo_cli.build(module.run_command, params["go"], params["repo_dir"], cache, version)
        ginkgo_cli.install_converter(cache, ginkgo_json)
    except OSError as exc:
        error = str(exc)
    if error:
        module.fail_json(msg="cannot build the ginkgo CLI %s into %s: %s" % (version, cache, error))
    return not present


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    params = module.params
    if params["binary_dir"] and not params["binary_cache"]:
        module.fail_json(msg="binary_dir %s needs binary_cache (the binary_cache return value of preflight)"
                         % params["binary_dir"])
    # first: a bad variable name fails before anything is made
    changed, path = envfile.write_for(module, params["path"], params["env"], params["state_dir"])
    if not module.check_mode:
        labels = runstate.own_labels(params["labels"])
        if params["temp_dir"]:
            make_temp_dir(module, params["temp_dir"], labels)
        if params["binary_dir"]:
            make_binary_dir(module, params["binary_dir"], params["binary_cache"], labels)
    finished = time.time()
    built = build_ginkgo(module) if params["ginkgo"] and not module.check_mode else False
    module.exit_json(changed=changed or built, path=path, names=sorted(params["env"]), finished=finished,
                     ginkgo_built=built)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
