"""Pure helpers of envtest_binaries (module_utils/kube_build.py), on real captured inputs.

Fixtures in tests/unit/fixtures/kube_build/ (captured on Debian 12 with Go 1.26.8):
  k8s.io-kubernetes-v1.34.4.go.mod           the go.mod of k8s.io/kubernetes v1.34.4 from the Go module proxy
  kube-apiserver-v1.34.4.version             `kube-apiserver --version` of the Go-built binary
  etcd-v3.5.16-debian.version                `etcd --version` of Debian trixie's etcd-server 3.5.16-4
  etcd-v3.6.5-go.version                     `etcd --version` of a Go-built go.etcd.io/etcd/server/v3 v3.6.5
  go-list-m-versions-k8s.io-kubernetes.txt   `go list -m -versions k8s.io/kubernetes`
  go-version.txt                             `go version`
  apt-cache-show-etcd-server-trixie.txt      `apt-cache show --no-all-versions etcd-server` (private trixie config)
  apt-config-dump-bookworm-host.txt          `apt-config dump` of the (Docker-style) Debian 12 host
"""

import os

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.kube_build import (
    apt_field, cache_layout, cached_name, carried_acquire_settings, debian_upstream_version, default_cache_dir,
    go_at_least, go_directive, godebug_settings, kube_apiserver_ldflags, latest_per_minor, module_versions,
    normalize_version, parse_etcd_version, parse_go_version, parse_kube_apiserver_version, private_apt_config,
    required_go, same_minor, semver_key, sources_line, staging_replaces, staging_version, tail,
    wrapper_gomod_etcd, wrapper_gomod_kube_apiserver)

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "fixtures", "kube_build")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


@pytest.fixture(scope="module")
def k8s_gomod():
    return fixture("k8s.io-kubernetes-v1.34.4.go.mod")


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


def test_required_go_is_at_least_the_tool_directive_go(k8s_gomod):
    assert required_go(go_directive(k8s_gomod)) == "1.24.0"
    assert required_go("1.22") == "1.24.0"   # etcd 3.5.16's go line; the wrapper's tool directive needs 1.24
    assert required_go("1.25.3") == "1.25.3"
    assert required_go(None) == "1.24.0"


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


# -- cache paths -------------------------------------------------------------------------------------------------
def test_cached_name():
    assert cached_name("kube-apiserver", "1.34.4") == "kube-apiserver-v1.34.4"
    assert cached_name("etcd", "v3.5.16") == "etcd-v3.5.16"
    with pytest.raises(ValueError):
        cached_name("kubectl", "1.34.4")


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


# -- Debian ------------------------------------------------------------------------------------------------------
def test_apt_cache_show_real_output():
    text = fixture("apt-cache-show-etcd-server-trixie.txt")
    assert apt_field(text, "Package") == "etcd-server"
    assert apt_field(text, "Version") == "3.5.16-4"
    assert debian_upstream_version(apt_field(text, "Version")) == "3.5.16"
    assert apt_field(text, "No-Such-Field") is None


@pytest.mark.parametrize("version,upstream", [
    ("3.5.16-4", "3.5.16"), ("3.4.23-4+b4", "3.4.23"), ("1:3.5.16+dfsg-1+b2", "3.5.16"), ("3.5.16", "3.5.16"),
    ("3.6.0~rc1-1", "3.6.0")])
def test_debian_upstream_version(version, upstream):
    assert debian_upstream_version(version) == upstream


def test_carried_acquire_settings_from_real_host_dump():
    dump = fixture("apt-config-dump-bookworm-host.txt")
    carried = carried_acquire_settings(dump)
    assert carried == ['Acquire::Check-Valid-Until "false";', 'Acquire::Check-Date "false";']
    # hooks and index targets of the host (appstream's DEP-11, docker-clean) are never carried
    assert carried_acquire_settings(dump + 'APT::Update::Post-Invoke:: "rm -f x";\n') == carried
    proxy = carried_acquire_settings('Acquire::http::Proxy "http://proxy:3128";\nAcquire::https::Verify-Peer "1";\n')
    assert proxy == ['Acquire::http::Proxy "http://proxy:3128";', 'Acquire::https::Verify-Peer "1";']


def test_private_apt_config_reads_nothing_of_the_host():
    text = private_apt_config("/c/apt", sandbox_root=True, carried=['Acquire::http::Proxy "http://p:3128";'])
    assert 'Dir::Etc::main "/dev/null";' in text
    assert 'Dir::Etc::Parts "/c/apt/empty";' in text
    assert 'Dir::Etc::SourceList "/c/apt/sources.list";' in text
    assert 'Dir::Etc::SourceParts "/c/apt/empty";' in text
    assert 'Dir::State "/c/apt/state";' in text and 'Dir::Cache "/c/apt/cache";' in text
    assert 'Dir::State::status "/c/apt/state/status";' in text
    assert 'APT::Sandbox::User "root";' in text
    assert text.rstrip().endswith('Acquire::http::Proxy "http://p:3128";')
    assert "Sandbox" not in private_apt_config("/c/apt")
    with pytest.raises(ValueError):
        private_apt_config('/c/"apt')


def test_sources_line():
    assert sources_line("http://deb.debian.org/debian", "trixie", ["main"],
                        "/usr/share/keyrings/debian-archive-keyring.gpg") == (
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main")
    assert sources_line("http://m/debian", "trixie", ["main", "contrib"]) == "deb http://m/debian trixie main contrib"
    line = "deb [trusted=yes] http://m/ trixie main"
    assert sources_line(line, "x", ["y"]) == line


def test_tail():
    assert tail("\n".join(str(i) for i in range(30)), 3) == "27\n28\n29"
    assert tail(None) == ""
