# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A kind node image built without a registry (module kind_node_image): ``archive`` (image tarballs that
containerd imports), ``components`` (Kubernetes, etcd, CoreDNS and pause built from the Go module proxy),
``nodefiles`` (kind's own node files, from the kind Go module) and ``node`` (the node image put together with
module_utils/image)."""
