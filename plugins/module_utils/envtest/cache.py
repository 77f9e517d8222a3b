# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the binaries are cached: one file per binary and version under <cache_dir>/bin, written through a
temporary name under a lock per binary; assets directories (links named as envtest expects) under <cache_dir>/assets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import normalize_version


BINARIES = ("kube-apiserver", "etcd", "kubectl")


def cached_name(binary, version):
    """File name of a cached binary: kube-apiserver-v1.34.4, etcd-v3.5.16, kubectl-v1.34.4."""
    if binary not in BINARIES:
        raise ValueError("unknown binary %r" % binary)
    return "%s-%s" % (binary, normalize_version(version))


def cache_layout(cache_dir, binary, version):
    """Paths under ``cache_dir`` for one binary version: the binary, its build directory and its lock."""
    name = cached_name(binary, version)
    return {
        "bin": os.path.join(cache_dir, "bin", name),
        "build": os.path.join(cache_dir, "build", name),
        "lock": os.path.join(cache_dir, "locks", name + ".lock"),
        "tmp_prefix": os.path.join(cache_dir, "bin", "." + name + ".tmp-"),
    }


def default_cache_dir(environ, home):
    """$XDG_CACHE_HOME/kubernaut-testinfra, else <home>/.cache/kubernaut-testinfra."""
    base = environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec says to ignore relative paths
        base = os.path.join(home, ".cache")
    return os.path.join(base, "kubernaut-testinfra")


def assets_dir_name(kubernetes_version, etcd_version, binaries):
    """Name of a KUBEBUILDER_ASSETS-style directory under <cache_dir>/assets: k8s-v1.34.4-etcd-v3.5.16[-kubectl]."""
    name = "k8s-%s-etcd-%s" % (normalize_version(kubernetes_version), normalize_version(etcd_version))
    return name + ("-kubectl" if "kubectl" in binaries else "")
