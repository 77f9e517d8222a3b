# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wrapper modules' go.mod and ldflags (module_utils/envtest/gomod.py), from the real k8s.io/kubernetes
v1.34.4 go.mod (fixtures/envtest/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from envtest_captures import fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.gomod import (
    KUBECTL_PACKAGE, go_directive, godebug_settings, kube_apiserver_ldflags, required_go, staging_replaces,
    wrapper_gomod_etcd, wrapper_gomod_kube_apiserver)


@pytest.fixture(scope="module")
def k8s_gomod():
    return fixture("k8s.io-kubernetes-v1.34.4.go.mod")


# -- the real k8s.io/kubernetes v1.34.4 go.mod -------------------------------------------------------------
def test_staging_replaces_of_real_gomod(k8s_gomod):
    staging = staging_replaces(k8s_gomod)
    assert len(staging) == 31
    assert staging[0] == "k8s.io/api" and staging[-1] == "k8s.io/sample-controller"
    for path in ("k8s.io/apiserver", "k8s.io/client-go", "k8s.io/component-base", "k8s.io/kube-aggregator",
                 "k8s.io/apiextensions-apiserver", "k8s.io/kms", "k8s.io/externaljwt", "k8s.io/mount-utils"):
        assert path in staging
    # everything replaced is a k8s.io staging module; nothing else is replaced
    assert all(p.startswith("k8s.io/") for p in staging)


def test_staging_replaces_single_line_and_versioned_forms():
    text = ("module x\n\nreplace k8s.io/api => ./staging/src/k8s.io/api\n"
            "replace k8s.io/klog/v2 v2.0.0 => k8s.io/klog/v2 v2.1.0 // not staging\n"
            "replace (\n\tk8s.io/client-go v0.0.0 => ./staging/src/k8s.io/client-go // comment\n)\n")
    assert staging_replaces(text) == ["k8s.io/api", "k8s.io/client-go"]
    assert staging_replaces("module x\n") == []


def test_go_directive_and_godebug_of_real_gomod(k8s_gomod):
    assert go_directive(k8s_gomod) == "1.24.0"
    assert godebug_settings(k8s_gomod) == ["default=go1.24"]
    assert go_directive("module x\n") is None


def test_wrapper_gomod_kube_apiserver_from_real_gomod(k8s_gomod):
    text = wrapper_gomod_kube_apiserver("1.34.4", "1.24.0", staging_replaces(k8s_gomod),
                                        godebug_settings(k8s_gomod))
    lines = text.splitlines()
    assert lines[0] == "module kubernaut.local/kube-apiserver-build"
    assert "go 1.24.0" in lines and "godebug default=go1.24" in lines
    assert "tool k8s.io/kubernetes/cmd/kube-apiserver" in lines
    assert "require k8s.io/kubernetes v1.34.4" in lines
    assert "\tk8s.io/api => k8s.io/api v0.34.4" in lines
    assert "\tk8s.io/sample-controller => k8s.io/sample-controller v0.34.4" in lines
    assert sum(1 for line in lines if " => " in line) == 31
    # the generated file is a go.mod our own parser reads back
    assert go_directive(text) == "1.24.0" and staging_replaces(text) == []


def test_wrapper_gomod_kubectl_from_real_gomod(k8s_gomod):
    text = wrapper_gomod_kube_apiserver("1.34.4", "1.24.0", staging_replaces(k8s_gomod), godebug_settings(k8s_gomod),
                                        KUBECTL_PACKAGE)
    lines = text.splitlines()
    assert lines[0] == "module kubernaut.local/kubectl-build"
    assert "tool k8s.io/kubernetes/cmd/kubectl" in lines
    assert "tool k8s.io/kubernetes/cmd/kube-apiserver" not in lines
    assert "\tk8s.io/kubectl => k8s.io/kubectl v0.34.4" in lines


def test_wrapper_gomod_etcd():
    text = wrapper_gomod_etcd("3.5.16", "1.24.0")
    assert text.splitlines() == ["module kubernaut.local/etcd-build", "", "go 1.24.0", "",
                                 "tool go.etcd.io/etcd/server/v3", "", "require go.etcd.io/etcd/server/v3 v3.5.16"]


# -- ldflags ------------------------------------------------------------------------------------------------
def test_kube_apiserver_ldflags_match_the_spike_recipe():
    # /tmp/kube-spike/ldflags.sh, which produced a binary reporting "Kubernetes v1.34.4"
    spike = "-s -w"
    for p in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        spike += (" -X %s.gitVersion=v1.34.4 -X %s.gitMajor=1 -X %s.gitMinor=34 -X %s.gitTreeState=archive"
                  " -X %s.buildDate=2026-02-10T12:53:36Z" % (p, p, p, p, p))
    assert kube_apiserver_ldflags("1.34.4", "2026-02-10T12:53:36Z") == spike


def test_kube_apiserver_ldflags_prerelease_and_no_date():
    flags = kube_apiserver_ldflags("v1.35.0-alpha.1", None)
    assert "-X k8s.io/component-base/version.gitVersion=v1.35.0-alpha.1" in flags
    assert "-X k8s.io/component-base/version.gitMinor=35+" in flags
    assert "buildDate" not in flags


def test_required_go_is_at_least_the_tool_directive_go(k8s_gomod):
    assert required_go(go_directive(k8s_gomod)) == "1.24.0"
    assert required_go("1.22") == "1.24.0"   # etcd 3.5.16's go line; the wrapper's tool directive needs 1.24
    assert required_go("1.25.3") == "1.25.3"
    assert required_go(None) == "1.24.0"
