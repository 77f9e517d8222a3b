#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: envtest_binaries
short_description: Get etcd and kube-apiserver (and kubectl) binaries for a bare control plane, building them if need be
version_added: "0.1.0"
description:
  - Finds or makes the C(kube-apiserver) and C(etcd) binaries that a bare control plane
    (controller-runtime envtest style, without kubelet and controllers) needs, and returns their paths.
  - With O(source=auto) the binaries are taken from the first place that has them, for each binary
    on its own - explicit paths (O(kube_apiserver), O(etcd)); the O(assets_dir) directory or
    C(KUBEBUILDER_ASSETS); the cache; C(setup-envtest) when it is on PATH; a build.
  - Building works on an air-gapped host that reaches only the Go module proxy and a Debian mirror
    (no dl.k8s.io, no GitHub). C(kube-apiserver) is built from the C(k8s.io/kubernetes) Go module
    with a generated wrapper module that pins the staging modules (C(k8s.io/api), C(k8s.io/apiserver),
    ...) to their published C(v0.<minor>.<patch>) tags, and reports C(Kubernetes v<version>) from
    C(--version) like a release build. C(etcd) is the C(etcd-server) package of Debian (see
    O(etcd_source)), else built from C(go.etcd.io/etcd/server/v3) with Go.
  - Built and downloaded binaries are cached as C(<cache_dir>/bin/kube-apiserver-v<version>) and
    C(<cache_dir>/bin/etcd-v<version>), written under a temporary name and renamed, so that a concurrent
    or interrupted run never sees half a binary. A lock file per binary (C(<cache_dir>/locks/)) makes a
    second concurrent run wait for the first one's build and reuse it. A failed build leaves nothing in
    C(<cache_dir>/bin) and removes its build directory.
  - With O(with_kubectl=true) C(kubectl) of O(kubernetes_version) is resolved too, from the same sources
    (explicit O(kubectl), the assets directory when it has one, the cache, C(setup-envtest), a build from
    C(k8s.io/kubernetes/cmd/kubectl) like C(kube-apiserver)), cached as C(<cache_dir>/bin/kubectl-v<version>).
  - With O(link_dir), the binaries are linked into a C(KUBEBUILDER_ASSETS)-style directory under the names
    envtest expects (C(kube-apiserver), C(etcd), C(kubectl)), returned as RV(assets_dir).
  - A cold C(kube-apiserver) build takes about 200 s and 2 GB of Go build cache on 2 cores; a rebuild
    with a warm Go build cache takes seconds; a cache hit only runs the binaries' C(--version).
author:
  - kubernaut.testinfra contributors
