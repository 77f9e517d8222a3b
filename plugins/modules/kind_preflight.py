#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kind_preflight
short_description: Find a kind cluster to reuse, or make sure that one can be created
version_added: "0.1.0"
description:
  - One step before anything is provisioned, so that a cluster that cannot be created fails with one
    clear message and leaves nothing behind (no C(kind) network, container, kubeconfig or state file).
  - Finds the kind executable (on C(PATH) or in C(/usr/local/bin)) and asks it for the clusters, with
    C(KIND_EXPERIMENTAL_PROVIDER) set to O(provider).
  - When O(name) is not among them, makes sure O(node_image) is in the container engine's storage,
    under the reference kind itself looks for (C(kindest/node:v1.37.0) is C(docker.io/kindest/node:v1.37.0)).
    It is either present already, or loaded from O(node_image_archive), or pulled once. When none works,
    the message says how to preload the image.
  - Also tells whether the C(kind) network exists (kind creates it and never removes it), and picks the API
    server port (a free port on O(api_server_address) when O(api_server_port) is C(0)), or checks that the
    given one is free.
author:
  - kubernaut.testinfra contributors
options:
  name:
    description: Cluster name.
    type: str
    required: true
  binary:
    description: The kind executable, a name looked up on C(PATH) and in C(/usr/local/bin), or a path.
    type: str
    default: kind
  provider:
    description:
      - kind's node provider, passed as C(KIND_EXPERIMENTAL_PROVIDER); also the container engine
        executable used for the node image.
    type: str
    choices: [podman, docker, nerdctl]
    default: podman
  node_image:
    description: Node image for a new cluster, for example C(kindest/node:v1.37.0).
    type: str
    required: true
  node_image_archive:
    description:
      - Path of an image archive (C(podman save)) that holds O(node_image), loaded when the image is
        not present. Empty for none (then the image is pulled).
    type: str
    default: ""
  pull:
    description: Try one pull of a missing O(node_image) when no O(node_image_archive) is given.
    type: bool
    default: true
  node_image_check:
    description:
      - Whether to make sure O(node_image) is there (present, loaded or pulled). V(false) when another step
        (M(kubernaut.testinfra.kind_node_image)) resolves the node image; RV(image_source) is then C(not checked).
    type: bool
    default: true
  api_server_address:
    description: Host address of the API server.
    type: str
    default: 127.0.0.1
  api_server_port:
    description: Host port of the API server; C(0) picks a free one.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: Loads and pulls nothing, and reports what it would do.
  diff_mode:
    support: none
notes:
  - A reused cluster is taken as it is; its node image is not checked.
"""

EXAMPLES = r"""
- name: Check that the kind cluster can be created, or find it
  kubernaut.testinfra.kind_preflight:
    name: kubernaut-integration
    node_image: kindest/node:v1.37.0
    node_image_archive: /srv/images/kindest-node.tar
  register: kind_preflight

- name: Create it when it is not there yet
  ansible.builtin.command:
    argv: [kind, create, cluster, --name, kubernaut-integration]
  environment:
    KIND_EXPERIMENTAL_PROVIDER: podman
  when: not kind_preflight.exists
  changed_when: true
"""

RETURN = r"""
binary:
  description: Absolute path of the kind executable.
  returned: success
  type: str
  sample: /usr/local/bin/kind
clusters:
  description: The clusters kind knows for O(provider).
  returned: success
  type: list
  elements: str
  sample: [kubernaut-integration]
exists:
  description: Whether O(name) is one of RV(clusters) (it is then reused, and the image and port are not checked).
  returned: success
  type: bool
image:
  description: The node image reference as kind looks it up in the engine's storage.
  returned: success
  type: str
  sample: docker.io/kindest/node:v1.37.0
image_source:
  description:
    - How the node image was had, one of C(present), C(loaded), C(pulled), C(would load), C(would pull)
      (check mode), C(not needed) when the cluster exists, or C(not checked) (O(node_image_check=false)).
  returned: success
  type: str
network_exists:
  description:
    - Whether the engine's C(kind) network existed (only checked for a new cluster; C(true) when the cluster exists).
  returned: success
  type: bool
api_server_port:
  description: The API server host port for a new cluster (C(0) when the cluster exists).
  returned: success
  type: int
  sample: 41327
