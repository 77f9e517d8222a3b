"""kubernaut.testinfra.envtest_binaries, run for real with `ansible localhost -m ...`.

Uses the real binaries of the DEFAULT cache (~/.cache/kubernaut-testinfra, or $XDG_CACHE_HOME): the first
test fills it when it is empty (Debian download of etcd ~3 s; a cold kube-apiserver build ~200 s and ~2 GB
of Go build cache, a warm one ~15 s), exactly like the first playbook run that needs a control plane, and
every later run reuses it. All other tests write only to temporary cache directories.
Needs the Go module proxy; the Debian tests need apt-get and a Debian mirror.

Opt-in: TESTINFRA_KUBE_BUILD=1 also builds kube-apiserver into a temporary cache (warm or cold depending on
GOCACHE: `GOCACHE=$(mktemp -d) TESTINFRA_KUBE_BUILD=1 pytest -k kube_apiserver_build` measures a cold build).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest

from conftest import playbook_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
MODULE = "kubernaut.testinfra.envtest_binaries"
HAS_DEBIAN_TOOLS = bool(shutil.which("apt-get") and shutil.which("dpkg-deb"))
needs_debian = pytest.mark.skipif(not HAS_DEBIAN_TOOLS, reason="needs apt-get and dpkg-deb")
REAL_GO = shutil.which("go") or "/usr/local/go/bin/go"


def run_module(args=None, check=False, env=None, timeout=1800, module=MODULE):
    """Run ``module`` (default envtest_binaries) on localhost; return (result dict, seconds)."""
    environ = playbook_env()  # with the test session's TMPDIR, where the leak check looks for temp files
    environ.pop("KUBEBUILDER_ASSETS", None)
    environ.update(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    environ.update(env or {})
    cmd = [os.path.join(VENV_BIN, "ansible"), "localhost", "-m", module,
           "-e", "ansible_python_interpreter=" + sys.executable]
    if args:
        cmd += ["-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.time() - start
    try:
        result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        raise AssertionError("no JSON result (rc=%s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    assert bool(result.get("failed")) == (proc.returncode != 0), (proc.returncode, result)
    return result, seconds


def version_of(path):
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout


def files_under(path):
    found = []
    for root, dirs, files in os.walk(str(path)):
        found += [os.path.relpath(os.path.join(root, f), str(path)) for f in files]
    return sorted(found)


@pytest.fixture(scope="module")
def default_binaries():
    """The binaries of the default cache (filled by the first run if need be); the result of a warm run."""
    first, dummy = run_module()
    assert not first.get("failed"), first["msg"]
    result, seconds = run_module()
    assert not result.get("failed"), result["msg"]
    result["seconds"] = seconds
    result["first"] = first
    return result


@pytest.fixture
def tmp_cache(tmp_path):
    return tmp_path / "cache"


def test_default_cache_warm_run(default_binaries):
    result = default_binaries
    assert result["changed"] is False
    assert result["sources"] == {"kube-apiserver": "cache", "etcd": "cache"}, result["sources"]
    assert result["build_seconds"] == {}
    assert result["kube_apiserver"].endswith("/kubernaut-testinfra/bin/kube-apiserver-v1.34.4")
    assert result["etcd"].endswith("/kubernaut-testinfra/bin/etcd-v3.5.16")
    assert result["kube_apiserver_version"] == "v1.34.4" and result["etcd_version"] == "3.5.16"
    assert version_of(result["kube_apiserver"]).strip() == "Kubernetes v1.34.4"
    assert version_of(result["etcd"]).startswith("etcd Version: 3.5.16\n")
    assert result["seconds"] < 30, "a cache hit took %.1f s" % result["seconds"]
    # whatever the first run did, it left only finished binaries in bin/
    bin_dir = os.path.dirname(result["kube_apiserver"])
    assert not [f for f in os.listdir(bin_dir) if f.startswith(".")], os.listdir(bin_dir)


def test_assets_dir_is_used(default_binaries, tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    for name, key in (("kube-apiserver", "kube_apiserver"), ("etcd", "etcd")):
        (assets / name).symlink_to(default_binaries[key])
    result, dummy = run_module({"assets_dir": str(assets), "cache_dir": str(tmp_path / "unused")})
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is False
    assert result["sources"] == {"kube-apiserver": "assets", "etcd": "assets"}
    assert result["kube_apiserver"] == str(assets / "kube-apiserver") and result["etcd"] == str(assets / "etcd")
    assert result["kube_apiserver_version"] == "v1.34.4" and result["etcd_version"] == "3.5.16"
    assert not (tmp_path / "unused").exists()

    # the same through KUBEBUILDER_ASSETS
    result, dummy = run_module({"cache_dir": str(tmp_path / "unused")}, env={"KUBEBUILDER_ASSETS": str(assets)})
    assert result["sources"] == {"kube-apiserver": "assets", "etcd": "assets"}


def test_stale_kubebuilder_assets_is_skipped_but_assets_dir_must_have_the_binaries(default_binaries, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    # KUBEBUILDER_ASSETS only suggests: without the binaries it is skipped with a warning (here: cache hit)
    result, dummy = run_module(env={"KUBEBUILDER_ASSETS": str(empty)})
    assert not result.get("failed"), result["msg"]
    assert result["sources"] == {"kube-apiserver": "cache", "etcd": "cache"}
    assert any("has no executable kube-apiserver" in w for w in result.get("warnings", [])), result
    # an assets_dir given as option must have them
    result, dummy = run_module({"assets_dir": str(empty)})
    assert result["failed"]
    assert result["msg"].startswith("assets_dir %s has no executable kube-apiserver and no etcd: " % empty)
    assert "setup-envtest use" in result["msg"]


def test_explicit_paths_missing_or_not_executable(tmp_path):
    plain = tmp_path / "etcd"
    plain.write_text("#!/bin/sh\n")
    result, seconds = run_module({"kube_apiserver": "/nonexistent/kube-apiserver", "etcd": str(plain),
                                  "cache_dir": str(tmp_path / "cache")})
    assert result["failed"]
    assert result["msg"] == (
        "kube_apiserver /nonexistent/kube-apiserver does not exist; etcd %s is not an executable file: point the "
        "option at a working binary, or leave it unset so that the binary is taken from the cache or built" % plain)
    assert not (tmp_path / "cache").exists()


def test_explicit_paths_are_used(default_binaries, tmp_path):
    result, dummy = run_module({"kube_apiserver": default_binaries["kube_apiserver"],
                                "etcd": default_binaries["etcd"], "source": "cache",
                                "cache_dir": str(tmp_path / "cache")})
    assert not result.get("failed"), result["msg"]
    assert result["sources"] == {"kube-apiserver": "explicit", "etcd": "explicit"} and result["changed"] is False
    assert not (tmp_path / "cache").exists()


def test_source_cache_on_empty_cache_fails_and_writes_nothing(tmp_cache):
    result, seconds = run_module({"source": "cache", "cache_dir": str(tmp_cache)})
    assert result["failed"]
    assert result["msg"] == (
        "kube-apiserver v1.34.4 and etcd v3.5.16 not in the cache %s/bin (expected kube-apiserver-v1.34.4, "
        "etcd-v3.5.16): run once with source=auto or source=build to build/download them into it (needs the Go "
        "module proxy or a Debian mirror), or copy working binaries there under those names" % tmp_cache)
    assert not tmp_cache.exists()


def test_unknown_source_value(tmp_cache):
    result, dummy = run_module({"source": "internet", "cache_dir": str(tmp_cache)})
    assert result["failed"]
    assert "value of source must be one of: auto, assets, cache, setup-envtest, build, got: internet" in result["msg"]


def test_version_not_on_the_proxy_lists_the_patches(tmp_cache):
    result, seconds = run_module({"kubernetes_version": "v1.34.999", "source": "build", "cache_dir": str(tmp_cache)})
    assert result["failed"]
    assert result["msg"].startswith("k8s.io/kubernetes v1.34.999 is not on the Go module proxy (GOPROXY=")
    assert "available 1.34 releases: v1.34.0, " in result["msg"] and "v1.34.4" in result["msg"]
    assert result["msg"].endswith(": set kubernetes_version to one of them")
    assert seconds < 60
    assert not tmp_cache.exists()


def test_malformed_version(tmp_cache):
    result, dummy = run_module({"kubernetes_version": "1.34", "cache_dir": str(tmp_cache)})
    assert result["failed"]
    assert result["msg"] == "kubernetes_version '1.34' is not a Kubernetes version: set it like 1.34.4 or v1.34.4"


def fake_go(tmp_path, script):
    """A `go` that runs ``script`` (sh) and otherwise the real Go."""
    path = tmp_path / "go"
    path.write_text("#!/bin/sh\n%s\nexec %s \"$@\"\n" % (script, REAL_GO))
    path.chmod(0o755)
    return str(path)


def test_go_too_old(default_binaries, tmp_path, tmp_cache):
    go = fake_go(tmp_path, 'if [ "$1" = env ]; then %s "$@" | sed \'s/"GOVERSION": "go[^"]*"/"GOVERSION": '
                           '"go1.22.5"/\'; exit; fi' % REAL_GO)
    result, dummy = run_module({"go": go, "source": "build", "cache_dir": str(tmp_cache),
                                "etcd": default_binaries["etcd"]})
    assert result["failed"]
    assert result["msg"].startswith(
        "building kube-apiserver v1.34.4 needs Go 1.24.0 or newer (the go line of k8s.io/kubernetes v1.34.4's "
        "go.mod, and the tool directive of the wrapper module), but %s is go1.22.5: install Go 1.24.0+" % go)
    assert not tmp_cache.exists()


def test_build_failure_reports_the_tail_and_leaves_nothing(default_binaries, tmp_path, tmp_cache):
    go = fake_go(tmp_path, 'if [ "$1" = mod ]; then for i in $(seq 1 30); do echo "go output line $i"; done; '
                           'exit 3; fi')
    result, dummy = run_module({"go": go, "source": "build", "etcd_source": "go", "cache_dir": str(tmp_cache),
                                "kube_apiserver": default_binaries["kube_apiserver"]})
    assert result["failed"]
    msg = result["msg"]
    assert msg.startswith("building etcd v3.5.16 failed: `mod tidy` in %s/build/etcd-v3.5.16 exited with 3; "
                          "last lines of its output:\n" % tmp_cache)
    assert "go output line 11\n" in msg and "go output line 30\n" in msg and "go output line 10\n" not in msg
    # no binary, no temporary file, no build directory; only the (empty) lock file
    assert files_under(tmp_cache) == ["locks/etcd-v3.5.16.lock"]


@needs_debian
def test_etcd_from_debian_into_empty_cache(default_binaries, tmp_cache):
    args = {"cache_dir": str(tmp_cache), "source": "build", "kube_apiserver": default_binaries["kube_apiserver"]}
    result, seconds = run_module(args)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True
    assert result["sources"] == {"kube-apiserver": "explicit", "etcd": "debian"}
    assert result["etcd"] == str(tmp_cache / "bin" / "etcd-v3.5.16") and result["etcd_version"] == "3.5.16"
    assert version_of(result["etcd"]).startswith("etcd Version: 3.5.16\n")
    assert 0 < result["build_seconds"]["etcd"] < 300 and list(result["build_seconds"]) == ["etcd"]
    assert result["actions"] == ["etcd v3.5.16: downloaded etcd-server 3.5.16-4 from http://deb.debian.org/debian "
                                 "trixie"]
    assert os.listdir(str(tmp_cache / "bin")) == ["etcd-v3.5.16"]
    assert stat.S_IMODE(os.stat(result["etcd"]).st_mode) == 0o755
    # the private apt configuration reads nothing of the host's
    conf = (tmp_cache / "apt" / "apt.conf").read_text()
    assert 'Dir::Etc::Parts "%s/apt/empty";' % tmp_cache in conf and 'Dir::Etc::main "/dev/null";' in conf

    again, dummy = run_module(args)
    assert again["changed"] is False and again["sources"]["etcd"] == "cache" and again["etcd"] == result["etcd"]


@needs_debian
def test_etcd_debian_has_another_version(default_binaries, tmp_cache):
    result, dummy = run_module({"cache_dir": str(tmp_cache), "source": "build", "etcd_source": "debian",
                                "etcd_version": "3.6.5", "kube_apiserver": default_binaries["kube_apiserver"]})
    assert result["failed"]
    assert result["msg"] == ("http://deb.debian.org/debian trixie has etcd-server 3.5.16-4 (etcd 3.5.16), not etcd "
                             "3.6.5: set etcd_version: 3.5.16, or etcd_source: go to build 3.6.5 with Go")
    assert os.listdir(str(tmp_cache / "bin")) == []


@needs_debian
def test_concurrent_runs_fetch_once(default_binaries, tmp_cache):
    args = {"cache_dir": str(tmp_cache), "source": "build", "kube_apiserver": default_binaries["kube_apiserver"]}
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_module(args)[0])) for dummy in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.get("msg") for r in results if r.get("failed")] == []
    assert sorted(r["changed"] for r in results) == [False, True], [r["actions"] for r in results]
    assert sorted(r["sources"]["etcd"] for r in results) == ["cache", "debian"]
    assert results[0]["etcd"] == results[1]["etcd"]
    assert os.listdir(str(tmp_cache / "bin")) == ["etcd-v3.5.16"]


def test_check_mode_on_empty_cache_writes_nothing(tmp_cache):
    result, dummy = run_module({"cache_dir": str(tmp_cache)}, check=True)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True
    assert result["sources"]["kube-apiserver"] == "built"
    assert result["sources"]["etcd"] == ("debian" if HAS_DEBIAN_TOOLS else "built")
    assert result["kube_apiserver"] == str(tmp_cache / "bin" / "kube-apiserver-v1.34.4")
    assert result["build_seconds"] == {}
    assert [a.split(":")[0] for a in result["actions"]] == ["would kube-apiserver v1.34.4", "would etcd v3.5.16"]
    assert not tmp_cache.exists()


def test_check_mode_on_warm_cache_is_unchanged(default_binaries):
    result, dummy = run_module(check=True)
    assert result["changed"] is False and result["sources"] == {"kube-apiserver": "cache", "etcd": "cache"}


def test_setup_envtest(default_binaries, tmp_path, tmp_cache):
    """A stand-in setup-envtest (the real one needs GitHub): `use` installs into --bin-dir, `use -i` only finds."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name, key in (("kube-apiserver", "kube_apiserver"), ("etcd", "etcd")):
        (bundle / name).symlink_to(default_binaries[key])
    fake = tmp_path / "setup-envtest"
    fake.write_text("""#!/bin/sh
echo "$@" >> %(log)s
installed=0; bindir=
while [ $# -gt 0 ]; do
  case "$1" in -i) installed=1 ;; --bin-dir) bindir=$2; shift ;; esac; shift
done
dir="$bindir/k8s/1.34.4-linux-amd64"
if [ $installed = 1 ] && [ ! -d "$dir" ]; then echo "no such version installed" >&2; exit 1; fi
mkdir -p "$bindir/k8s" && rm -rf "$dir" && cp -r %(bundle)s "$dir"
echo "$dir"
""" % {"log": tmp_path / "calls", "bundle": bundle})
    fake.chmod(0o755)
    args = {"cache_dir": str(tmp_cache), "setup_envtest": str(fake), "source": "setup-envtest"}
    result, dummy = run_module(args)
    assert not result.get("failed"), result["msg"]
    where = tmp_cache / "setup-envtest" / "k8s" / "1.34.4-linux-amd64"
    assert result["changed"] is True
    assert result["sources"] == {"kube-apiserver": "setup-envtest", "etcd": "setup-envtest"}
    assert result["kube_apiserver"] == str(where / "kube-apiserver") and result["kube_apiserver_version"] == "v1.34.4"
    again, dummy = run_module(args)
    assert again["changed"] is False and again["sources"] == result["sources"]
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["use 1.34.4 --bin-dir %s/setup-envtest -p path" % tmp_cache,
                     "use -i 1.34.4 --bin-dir %s/setup-envtest -p path" % tmp_cache]
    # in auto mode it comes after the cache: with an empty cache it is used, nothing is built
    result, dummy = run_module(dict(args, source="auto"))
    assert result["sources"] == {"kube-apiserver": "setup-envtest", "etcd": "setup-envtest"}
    assert not (tmp_cache / "bin").exists()


