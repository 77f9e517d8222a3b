# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of a kind node: kind's own (images/base/files of the kind Go module of the kind in use: containerd
configuration, entrypoint, kubelet unit and drop-ins), and this collection's additions (preloaded images imported
at boot, a pod network from Debian's CNI plugins, the kube-proxy iptables wrapper)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

KIND_MODULE = "sigs.k8s.io/kind"
BASE_FILES = "images/base/files"

# Installed by kind's Dockerfile with mode 0755; everything else 0644.
EXECUTABLE_DIRS = ("usr/local/bin/", "kind/bin/")
# Needs a binary that the Debian packages do not have (containerd-fuse-overlayfs-grpc); kind only enables it
# for rootless nodes on file systems without overlayfs.
SKIPPED = ("etc/systemd/system/containerd-fuse-overlayfs.service",)


def kind_base_files(module_dir):
    """[{dest, content, mode}] of images/base/files in the kind module directory ``module_dir``."""
    root = os.path.join(module_dir, BASE_FILES)
    if not os.path.isdir(root):
        raise ValueError("%s has no %s" % (module_dir, BASE_FILES))
    out = []
    for directory, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if rel in SKIPPED or rel.startswith("LICENSES/"):
                continue
            with open(path, "rb") as handle:
                content = handle.read().decode("utf-8")
            mode = "0755" if rel.startswith(EXECUTABLE_DIRS) else "0644"
            out.append({"dest": "/" + rel, "content": content, "mode": mode})
    return out


IMPORT_SERVICE = """[Unit]
Description=Import the preloaded images of /kind/images into containerd (kubernaut.testinfra)
Requires=containerd.service
After=containerd.service
Before=kubelet.service
ConditionDirectoryNotEmpty=/kind/images

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/kind/bin/kubernaut-import-images.sh

[Install]
WantedBy=multi-user.target
"""

IMPORT_SCRIPT = """#!/bin/bash
# Imports /kind/images/*.tar into containerd's k8s.io namespace (what `kind build node-image` does at build time),
# once per node: the node's /var is a volume, so a restarted node keeps them.
set -o errexit -o nounset -o pipefail
marker=/var/lib/kubernaut-images-imported
want=$(cat /kind/images/*.tar.sha256 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ -f $marker && "$(cat $marker)" == "$want" ]]; then
  exit 0
fi
for _ in $(seq 1 60); do
  ctr version >/dev/null 2>&1 && break
  sleep 0.5
done
snapshotter=$(sed -n 's/^ *snapshotter = "\\(.*\\)"/\\1/p' /etc/containerd/config.toml | head -n1)
for image in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --snapshotter="${snapshotter:-overlayfs}" "$image" >/dev/null
done
echo "$want" > $marker
"""

KUBELET_AFTER_IMPORT = """# kubernaut.testinfra: the control-plane images must be in containerd before the static pods start
[Unit]
Wants=kubernaut-images.service
After=kubernaut-images.service
"""

