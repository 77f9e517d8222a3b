#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kind_node_image
short_description: A kind node image from the registry, or built locally from Debian packages and the Go module proxy
version_added: "0.2.0"
description:
  - Resolves the node image of a kind cluster like M(kubernaut.testinfra.local_image) resolves a backend image.
    With O(source=registry) the registry image O(upstream) is used (present, or pulled). With O(source=auto) it is
    preferred, and a local image O(name) is used when no registry answers. With O(source=local) the local image only.
  - The local image is what C(kind build node-image) makes, without a registry or GitHub downloads. A Debian
    O(suite) root file system (mmdebstrap) with the packages of kind's base image (systemd, containerd, runc, the
    CNI plugins, iptables, conntrack, ethtool, socat, mount and others) gets kind's own node files (containerd
    configuration, entrypoint, kubelet unit and drop-ins), taken from C(images/base/files) of the kind Go module of the
    version of O(kind_binary).
  - kubelet, kubeadm and kubectl, and the control-plane images kubeadm expects (kube-apiserver,
    kube-controller-manager, kube-scheduler, kube-proxy, etcd, CoreDNS, pause, in the versions
    C(kubeadm config images list) names), are built from the Go module proxy and cached under O(cache_dir)/kind.
    The images are minimal (the binary, and for kube-proxy a Debian root file system with iptables and
    conntrack); a node imports them into containerd at boot, before kubelet starts.
  - The node brings its own pod network instead of kindnetd (which is not on the Go module proxy). Debian's ptp
    and host-local CNI plugins on each node's podCIDR, routes to the other nodes' podCIDRs, and masquerading of
    traffic that leaves the pod network. The cluster must set C(networking.disableDefaultCNI=true); RV(cni) says so.
  - The image carries the label C(io.kubernaut.testinfra.spec), a hash of all inputs. A later run reuses an image
    with the same hash without building or contacting anything but Go's module cache.
author:
  - kubernaut.testinfra contributors