"""

import os
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.refs import kind_image_ref
from ansible_collections.kubernaut.testinfra.plugins.module_utils.ports import bind_port, free_port, in_use

INSTALL_HINT = ("run `make prepare` (it installs kind), or install it with "
                "`GOBIN=/usr/local/bin go install sigs.k8s.io/kind@v0.33.0`, or your distribution's kind package")


def tail(text, lines=3):
    return " ".join(line.strip() for line in (text or "").strip().splitlines()[-lines:])


def port_in_use(address, port):
    try:
        bind_port(address, port)
        return None
    except OSError as exc:
        return "in use" if in_use(exc) else exc.strerror


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    binary=dict(type="str", default="kind"),
    provider=dict(type="str", default="podman", choices=["podman", "docker", "nerdctl"]),
    node_image=dict(type="str", required=True),
    node_image_archive=dict(type="str", default=""),
    pull=dict(type="bool", default=True),
    node_image_check=dict(type="bool", default=True),
    api_server_address=dict(type="str", default="127.0.0.1"),
    api_server_port=dict(type="int", default=0),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    p = module.params
    name, provider = p["name"], p["provider"]
    env = {"KIND_EXPERIMENTAL_PROVIDER": provider}
    result = dict(changed=False, binary="", clusters=[], exists=False, image="", image_source="not needed",
                  network_exists=True, api_server_port=0)

    binary = p["binary"]
    if os.sep in binary:
        found = binary if os.path.isfile(binary) and os.access(binary, os.X_OK) else None
    else:
        # PATH first; /usr/local/bin (where `make prepare` installs kind) may be missing from it, e.g. under sudo
        found = module.get_bin_path(binary) or module.get_bin_path(binary, opt_dirs=["/usr/local/bin"])
    if not found:
        module.fail_json(msg="kind is not installed (kind_binary=%s, looked on PATH and in /usr/local/bin): %s."
                         % (binary, INSTALL_HINT), **result)
    result["binary"] = found

    rc, out, err = module.run_command([found, "get", "clusters"], environ_update=env)
    if rc != 0:
        module.fail_json(msg="`kind get clusters` with provider %s failed: %s" % (provider, tail(err or out)), **result)
    result["clusters"] = sorted(set(line.strip() for line in out.splitlines() if line.strip()))
    result["exists"] = name in result["clusters"]
    if result["exists"]:
        module.exit_json(**result)

    address, port = p["api_server_address"], p["api_server_port"]
    try:
        if port:
            problem = port_in_use(address, port)
            if problem:
                module.fail_json(msg="API server port %s:%s (kind_api_server_port) is not free (%s): "
                                 "pick another port, or 0 for a free one." % (address, port, problem), **result)
        else:
            port = free_port(address)
    except (OSError, socket.error) as exc:
        module.fail_json(msg="Cannot use kind_api_server_address %s: %s" % (address, exc), **result)
    result["api_server_port"] = port

    engine = module.get_bin_path(provider)
    if not engine:
        module.fail_json(msg="%s is not installed: kind's %s provider needs it (kind_provider)." % (provider, provider),
                         **result)
    image = result["image"] = kind_image_ref(p["node_image"])
    if not p["node_image_check"]:
        result["image_source"] = "not checked"
        result["network_exists"] = module.run_command([engine, "network", "inspect", "kind"])[0] == 0
        module.exit_json(**result)

    def present():
        return module.run_command([engine, "image", "inspect", "--format", "{{.Id}}", image])[0] == 0

    preload = ("Preload it: on a machine with registry access run `{e} pull {i} && {e} save -o kindest-node.tar {i}`, "
               "copy kindest-node.tar to this host, then either run `{e} load -i kindest-node.tar` or pass "
               "-e kind_node_image_archive=/path/to/kindest-node.tar.").format(e=provider, i=image)
    archive = p["node_image_archive"]
    if present():
        result["image_source"] = "present"
    elif archive:
        archive = os.path.expanduser(archive)
        if not os.path.isfile(archive):
            module.fail_json(msg="The node image archive %s (kind_node_image_archive) does not exist, and node image "
                             "%s is not in %s's storage. %s" % (archive, image, provider, preload), **result)
        result.update(changed=True, image_source="would load" if module.check_mode else "loaded")
        if not module.check_mode:
            rc, out, err = module.run_command([engine, "load", "-i", archive])
            if rc != 0:
                module.fail_json(msg="`%s load -i %s` (kind_node_image_archive) failed: %s. %s"
                                 % (provider, archive, tail(err or out), preload), **result)
            if not present():
                module.fail_json(msg="The archive %s (kind_node_image_archive) was loaded but does not hold %s "
                                 "(it held: %s): set kind_node_image to the image it holds. %s"
                                 % (archive, image, tail(out), preload), **result)
    elif not p["pull"]:
        module.fail_json(msg="Node image %s is not in %s's storage. %s" % (image, provider, preload), **result)
    elif module.check_mode:
        result.update(changed=True, image_source="would pull")
        module.warn("Node image %s is not in %s's storage; a real run tries to pull it once." % (image, provider))
    else:
        rc, out, err = module.run_command([engine, "pull", "--quiet", image])
        if rc != 0:
            module.fail_json(msg="Node image %s is not in %s's storage and cannot be pulled (%s). %s"
                             % (image, provider, tail(err or out, 1), preload), **result)
        result.update(changed=True, image_source="pulled")

    result["network_exists"] = module.run_command([engine, "network", "inspect", "kind"])[0] == 0

    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
