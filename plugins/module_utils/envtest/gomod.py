# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wrapper Go modules that build kube-apiserver and etcd from the Go module proxy: their go.mod (read from
the upstream go.mod: its go line, godebug settings and the staging modules to pin) and kube-apiserver's
version ldflags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.versions import (
    normalize_version, parse_go_version, split_version, staging_version)


KUBERNETES_MODULE = "k8s.io/kubernetes"
KUBE_APISERVER_PACKAGE = "k8s.io/kubernetes/cmd/kube-apiserver"
KUBECTL_PACKAGE = "k8s.io/kubernetes/cmd/kubectl"
ETCD_MODULE = "go.etcd.io/etcd/server/v3"
# The wrapper modules use the go.mod `tool` directive, new in Go 1.24.
TOOL_DIRECTIVE_GO = "1.24.0"
# Version variables hack/lib/version.sh sets for a release build of Kubernetes.
VERSION_PACKAGES = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")


def _directive_lines(gomod_text, keyword):
    """Lines of a go.mod directive, from single-line and block form, without comments."""
    lines, block = [], False
    for raw in gomod_text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if block:
            if line == ")":
                block = False
            elif line:
                lines.append(line)
        elif line == keyword + " (":
            block = True
        elif line.startswith(keyword + " ") and not line.endswith("("):
            lines.append(line[len(keyword) + 1:].strip())
    return lines


def staging_replaces(gomod_text):
    """Module paths k8s.io/kubernetes's go.mod replaces with its ./staging/src/k8s.io/<name> directories.

    Those directories are not part of the module zip, and replace directives of a dependency are
    ignored anyway: a wrapper module must pin each of them to the published staging tag."""
    found = []
    for line in _directive_lines(gomod_text, "replace"):
        left, arrow, right = line.partition("=>")
        if not arrow:
            continue
        target = right.split()
        if target and target[0].startswith("./staging/"):
            found.append(left.split()[0])
    return found


def go_directive(gomod_text):
    """The `go` line of a go.mod ('1.24.0'), or None."""
    for line in _directive_lines(gomod_text, "go"):
        if re.match(r"^\d+\.\d+(\.\d+)?([a-z]+\d+)?$", line):
            return line
    return None


def godebug_settings(gomod_text):
    """`godebug` settings of a go.mod, e.g. ['default=go1.24']."""
    return [line for line in _directive_lines(gomod_text, "godebug") if "=" in line]


def required_go(*go_lines):
    """The newest of the given go.mod `go` lines and the Go the `tool` directive needs."""
    candidates = [TOOL_DIRECTIVE_GO] + [g for g in go_lines if g and parse_go_version(g)]
    return max(candidates, key=parse_go_version)


def wrapper_gomod_kube_apiserver(kubernetes_version, go_version, staging, godebug=(), package=KUBE_APISERVER_PACKAGE):
    """go.mod of the wrapper module that builds kube-apiserver (or another command of k8s.io/kubernetes,
    ``package``: kubectl) of ``kubernetes_version``."""
    version = normalize_version(kubernetes_version)
    pinned = staging_version(version)
    out = ["module kubernaut.local/%s-build" % package.rsplit("/", 1)[-1], "", "go %s" % go_version, ""]
    for setting in godebug:
        out.append("godebug %s" % setting)
    if godebug:
        out.append("")
    out += ["tool %s" % package, "", "require %s %s" % (KUBERNETES_MODULE, version), "",
            "// %s replaces these with ./staging/src/k8s.io/*, absent from the module zip" % KUBERNETES_MODULE,
            "replace ("]
    out += ["\t%s => %s %s" % (path, path, pinned) for path in staging]
    out += [")", ""]
    return "\n".join(out)


def wrapper_gomod_etcd(etcd_version, go_version):
    """go.mod of the wrapper module that builds etcd (go.etcd.io/etcd/server/v3) of ``etcd_version``."""
    return "\n".join(["module kubernaut.local/etcd-build", "", "go %s" % go_version, "",
                      "tool %s" % ETCD_MODULE, "", "require %s %s" % (ETCD_MODULE, normalize_version(etcd_version)),
                      ""])


def kube_apiserver_ldflags(kubernetes_version, build_date):
    """-ldflags that make kube-apiserver (and kubectl) report ``kubernetes_version`` like a release build (git commit unknown)."""
    version = normalize_version(kubernetes_version)
    major, minor, dummy, pre = split_version(version)
    git_minor = "%d%s" % (minor, "+" if pre else "")  # hack/lib/version.sh marks pre-releases with a +
    flags = ["-s", "-w"]
    for package in VERSION_PACKAGES:
        flags += ["-X %s.gitVersion=%s" % (package, version), "-X %s.gitMajor=%d" % (package, major),
                  "-X %s.gitMinor=%s" % (package, git_minor), "-X %s.gitTreeState=archive" % package]
        if build_date:
            flags.append("-X %s.buildDate=%s" % (package, build_date))
    return " ".join(flags)