@pytest.mark.skipif(os.environ.get("TESTINFRA_KUBE_BUILD") != "1", reason="set TESTINFRA_KUBE_BUILD=1 (builds "
                    "kube-apiserver: ~15 s with a warm GOCACHE, ~200 s and ~2 GB of GOCACHE cold)")
def test_kube_apiserver_build_into_empty_cache(default_binaries, tmp_cache):
    args = {"cache_dir": str(tmp_cache), "source": "build", "etcd": default_binaries["etcd"]}
    result, seconds = run_module(args, timeout=3600)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True and result["sources"]["kube-apiserver"] == "built"
    assert result["kube_apiserver_version"] == "v1.34.4"
    assert version_of(result["kube_apiserver"]).strip() == "Kubernetes v1.34.4"
    gomod = (tmp_cache / "build" / "kube-apiserver-v1.34.4" / "go.mod").read_text()
    assert "tool k8s.io/kubernetes/cmd/kube-apiserver" in gomod and "k8s.io/api => k8s.io/api v0.34.4" in gomod
    print("kube-apiserver build: %.1f s (module total %.1f s)" % (result["build_seconds"]["kube-apiserver"],
                                                                   seconds))


def test_kubectl_and_linked_assets_directory(default_binaries, tmp_path, tmp_cache):
    """with_kubectl: kubectl from an explicit path, else built into the cache (k8s.io/kubernetes/cmd/kubectl); the
    three linked into a KUBEBUILDER_ASSETS directory; a KUBEBUILDER_ASSETS without kubectl still gives the others."""
    args = {"cache_dir": str(tmp_cache), "kube_apiserver": default_binaries["kube_apiserver"],
            "etcd": default_binaries["etcd"], "with_kubectl": True, "link_dir": "auto"}
    result, dummy = run_module(args, timeout=3600)
    assert not result.get("failed"), result["msg"]
    assert result["sources"] == {"kube-apiserver": "explicit", "etcd": "explicit", "kubectl": "built"}
    assert result["kubectl_version"] == "v1.34.4"
    assert result["kubectl"] == str(tmp_cache / "bin" / "kubectl-v1.34.4")
    gomod = (tmp_cache / "build" / "kubectl-v1.34.4" / "go.mod").read_text()
    assert "tool k8s.io/kubernetes/cmd/kubectl" in gomod and "k8s.io/kubectl => k8s.io/kubectl v0.34.4" in gomod
    assets = tmp_cache / "assets" / "k8s-v1.34.4-etcd-v3.5.16-kubectl"
    assert result["assets_dir"] == str(assets)
    assert sorted(os.listdir(str(assets))) == ["etcd", "kube-apiserver", "kubectl"]
    assert os.readlink(str(assets / "kubectl")) == result["kubectl"]
    out = subprocess.run([str(assets / "kubectl"), "version", "--client"], capture_output=True, text=True, check=True)
    assert "Client Version: v1.34.4" in out.stdout
    print("kubectl build: %.1f s" % result["build_seconds"]["kubectl"])

    # again: from the cache, links unchanged
    again, dummy = run_module(args)
    assert again["changed"] is False and again["sources"]["kubectl"] == "cache", again

    # KUBEBUILDER_ASSETS with kube-apiserver and etcd only: those from there, kubectl from the cache
    only_two = tmp_path / "only-two"
    only_two.mkdir()
    for name, key in (("kube-apiserver", "kube_apiserver"), ("etcd", "etcd")):
        (only_two / name).symlink_to(default_binaries[key])
    result, dummy = run_module({"cache_dir": str(tmp_cache), "with_kubectl": True},
                               env={"KUBEBUILDER_ASSETS": str(only_two)})
    assert result["sources"] == {"kube-apiserver": "assets", "etcd": "assets", "kubectl": "cache"}, result
    assert "assets_dir" not in result  # no link_dir: nothing linked

    # an explicit kubectl that does not exist is named
    result, dummy = run_module({"cache_dir": str(tmp_cache), "with_kubectl": True, "kubectl": "/nonexistent/kubectl"})
    assert result["failed"] and result["msg"].startswith("kubectl /nonexistent/kubectl does not exist"), result


def test_source_assets_without_kubectl_says_so(default_binaries, tmp_path):
    only_two = tmp_path / "only-two"
    only_two.mkdir()
    for name, key in (("kube-apiserver", "kube_apiserver"), ("etcd", "etcd")):
        (only_two / name).symlink_to(default_binaries[key])
    result, dummy = run_module({"assets_dir": str(only_two), "source": "assets", "with_kubectl": True,
                                "link_dir": "auto", "cache_dir": str(tmp_path / "cache")})
    assert result["failed"]
    assert result["msg"].startswith("kubectl v1.34.4 not found with source=assets: provide kubectl"), result["msg"]
    assert not (tmp_path / "cache" / "assets").exists()
