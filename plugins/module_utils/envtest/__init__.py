# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A bare Kubernetes control plane (envtest style): its binaries and the control plane itself.

Binaries (module envtest_binaries): ``binaries`` resolves kube-apiserver and etcd (``sources``: explicit paths,
assets, the cache, setup-envtest; else made: ``gobuild`` with ``gomod``, or etcd from Debian with ``apt``), kept
per version as ``cache`` says; ``versions`` and ``commands`` serve them all.

Control plane (module envtest_control_plane): ``control_plane`` (etcd and kube-apiserver processes, reuse,
sharing), ``pki`` (its certificates), ``admin`` (the admin's TLS context, kubeconfig and API probe), ``crds``.
"""