requirements:
  - podman, mmdebstrap and Go 1.24 or newer on the managed host (to build; reusing needs podman and Go's module cache)
  - root, for mmdebstrap's root mode
attributes:
  check_mode:
    support: full
    description: Reports whether the image would be pulled, built or reused; builds and pulls nothing.
  diff_mode:
    support: none
options:
  name:
    description: The local image to build or reuse.
    type: str
    default: localhost/kubernaut/kind-node:v1.34.4
  source:
    description:
      - V(auto) uses O(upstream) when it is present or can be pulled, else the local image when no registry answers.
      - V(registry) uses O(upstream) only. V(local) uses the local image only.
    type: str
    choices: [auto, registry, local]
    default: auto
  upstream:
    description: The registry image preferred by O(source=auto) and used by O(source=registry).
    type: str
    default: kindest/node:v1.37.0
  fix_hint:
    description: Appended to the error when O(upstream) cannot be had.
    type: str
    default: ""
  kubernetes_version:
    description: Kubernetes version of the local image, a release of C(k8s.io/kubernetes) on the Go module proxy.
    type: str
    default: v1.34.4
  kind_binary:
    description: The kind executable whose version's node files are used (name on C(PATH) or in C(/usr/local/bin), or a path).
    type: str
    default: kind
  suite:
    description: Debian suite of the node. trixie has systemd 257, the last that runs on cgroup v1 hosts.
    type: str
    default: trixie
  mirror:
    description: Debian mirror URL (or a complete C(deb ...) line).
    type: str
    default: http://deb.debian.org/debian
  extra_packages:
    description: More Debian packages for the node.
    type: list
    elements: str
    default: []
  labels:
    description: Additional image labels.
    type: dict
    default: {}
  go:
    description: The Go executable that builds the binaries.
    type: str
    default: go
  cache_dir:
    description: Cache of built binaries and image tarballs (under C(kind/)); empty for C($XDG_CACHE_HOME/kubernaut-testinfra).
    type: str
    default: ""
  force:
    description: Rebuild the local image even when one with the same spec exists (the cached binaries are kept).
    type: bool
    default: false
notes:
  - The first build of a Kubernetes version compiles seven commands of C(k8s.io/kubernetes), etcd and CoreDNS;
    expect minutes with a cold Go build cache.
seealso:
  - module: kubernaut.testinfra.local_image
  - name: kind node images
    description: What kind's own node images contain.
    link: https://kind.sigs.k8s.io/docs/design/node-image/
"""

EXAMPLES = r"""
- name: The node image, built locally when no registry answers
  kubernaut.testinfra.kind_node_image:
    source: auto
    upstream: kindest/node:v1.37.0
    name: localhost/kubernaut/kind-node:v1.34.4
    kubernetes_version: v1.34.4
  register: node_image

- name: Create the cluster with it
  ansible.builtin.command:
    argv: [kind, create, cluster, --image, "{{ node_image.ref }}"]
  changed_when: true
"""

RETURN = r"""
ref:
  description: The image to give kind, O(upstream) or O(name).
  returned: always
  type: str
  sample: localhost/kubernaut/kind-node:v1.34.4
source_used:
  description: V(upstream) or V(local).
  returned: always
  type: str
upstream_error:
  description: Why O(upstream) was not used when the local image was.
  returned: when the local image was used with O(source=auto)
  type: str
kubernetes_version:
  description: Kubernetes version of the image (of the local image, or the upstream tag).
  returned: always
  type: str
  sample: v1.34.4
cni:
  description:
    - V(ptp) when the image brings its own pod network (the cluster config must disable kind's default CNI);
      V(kindnet) for kind's images.
  returned: always
  type: str
action:
  description: V(reused), V(built), V(rebuilt), V(none) (upstream present) or V(pulled).
  returned: always
  type: str
reason:
  description: Why the local image was (or would be) built.
  returned: when the local image was used
  type: str
spec_hash:
  description: sha256 of the local image's inputs (its label C(io.kubernaut.testinfra.spec)).
  returned: when the local image was used
  type: str
kind_version:
  description: The version of kind whose node files are in the image.
  returned: when the local image was used
  type: str
images:
  description: The preloaded images by name (pause lists every tag it has).
  returned: when the local image was built
  type: dict
kubeadm_config_patches:
  description:
    - kubeadm ClusterConfiguration patches the cluster needs with the local image (kind C(kubeadmConfigPatches)). When
      the Go module proxy does not serve the etcd or CoreDNS release kubeadm names, the next patch release of the same
      minor is built and tagged as what it is, and these patches give kubeadm the tags (C(etcd.local.imageTag),
      C(dns.imageTag)). Empty otherwise.
  returned: when the local image was used
  type: list
  elements: str
build_seconds:
  description: Seconds of each part made in this run (binaries, image tarballs, node image).
  returned: when the local image was used
  type: dict
image:
  description: Subset of C(podman image inspect) of the local image (id, size, created, config).
  returned: when the local image was used
  type: dict
cgroup_v2:
  description: Whether this host has the unified cgroup hierarchy (cgroup v2).
  returned: always
  type: bool
fail_cgroup_v1_patch:
  description:
    - Whether the cluster needs the KubeletConfiguration patch C(failCgroupV1=false). True for Kubernetes 1.35 or newer
      (whose kubelet refuses cgroup v1 otherwise) on a cgroup v1 host.
  returned: always
  type: bool
actions:
  description: What was made, in order.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.upstream import resolve_upstream
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.node import LABEL_CNI, NodeImage
from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind.refs import (
    kind_image_ref, needs_fail_cgroup_v1, tag_version)

ARGUMENT_SPEC = dict(
    name=dict(type="str", default="localhost/kubernaut/kind-node:v1.34.4"),
    source=dict(type="str", default="auto", choices=["auto", "registry", "local"]),
    upstream=dict(type="str", default="kindest/node:v1.37.0"),
    fix_hint=dict(type="str", default=""),
    kubernetes_version=dict(type="str", default="v1.34.4"),
    kind_binary=dict(type="str", default="kind"),
    suite=dict(type="str", default="trixie"),
    mirror=dict(type="str", default="http://deb.debian.org/debian"),
    extra_packages=dict(type="list", elements="str", default=[]),
    labels=dict(type="dict", default={}),
    go=dict(type="str", default="go"),
    cache_dir=dict(type="str", default=""),
    force=dict(type="bool", default=False),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    cgroup_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    if module.params["source"] != "local":
        if not module.params["upstream"]:
            module.fail_json(msg="kind_node_image_source=%s needs kind_node_image (the registry image to prefer)"
                             % module.params["source"])
        module.params["upstream"] = kind_image_ref(module.params["upstream"])  # as kind looks it up
        upstream = resolve_upstream(module)
        if upstream:
            version = tag_version(upstream["ref"])
            rc, out, dummy = module.run_command(["podman", "image", "inspect", "--format",
                                                 '{{index .Config.Labels "%s"}}' % LABEL_CNI, upstream["ref"]])
            cni = out.strip() if rc == 0 and out.strip() not in ("", "<no value>") else "kindnet"
            upstream.update(kubernetes_version=version, cni=cni, actions=[], kubeadm_config_patches=[], cgroup_v2=cgroup_v2,
                            fail_cgroup_v1_patch=needs_fail_cgroup_v1(version, cgroup_v2))
            module.exit_json(**upstream)
    result = NodeImage(module).present()
    result.update(upstream_error=getattr(module, "_upstream_error", ""), cgroup_v2=cgroup_v2,
                  fail_cgroup_v1_patch=needs_fail_cgroup_v1(result["kubernetes_version"], cgroup_v2))
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