CNI_SERVICE = """[Unit]
Description=Pod network from Debian's CNI plugins: ptp + host-local per node, routes to the other nodes (kubernaut.testinfra)
After=containerd.service

[Service]
ExecStart=/kind/bin/kubernaut-cni.sh
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""

# What kindnetd does, in a loop over `kubectl get nodes`: the CNI configuration of this node's podCIDR, a
# route to every other node's podCIDR via that node's InternalIP, and masquerading of traffic leaving the pod
# network.
CNI_SCRIPT = r"""#!/bin/bash
set -o nounset -o pipefail
conf=/etc/cni/net.d/10-kubernaut-ptp.conflist
self=$(hostname)
last=""
rbac=""
while true; do
  # nodes may read their own Node object only: let them (group system:nodes) read all, as kindnetd's
  # ServiceAccount may; the control-plane node has the admin kubeconfig to say so
  if [[ -z $rbac && -f /etc/kubernetes/admin.conf ]]; then
    kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=5s apply -f - >/dev/null 2>&1 <<'RBAC' && rbac=1
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "kubernaut:pod-network"}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "kubernaut:pod-network"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kubernaut:pod-network"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:nodes"}]
RBAC
  fi
  kubeconfig=/etc/kubernetes/kubelet.conf
  [[ -f /etc/kubernetes/admin.conf ]] && kubeconfig=/etc/kubernetes/admin.conf
  if [[ -f $kubeconfig ]]; then
    nodes=$(kubectl --kubeconfig="$kubeconfig" --request-timeout=5s get nodes -o \
      jsonpath='{range .items[*]}{.metadata.name}|{.spec.podCIDR}|{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' \
      2>/dev/null) || nodes=""
    if [[ -n $nodes && $nodes != "$last" ]]; then
      cidrs=()
      own=""
      while IFS='|' read -r name cidr address; do
        [[ ${cidr:-} == */* ]] || continue
        cidrs+=("$cidr")
        if [[ $name == "$self" ]]; then
          own=$cidr
        elif [[ -n ${address:-} ]]; then
          ip route replace "$cidr" via "${address%% *}" || true
        fi
      done <<<"$nodes"
      if [[ -n $own ]]; then
        mkdir -p /etc/cni/net.d
        cat >"$conf.tmp" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kubernaut",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [{"dst": "0.0.0.0/0"}],
        "ranges": [[{"subnet": "$own"}]]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
        cmp -s "$conf.tmp" "$conf" && rm -f "$conf.tmp" || mv "$conf.tmp" "$conf"
        iptables -t nat -N KUBERNAUT-MASQ 2>/dev/null || true
        iptables -t nat -F KUBERNAUT-MASQ
        for cidr in "${cidrs[@]}"; do
          iptables -t nat -A KUBERNAUT-MASQ -d "$cidr" -j RETURN
        done
        iptables -t nat -A KUBERNAUT-MASQ -j MASQUERADE
        iptables -t nat -C POSTROUTING -s "$own" -j KUBERNAUT-MASQ 2>/dev/null \
          || iptables -t nat -A POSTROUTING -s "$own" -j KUBERNAUT-MASQ
        last=$nodes
      fi
    fi
  fi
  if [[ -n $last ]]; then sleep 10; else sleep 1; fi
done
"""

# kube-proxy calls iptables: choose legacy or nft like the node's entrypoint and the upstream image's
# iptables-wrapper do, then run the real kube-proxy.
KUBE_PROXY_WRAPPER = r"""#!/bin/sh
legacy=$( (iptables-legacy-save || true; ip6tables-legacy-save || true) 2>/dev/null | grep -c '^-' || true)
nft=$( (timeout 5 sh -c "iptables-nft-save; ip6tables-nft-save" || true) 2>/dev/null | grep -c '^-' || true)
if [ "${legacy:-0}" -ge "${nft:-0}" ]; then mode=legacy; else mode=nft; fi
update-alternatives --set iptables "/usr/sbin/iptables-$mode" >/dev/null 2>&1
update-alternatives --set ip6tables "/usr/sbin/ip6tables-$mode" >/dev/null 2>&1
exec /usr/local/libexec/kube-proxy "$@"
"""


def own_files():
    """[{dest, content, mode}] this collection adds to a kind node."""
    return [
        {"dest": "/etc/systemd/system/kubernaut-images.service", "content": IMPORT_SERVICE, "mode": "0644"},
        {"dest": "/kind/bin/kubernaut-import-images.sh", "content": IMPORT_SCRIPT, "mode": "0755"},
        {"dest": "/etc/systemd/system/kubelet.service.d/20-kubernaut-images.conf", "content": KUBELET_AFTER_IMPORT,
         "mode": "0644"},
        {"dest": "/etc/systemd/system/kubernaut-cni.service", "content": CNI_SERVICE, "mode": "0644"},
        {"dest": "/kind/bin/kubernaut-cni.sh", "content": CNI_SCRIPT, "mode": "0755"},
    ]