requirements:
  - Go 1.24 or newer (and at least the C(go) line of C(k8s.io/kubernetes)'s go.mod) to build
  - apt-get and dpkg-deb to download etcd from Debian
attributes:
  check_mode:
    support: full
    description:
      - Downloads and builds nothing and writes nothing to O(cache_dir); queries the Go module proxy for
        the version list and go.mod of C(k8s.io/kubernetes) (so that a wrong version or a too old Go is
        reported), and reports in RV(actions) and RV(changed) what a real run would do.
  diff_mode:
    support: none
  action:
    support: full
    description: The action plugin runs the module in process on the controller and copies the controller's
      binaries to remote hosts (O(copy_from_controller)).
options:
  kubernetes_version:
    description: Kubernetes version of C(kube-apiserver), with or without leading C(v).
    type: str
    default: "1.34.4"
  etcd_version:
    description:
      - etcd version, with or without leading C(v).
      - Not checked for binaries from O(etcd), O(assets_dir) or C(setup-envtest), which come with their own
        etcd; RV(etcd_version) tells which one.
    type: str
    default: "3.5.16"
  kube_apiserver:
    description: Path of a C(kube-apiserver) binary to use as is. It must exist and be executable.
    type: path
  etcd:
    description: Path of an C(etcd) binary to use as is. It must exist and be executable.
    type: path
  kubectl:
    description: Path of a C(kubectl) binary to use as is (with O(with_kubectl=true)). It must exist and be executable.
    type: path
  with_kubectl:
    description: Resolve C(kubectl) of O(kubernetes_version) too (RV(kubectl)), as controller-runtime's envtest helpers use it.
    type: bool
    default: false
  link_dir:
    description:
      - Link the resolved binaries into this directory as C(kube-apiserver), C(etcd) (and C(kubectl)), the layout
        C(KUBEBUILDER_ASSETS) and C(setup-envtest use -p path) give, and return it as RV(assets_dir).
      - V(auto) is C(<cache_dir>/assets/k8s-v<version>-etcd-v<version>[-kubectl]). Links are replaced atomically.
      - Empty (default) links nothing.
    type: str
    default: ""
  assets_dir:
    description:
      - A C(KUBEBUILDER_ASSETS)-style directory holding C(kube-apiserver) and C(etcd), used as is.
      - Default, with O(source=auto) or O(source=assets), the C(KUBEBUILDER_ASSETS) environment variable of
        the module (for C(localhost) with the local connection that is the controller's environment). With
        O(source=auto), a directory taken from C(KUBEBUILDER_ASSETS) that lacks a binary or whose
        C(kube-apiserver) is not O(kubernetes_version) is skipped with a warning; a directory given here
        must hold both binaries.
    type: path
  cache_dir:
    description:
      - Cache directory.
      - Default C($XDG_CACHE_HOME/kubernaut-testinfra), else C(~/.cache/kubernaut-testinfra).
    type: path
  source:
    description:
      - V(auto) - explicit paths, then O(assets_dir) / C(KUBEBUILDER_ASSETS), then the cache, then
        C(setup-envtest use <version>) when C(setup-envtest) is on PATH (its downloads are kept in
        C(<cache_dir>/setup-envtest)), then a build. A failing C(setup-envtest) (for example without access
        to GitHub) is skipped with a warning.
      - V(assets) - only O(assets_dir) / C(KUBEBUILDER_ASSETS).
      - V(cache) - only the cache; fails if a binary is not cached.
      - V(setup-envtest) - only C(setup-envtest).
      - V(build) - the cache, else a download from Debian (etcd) or a build.
      - Explicit paths (O(kube_apiserver), O(etcd)) are used with every source.
    type: str
    choices: [auto, assets, cache, setup-envtest, build]
    default: auto
  etcd_source:
    description:
      - How to make etcd when it must be made.
      - V(auto) - the C(etcd-server) package of O(debian_suite) when apt-get exists and the package has
        O(etcd_version) (Debian trixie has 3.5.16), else a Go build of exactly O(etcd_version). A failing
        download (no mirror) falls back to the Go build with a warning.
      - V(debian) - only the Debian package; fails naming the version Debian has if it is another one.
      - V(go) - only the Go build.
      - The package is fetched with a private apt configuration under C(<cache_dir>/apt) (own sources list,
        lists and caches; of the host configuration only proxy and similar C(Acquire::) settings, the trusted
        keys and C(auth.conf) are used), so the host's apt setup and state are never changed.
    type: str
    choices: [auto, debian, go]
    default: auto
  debian_mirror:
    description: Debian mirror URL for the etcd download, or a complete C(deb ...) sources.list line.
    type: str
    default: http://deb.debian.org/debian
  debian_suite:
    description: Debian suite whose C(etcd-server) package is used.
    type: str
    default: trixie
  go:
    description: The Go executable; when it is not on PATH, C(/usr/local/go/bin/go) is tried.
    type: str
    default: go
  setup_envtest:
    description: The C(setup-envtest) executable (sigs.k8s.io/controller-runtime/tools/setup-envtest).
    type: str
    default: setup-envtest
  copy_from_controller:
    description:
      - On a remote host (any connection but C(local)), the wanted C(kube-apiserver), C(etcd) (and C(kubectl)) that
        the host's cache lacks are copied there from the controller's cache (C(~/.cache/kubernaut-testinfra/bin),
        or C($XDG_CACHE_HOME)) when the controller has them and runs the same OS and architecture (C(uname -sm));
        sent over the connection, their sha256 checked on the host, renamed into the host's O(cache_dir). The
        module then takes them from the cache, after checking their C(--version); what the controller lacks is
        made on the host as before. RV(from_controller) says what was sent.
      - Nothing is sent with O(assets_dir), O(kube_apiserver), O(etcd) or O(kubectl) set (for that binary), with
        O(source) other than V(auto), V(cache) or V(build), in check mode, or on the controller itself.
    type: bool
    default: true
notes:
  - Builds use the usual C(GOCACHE), C(GOMODCACHE), C(GOPROXY) and C(GOFLAGS) with C(CGO_ENABLED=0),
    C(GOTOOLCHAIN=local) and C(-modcacherw). The wrapper module of a build stays in
    C(<cache_dir>/build/<binary>-v<version>/) (C(go.mod), C(go.sum)).
  - The Go-built C(kube-apiserver) has no git commit (C(gitCommit) is empty in C(/version)) and
    C(gitTreeState=archive).
  - To hand the binaries to controller-runtime's envtest, set C(TEST_ASSET_KUBE_APISERVER) and
    C(TEST_ASSET_ETCD) to RV(kube_apiserver) and RV(etcd).
seealso:
  - name: setup-envtest
    description: The envtest binary installer this module uses when it is available.
    link: https://github.com/kubernetes-sigs/controller-runtime/tree/main/tools/setup-envtest
"""

EXAMPLES = r"""
- name: Get kube-apiserver 1.34.4 and etcd 3.5.16 (cache, else build / download once)
  kubernaut.testinfra.envtest_binaries:
  register: envtest

- name: Start etcd
  ansible.builtin.command: "{{ envtest.etcd }} --version"
  changed_when: false

- name: Only use what is cached (fails fast, naming how to fill the cache)
  kubernaut.testinfra.envtest_binaries:
    kubernetes_version: v1.34.4
    source: cache

- name: Use binaries from a KUBEBUILDER_ASSETS directory
  kubernaut.testinfra.envtest_binaries:
    assets_dir: /usr/local/kubebuilder/bin

- name: A KUBEBUILDER_ASSETS directory with kube-apiserver, etcd and kubectl (cache, else build)
  kubernaut.testinfra.envtest_binaries:
    with_kubectl: true
    link_dir: auto
  register: assets

- name: On a lab host, build nothing there (the controller's cached binaries are copied when the host lacks them)
  kubernaut.testinfra.envtest_binaries:
    copy_from_controller: true  # the default; false makes them on the host

- name: Build etcd 3.6.5 with Go (Debian has another version)
  kubernaut.testinfra.envtest_binaries:
    etcd_version: 3.6.5
    etcd_source: go
"""

RETURN = r"""
kube_apiserver:
  description: Path of the kube-apiserver binary (in check mode, where it would be).
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra/bin/kube-apiserver-v1.34.4
etcd:
  description: Path of the etcd binary (in check mode, where it would be).
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra/bin/etcd-v3.5.16
kube_apiserver_version:
  description:
    - Version the kube-apiserver binary reports with C(--version), with leading C(v).
    - In check mode, for a binary that would be built, the requested version.
  returned: always
  type: str
  sample: v1.34.4
etcd_version:
  description:
    - Version the etcd binary reports with C(--version), without leading C(v).
    - In check mode, for a binary that would be made, the requested version.
  returned: always
  type: str
  sample: 3.5.16
sources:
  description:
    - Where each binary came from, V(explicit), V(assets), V(cache), V(setup-envtest), V(built) (Go build now)
      or V(debian) (Debian package downloaded now). In check mode, where it would come from.
  returned: always
  type: dict
  sample: {kube-apiserver: cache, etcd: debian}
build_seconds:
  description: Wall-clock seconds of each binary built or downloaded by this run (empty when nothing was).
  returned: always
  type: dict
  sample: {etcd: 1.9}
actions:
  description: What was done (or in check mode would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["etcd v3.5.16: downloaded etcd-server 3.5.16-4 from http://deb.debian.org/debian trixie"]
kubectl:
  description: Path of the kubectl binary (with O(with_kubectl=true)).
  returned: when O(with_kubectl=true)
  type: str
  sample: /root/.cache/kubernaut-testinfra/bin/kubectl-v1.34.4
kubectl_version:
  description: Version C(kubectl version --client) reports, with leading C(v).
  returned: when O(with_kubectl=true)
  type: str
  sample: v1.34.4
assets_dir:
  description: The C(KUBEBUILDER_ASSETS)-style directory of links (O(link_dir)); in check mode, where it would be.
  returned: when O(link_dir) is set
  type: str
  sample: /root/.cache/kubernaut-testinfra/assets/k8s-v1.34.4-etcd-v3.5.16-kubectl
from_controller:
  description:
    - On a remote host, V(copied) (per binary, V(bytes), V(sha256), V(transfer_seconds), V(seconds) and the V(path)
      on the host) and V(notes) (why a binary was not sent).
  returned: on a remote host, unless in check mode or with O(copy_from_controller=false)
  type: dict
  sample:
    copied: {etcd: {bytes: 25830992, sha256: 9f8e..., transfer_seconds: 0.4, seconds: 0.9,
                    path: /root/.cache/kubernaut-testinfra/bin/etcd-v3.5.16}}
    notes: []
cache_dir:
  description: The cache directory used.
  returned: always
  type: str
  sample: /root/.cache/kubernaut-testinfra
"""

import signal

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.binaries import EnvtestBinaries


class Interrupted(BaseException):
    """SIGTERM (a task timeout, a killed play): unwinds through the clean-ups of temporary files."""


ARGUMENT_SPEC = dict(
    kubernetes_version=dict(type="str", default="1.34.4"),
    etcd_version=dict(type="str", default="3.5.16"),
    kube_apiserver=dict(type="path"),
    etcd=dict(type="path"),
    kubectl=dict(type="path"),
    with_kubectl=dict(type="bool", default=False),
    link_dir=dict(type="str", default=""),
    assets_dir=dict(type="path"),
    cache_dir=dict(type="path"),
    source=dict(type="str", default="auto", choices=["auto", "assets", "cache", "setup-envtest", "build"]),
    etcd_source=dict(type="str", default="auto", choices=["auto", "debian", "go"]),
    debian_mirror=dict(type="str", default="http://deb.debian.org/debian"),
    debian_suite=dict(type="str", default="trixie"),
    go=dict(type="str", default="go"),
    setup_envtest=dict(type="str", default="setup-envtest"),
    copy_from_controller=dict(type="bool", default=True),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""

    def terminated(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    binaries = None
    try:
        binaries = EnvtestBinaries(module)
        result = binaries.resolve()
    except Interrupted as exc:
        signal.signal(signal.SIGTERM, previous)
        module.fail_json(msg="interrupted by signal %s (task timeout or killed play); removed the unfinished "
                             "binary and build directory: run again" % exc.args[0],
                         actions=binaries.result["actions"] if binaries else [])
    finally:
        signal.signal(signal.SIGTERM, previous)
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
