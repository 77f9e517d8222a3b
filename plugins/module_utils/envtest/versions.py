# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Version strings of Kubernetes, etcd and Go: normalised, compared, read from --version output and from the
version lists of the Go module proxy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$")
_GO_VERSION = re.compile(r"(?:^|\s|go)(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta|alpha)\d+)?")


def normalize_version(text):
    """'1.34.4' or 'v1.34.4' -> 'v1.34.4'; ValueError for anything that is not X.Y.Z[-pre]."""
    text = str(text or "").strip()
    if not _SEMVER.match(text):
        raise ValueError("%r is not a version like 1.34.4" % text)
    return text if text.startswith("v") else "v" + text


def split_version(version):
    """'v1.35.0-alpha.1' -> (1, 35, 0, '-alpha.1')."""
    match = _SEMVER.match(version)
    if not match:
        raise ValueError("%r is not a version like v1.34.4" % version)
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4) or ""


def semver_key(version):
    """Sort key: releases after their pre-releases, pre-release parts compared numerically when they can."""
    major, minor, patch, pre = split_version(version)
    if not pre:
        return (major, minor, patch, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre[1:].split("."))
    return (major, minor, patch, 0, parts)


def staging_version(kubernetes_version):
    """The tag of the published staging modules (k8s.io/api, ...) for a Kubernetes release: v1.34.4 -> v0.34.4."""
    dummy, minor, patch, pre = split_version(normalize_version(kubernetes_version))
    return "v0.%d.%d%s" % (minor, patch, pre)


def parse_go_version(text):
    """(major, minor, patch) of 'go1.26.8', 'go version go1.26.8 linux/amd64', '1.24.0' or '1.22';
    a release candidate sorts before the release ('go1.24rc1' -> (1, 24, -1)); None if there is none."""
    match = _GO_VERSION.search(str(text or ""))
    if not match:
        return None
    patch = int(match.group(3)) if match.group(3) is not None else (-1 if match.group(4) else 0)
    return int(match.group(1)), int(match.group(2)), patch


def go_at_least(have, need):
    """True when Go version string ``have`` is at least ``need``."""
    have_t, need_t = parse_go_version(have), parse_go_version(need)
    if need_t is None:
        return True
    return have_t is not None and have_t >= need_t


def parse_kube_apiserver_version(output):
    """'Kubernetes v1.34.4' -> 'v1.34.4'; None when the output is not a kube-apiserver --version."""
    match = re.search(r"^Kubernetes (v\d+\.\d+\.\d+\S*)", str(output or ""), re.M)
    return match.group(1) if match else None


def parse_kubectl_version(output):
    """'Client Version: v1.34.4' (kubectl version --client) -> 'v1.34.4'; None otherwise."""
    match = re.search(r"^Client Version:\s*(v\d+\.\d+\.\d+\S*)", str(output or ""), re.M)
    return match.group(1) if match else None


def parse_etcd_version(output):
    """'etcd Version: 3.5.16' (first line of etcd --version) -> '3.5.16'; None otherwise."""
    match = re.search(r"^etcd Version:\s*(\d+\.\d+\.\d+\S*)", str(output or ""), re.M)
    return match.group(1) if match else None


def module_versions(go_list_output):
    """Versions from `go list -m -versions <module>` ('k8s.io/kubernetes v0.4.0 v0.5.0 ...')."""
    words = str(go_list_output or "").split()
    return [w for w in words[1:] if _SEMVER.match(w)]


def same_minor(versions, version):
    """The versions of the same major.minor as ``version``, sorted."""
    major, minor = split_version(normalize_version(version))[:2]
    return sorted((v for v in versions if split_version(v)[:2] == (major, minor)), key=semver_key)


def latest_per_minor(versions, count=4):
    """The newest release (no pre-release) of each of the ``count`` newest minors."""
    best = {}
    for v in versions:
        major, minor, dummy, pre = split_version(v)
        if not pre and ((major, minor) not in best or semver_key(v) > semver_key(best[(major, minor)])):
            best[(major, minor)] = v
    return [best[k] for k in sorted(best)[-count:]]
