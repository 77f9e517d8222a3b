# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the envtest_binaries module: version strings, the wrapper go.mod that builds
kube-apiserver / etcd from the Go module proxy, the kube-apiserver version ldflags, cache
path naming and the private apt configuration used to download etcd from Debian."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

KUBERNETES_MODULE = "k8s.io/kubernetes"
KUBE_APISERVER_PACKAGE = "k8s.io/kubernetes/cmd/kube-apiserver"
ETCD_MODULE = "go.etcd.io/etcd/server/v3"
# The wrapper modules use the go.mod `tool` directive, new in Go 1.24.
TOOL_DIRECTIVE_GO = "1.24.0"
BINARIES = ("kube-apiserver", "etcd")
# Version variables hack/lib/version.sh sets for a release build of Kubernetes.
VERSION_PACKAGES = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")

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


def required_go(*go_lines):
    """The newest of the given go.mod `go` lines and the Go the `tool` directive needs."""
    candidates = [TOOL_DIRECTIVE_GO] + [g for g in go_lines if g and parse_go_version(g)]
    return max(candidates, key=parse_go_version)


def wrapper_gomod_kube_apiserver(kubernetes_version, go_version, staging, godebug=()):
    """go.mod of the wrapper module that builds kube-apiserver of ``kubernetes_version``."""
    version = normalize_version(kubernetes_version)
    pinned = staging_version(version)
    out = ["module kubernaut.local/kube-apiserver-build", "", "go %s" % go_version, ""]
    for setting in godebug:
        out.append("godebug %s" % setting)
    if godebug:
        out.append("")
    out += ["tool %s" % KUBE_APISERVER_PACKAGE, "", "require %s %s" % (KUBERNETES_MODULE, version), "",
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
    """-ldflags that make kube-apiserver report ``kubernetes_version`` like a release build (git commit unknown)."""
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


def parse_kube_apiserver_version(output):
    """'Kubernetes v1.34.4' -> 'v1.34.4'; None when the output is not a kube-apiserver --version."""
    match = re.search(r"^Kubernetes (v\d+\.\d+\.\d+\S*)", str(output or ""), re.M)
    return match.group(1) if match else None


def parse_etcd_version(output):
    """'etcd Version: 3.5.16' (first line of etcd --version) -> '3.5.16'; None otherwise."""
    match = re.search(r"^etcd Version:\s*(\d+\.\d+\.\d+\S*)", str(output or ""), re.M)
    return match.group(1) if match else None


def cached_name(binary, version):
    """File name of a cached binary: kube-apiserver-v1.34.4, etcd-v3.5.16."""
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


def debian_upstream_version(debian_version):
    """Upstream part of a Debian version: '3.5.16-4' -> '3.5.16', '1:3.5.16+dfsg-1+b2' -> '3.5.16'."""
    text = str(debian_version or "").strip()
    text = text.split(":", 1)[1] if ":" in text else text
    if "-" in text:
        text = text.rsplit("-", 1)[0]
    return re.split(r"[+~]", text, 1)[0]


def apt_field(apt_cache_show_output, field):
    """First value of ``field`` in `apt-cache show` output, or None."""
    match = re.search(r"^%s:\s*(.+)$" % re.escape(field), str(apt_cache_show_output or ""), re.M)
    return match.group(1).strip() if match else None


# Host apt settings worth keeping in the private configuration: how to reach a mirror, not what to
# fetch or which hooks to run (the host's APT::Update::Post-Invoke hooks must not run for us).
_CARRIED_ACQUIRE = re.compile(r"^Acquire::(https?|ftp|socks|Retries|ForceIPv4|ForceIPv6|Check-Valid-Until|"
                              r"Check-Date|Max-ValidTime|Queue-Mode)(::|\s)", re.I)


def carried_acquire_settings(apt_config_dump):
    """Lines of `apt-config dump` (host configuration) to copy into the private apt configuration:
    proxies, TLS and retry settings of Acquire::*."""
    return [line for line in str(apt_config_dump or "").splitlines()
            if _CARRIED_ACQUIRE.match(line) and line.rstrip().endswith(";")]


def apt_quote(value):
    if '"' in value or "\n" in value:
        raise ValueError("cannot put %r in an apt configuration" % value)
    return '"%s"' % value


def private_apt_config(root, sandbox_root=False, carried=()):
    """An APT_CONFIG file that reads no host configuration part, sources list, preferences or
    state: everything lives under ``root`` (the host's trusted keys and auth.conf are still used)."""
    conf = [
        "Dir::Etc::main \"/dev/null\";",
        "Dir::Etc::Parts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::Etc::SourceList %s;" % apt_quote(os.path.join(root, "sources.list")),
        "Dir::Etc::SourceParts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::Etc::Preferences \"/dev/null\";",
        "Dir::Etc::PreferencesParts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::State %s;" % apt_quote(os.path.join(root, "state")),
        "Dir::State::status %s;" % apt_quote(os.path.join(root, "state", "status")),
        "Dir::Cache %s;" % apt_quote(os.path.join(root, "cache")),
        "Dir::Cache::pkgcache \"\";",
        "Dir::Cache::srcpkgcache \"\";",
        "Dir::Log %s;" % apt_quote(os.path.join(root, "log")),
        "Acquire::Languages \"none\";",
        "Acquire::GzipIndexes \"true\";",
    ]
    if sandbox_root:
        # apt drops to _apt for downloads when run as root; _apt cannot enter a home directory.
        conf.append("APT::Sandbox::User \"root\";")
    return "\n".join(conf + list(carried)) + "\n"


def sources_line(mirror, suite, components, keyring=None):
    """The one-line sources.list entry of the private apt configuration."""
    if mirror.startswith("deb "):
        return mirror
    options = " [signed-by=%s]" % keyring if keyring else ""
    return "deb%s %s %s %s" % (options, mirror, suite, " ".join(components))


def tail(text, lines=20):
    """Last ``lines`` lines of a command's output."""
    return "\n".join(str(text or "").rstrip().splitlines()[-lines:])
