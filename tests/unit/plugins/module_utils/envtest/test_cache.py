# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cache paths of the binaries (module_utils/envtest/cache.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import (
    assets_dir_name, cache_layout, cached_name, default_cache_dir)


def test_cached_name():
    assert cached_name("kube-apiserver", "1.34.4") == "kube-apiserver-v1.34.4"
    assert cached_name("etcd", "v3.5.16") == "etcd-v3.5.16"
    assert cached_name("kubectl", "1.34.4") == "kubectl-v1.34.4"
    with pytest.raises(ValueError):
        cached_name("kubelet", "1.34.4")


def test_cache_layout():
    layout = cache_layout("/c", "kube-apiserver", "1.34.4")
    assert layout == {"bin": "/c/bin/kube-apiserver-v1.34.4", "build": "/c/build/kube-apiserver-v1.34.4",
                      "lock": "/c/locks/kube-apiserver-v1.34.4.lock",
                      "tmp_prefix": "/c/bin/.kube-apiserver-v1.34.4.tmp-"}
    # a temporary file is hidden and never has the final name as a prefix
    assert not os.path.basename(layout["tmp_prefix"]).startswith(os.path.basename(layout["bin"]))


@pytest.mark.parametrize("environ,expected", [
    ({}, "/home/u/.cache/kubernaut-testinfra"), ({"XDG_CACHE_HOME": "/x"}, "/x/kubernaut-testinfra"),
    ({"XDG_CACHE_HOME": ""}, "/home/u/.cache/kubernaut-testinfra"),
    ({"XDG_CACHE_HOME": "relative"}, "/home/u/.cache/kubernaut-testinfra")])
def test_default_cache_dir(environ, expected):
    assert default_cache_dir(environ, "/home/u") == expected


def test_assets_dir_name():
    assert assets_dir_name("1.34.4", "3.5.16", ["kube-apiserver", "etcd"]) == "k8s-v1.34.4-etcd-v3.5.16"
    assert assets_dir_name("v1.34.4", "v3.5.16", ["kube-apiserver", "etcd", "kubectl"]) == "k8s-v1.34.4-etcd-v3.5.16-kubectl"
