# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Version strings (module_utils/envtest/versions.py), on real captured outputs (fixtures/envtest/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from envtest_captures import fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import (
    go_at_least, latest_per_minor, module_versions, normalize_version, parse_etcd_version, parse_go_version,
    parse_kube_apiserver_version, parse_kubectl_version, same_minor, semver_key, staging_version)


# -- versions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("1.34.4", "v1.34.4"), ("v1.34.4", "v1.34.4"), (" 1.34.4 ", "v1.34.4"), ("3.5.16", "v3.5.16"),
    ("1.35.0-alpha.1", "v1.35.0-alpha.1")])
def test_normalize_version(text, expected):
    assert normalize_version(text) == expected


@pytest.mark.parametrize("text", ["1.34", "latest", "", None, "v1.34.4.1", "1.34.x", "vv1.34.4"])
def test_normalize_version_rejects(text):
    with pytest.raises(ValueError):
        normalize_version(text)


@pytest.mark.parametrize("version,expected", [
    ("1.34.4", "v0.34.4"), ("v1.33.13", "v0.33.13"), ("v1.35.0-alpha.1", "v0.35.0-alpha.1")])
def test_staging_version(version, expected):
    assert staging_version(version) == expected


def test_semver_key_orders_prereleases_before_release():
    versions = ["v1.34.10", "v1.34.2", "v1.34.0", "v1.34.0-rc.1", "v1.34.0-alpha.2", "v1.34.0-alpha.10"]
    assert sorted(versions, key=semver_key) == [
        "v1.34.0-alpha.2", "v1.34.0-alpha.10", "v1.34.0-rc.1", "v1.34.0", "v1.34.2", "v1.34.10"]


# -- --version outputs ------------------------------------------------------------------------------------------
def test_parse_kube_apiserver_version_real_output():
    assert parse_kube_apiserver_version(fixture("kube-apiserver-v1.34.4.version")) == "v1.34.4"


@pytest.mark.parametrize("text,expected", [
    ("Kubernetes v1.30.0-dirty\n", "v1.30.0-dirty"), ("", None), ("etcd Version: 3.5.16\n", None),
    ("error: unknown flag --version", None)])
def test_parse_kube_apiserver_version_other(text, expected):
    assert parse_kube_apiserver_version(text) == expected


def test_parse_etcd_version_real_outputs():
    assert parse_etcd_version(fixture("etcd-v3.5.16-debian.version")) == "3.5.16"
    assert parse_etcd_version(fixture("etcd-v3.6.5-go.version")) == "3.6.5"
    assert parse_etcd_version(fixture("kube-apiserver-v1.34.4.version")) is None
    assert parse_etcd_version("") is None


# -- Go versions ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (fixture("go-version.txt"), (1, 26, 8)), ("go1.26.8", (1, 26, 8)), ("1.24.0", (1, 24, 0)), ("1.22", (1, 22, 0)),
    ("go1.24rc1", (1, 24, -1)), ("", None), ("devel", None)])
def test_parse_go_version(text, expected):
    assert parse_go_version(text) == expected


@pytest.mark.parametrize("have,need,ok", [
    ("go1.26.8", "1.24.0", True), ("go1.24.0", "1.24.0", True), ("go1.23.9", "1.24.0", False),
    ("go1.24rc1", "1.24.0", False), ("go1.25", "1.24.6", True), ("", "1.24.0", False), ("go1.20", "", True)])
def test_go_at_least(have, need, ok):
    assert go_at_least(have, need) is ok


# -- proxy version lists ---------------------------------------------------------------------------------------
def test_module_versions_and_same_minor_real_listing():
    versions = module_versions(fixture("go-list-m-versions-k8s.io-kubernetes.txt"))
    assert "v1.34.4" in versions and "k8s.io/kubernetes" not in versions
    assert same_minor(versions, "1.34.999") == [v for v in sorted(versions, key=semver_key)
                                                if v.startswith("v1.34.")]
    assert "v1.34.4" in same_minor(versions, "1.34.999")
    assert same_minor(versions, "1.99.0") == []
    newest = latest_per_minor(versions, 2)
    assert len(newest) == 2 and all(not split.count("-") for split in newest)


def test_same_minor_sorted_numerically():
    assert same_minor(["v1.34.10", "v1.34.9", "v1.33.1", "v1.34.0-rc.0"], "1.34.1") == [
        "v1.34.0-rc.0", "v1.34.9", "v1.34.10"]


def test_parse_kubectl_version():
    assert parse_kubectl_version("Client Version: v1.34.4\nKustomize Version: v5.7.1\n") == "v1.34.4"
    assert parse_kubectl_version("Kubernetes v1.34.4") is None
    assert parse_kubectl_version("") is None
