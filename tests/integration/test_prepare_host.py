"""prepare_host.yml: idempotent on a prepared host, and the cleanup playbook is safe to run any time.

Host preparation from nothing, on this host itself: the containers.conf drop-in directory that Debian's podman
package does not make, and Go installed into an empty prefix from the Go module proxy (a real download, verified
against sum.golang.org, kept in ~/.cache/kubernaut-testinfra/go so that later sessions only unpack it).
"""

import json
import os
import platform
import re
import shutil
import subprocess
import time

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import go_toolchain
from ansible_collections.kubernaut.testinfra.plugins.modules.go_toolchain import default_cache_dir

from conftest import cleanup_runs, label_args, leftovers, run_playbook, session_labels
from conftest import EXAMPLES, ROOT, VENV_BIN, playbook_env


def test_prepare_host_twice_changes_nothing():
    rc, out = run_playbook("prepare_host.yml")
    assert rc == 0, out
    rc, out = run_playbook("prepare_host.yml")
    assert rc == 0, out
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out


def test_cleanup_playbook_removes_ours_only(clean_host):
    import subprocess
    # One run of ours, as labelled by a run of this test session; on a shared host the cleanup names the run
    # (a cleanup of everything of ours would end other users' runs).
    run_id = "itest-%d-%d" % (os.getpid(), time.time())
    subprocess.run(["podman", "create", "--name", "testinfra-itest-ours",
                    *label_args(session_labels(**{"io.kubernaut.testinfra.run": run_id})), "--rootfs",
                    "/var/lib/kubernaut-testinfra/smoke-rootfs", "/busybox", "true"], check=True, capture_output=True)
    subprocess.run(["podman", "create", "--name", "testinfra-itest-other", "--rootfs",
                    "/var/lib/kubernaut-testinfra/smoke-rootfs", "/busybox", "true"], check=True, capture_output=True)
    try:
        ok, out = cleanup_runs([run_id], force=True)  # its controller (this pytest) is alive
        assert ok, out
        assert "Removed 1 container(s) testinfra-itest-ours" in out
        names = subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
        assert "testinfra-itest-other" in names.split()
        assert leftovers() == []
    finally:
        subprocess.run(["podman", "rm", "-f", "-v", "testinfra-itest-other"], capture_output=True)


def test_prepare_host_check_mode_on_a_prepared_host():
    rc, out = run_playbook("prepare_host.yml", "--check")
    assert rc == 0, out
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out


# -- host preparation from nothing -------------------------------------------------------------------------------------

CONF = "/etc/containers/containers.conf.d/50-kubernaut-testinfra.conf"
CONF_DIR = os.path.dirname(CONF)
SMOKE = ["podman", "run", "--rm", "--network=none", "--rootfs", "/var/lib/kubernaut-testinfra/smoke-rootfs",
         "/busybox", "true"]
CHANGED = r"localhost\s+: ok=\d+\s+changed=%s\s+unreachable=0\s+failed=0"
NO_GO_PATH = os.pathsep.join([VENV_BIN, "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
HARNESS = os.path.join(ROOT, "tests", "integration", "playbooks", "go_toolchain.yml")
ARCH = go_toolchain.GOARCH.get(platform.machine(), platform.machine())


def changed(out):
    match = re.search(CHANGED % r"(\d+)", out)
    assert match, out
    return int(match.group(1))


def run_without_go(playbook, *args, timeout=600):
    """ansible-playbook with a PATH that holds no go (run_playbook appends /usr/local/go/bin)."""
    env = playbook_env()
    env["PATH"] = NO_GO_PATH
    target = playbook if os.path.isabs(playbook) else os.path.join(ROOT, "playbooks", playbook)
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), target, *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def go_version(go):
    out = subprocess.run([go, "version"], env=dict(os.environ, GOTOOLCHAIN="local"), capture_output=True, text=True,
                         check=True, cwd="/").stdout
    return go_toolchain.go_version_output(out)


def test_prepare_host_makes_the_drop_in_directory_debian_does_not_ship():
    """The drop-in directory moved away (as on a new Debian 12 machine, whose podman package does not make it):
    check mode reports and writes nothing, a run makes it and the drop-in, and Podman runs a container again.
    While the directory is away, containers of other runs on this host may fail to start (crun); it comes back,
    as it was, whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("moves /etc/containers/containers.conf.d: needs root")
    if not os.path.isdir(CONF_DIR):
        pytest.skip("%s does not exist here" % CONF_DIR)
    aside = os.path.join(os.path.dirname(CONF_DIR), ".containers.conf.d.itest-%d" % os.getpid())
    os.rename(CONF_DIR, aside)
    try:
        if subprocess.run(SMOKE, capture_output=True).returncode == 0:
            pytest.skip("Podman runs containers here without the drop-in: the role rightly writes none")
        rc, out = run_playbook("prepare_host.yml", "--check")
        assert rc == 0 and changed(out) >= 1, out
        assert "Make the containers.conf drop-in directory" in out and not os.path.exists(CONF_DIR), out
        rc, out = run_playbook("prepare_host.yml")
        assert rc == 0, out
        assert os.path.isdir(CONF_DIR) and os.path.isfile(CONF), out
        with open(CONF) as handle:
            assert 'runtime = "runc"' in handle.read()
        smoke = subprocess.run(SMOKE, capture_output=True, text=True)
        assert smoke.returncode == 0, smoke.stderr
    finally:
        if os.path.lexists(CONF_DIR):
            shutil.rmtree(CONF_DIR)
        os.rename(aside, CONF_DIR)
    assert subprocess.run(SMOKE, capture_output=True).returncode == 0


def test_go_is_installed_from_the_proxy_when_missing(tmp_path):
    """No go on PATH, an empty prefix: check mode says what it would install and writes nothing; a run installs the
    newest release of the minor version the bundled examples' go.mod asks for (a real download from the Go module
    proxy, verified against sum.golang.org, or the zip verified by an earlier session from the cache); a second run
    changes nothing."""
    with open(os.path.join(EXAMPLES, "go.mod")) as handle:
        need, dummy, dummy = go_toolchain.requirement(handle.read(), "go.mod", None, None)
    prefix = str(tmp_path / "go")
    args = ["-e", "prepare_host_go_prefix=%s" % prefix, "-e", "prepare_host_kind=false", "-v"]
    try:
        rc, out = run_without_go("prepare_host.yml", "--check", *args)
        assert rc == 0 and changed(out) == 1, out
        assert "would install go%s." % need.rsplit(".", 1)[0] in out and not os.path.exists(prefix), out
        start = time.time()
        rc, out = run_without_go("prepare_host.yml", *args)
        assert rc == 0 and changed(out) == 1, out
        print("Go install (%.1f s): %s" % (time.time() - start, re.findall(r"msg: (installed go.*)", out)))
        version = go_version(os.path.join(prefix, "bin", "go"))
        assert version and go_toolchain.same_minor(version, need) and go_toolchain.at_least(version, need), version
        assert "not on PATH: put %s/bin on PATH" % prefix in out, out
        assert os.path.isfile(os.path.join(prefix, "src", "go.mod"))  # _go.mod copied back, as cmd/go does
        module_version = go_toolchain.toolchain_module_version(version, ARCH)
        cached = os.path.join(default_cache_dir(), module_version)
        assert os.path.isfile(cached + ".zip") and os.path.isfile(cached + ".ziphash")
        rc, out = run_without_go("prepare_host.yml", *args)
        assert rc == 0 and changed(out) == 0, out
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def test_a_version_the_proxy_does_not_have_names_the_variable(tmp_path):
    prefix = str(tmp_path / "go")
    rc, out = run_without_go("prepare_host.yml", "-e", "prepare_host_go_prefix=%s" % prefix,
                             "-e", "prepare_host_go_version=1.24.99", "-e", "prepare_host_kind=false")
    assert rc != 0, out
    assert "has no Go toolchain go1.24.99" in out and "prepare_host_go_version" in out, out
    assert not os.path.exists(prefix)


def test_a_zip_whose_hash_is_not_the_verified_one_is_refused(tmp_path):
    """The module checks the h1: hash of what it unpacks: a cached zip whose recorded hash differs is removed and
    nothing is installed."""
    cache, prefix = tmp_path / "cache", tmp_path / "go"
    cache.mkdir()
    version = "1.24.13"
    module_version = go_toolchain.toolchain_module_version(version, ARCH)
    source = os.path.join(default_cache_dir(), module_version + ".zip")
    if os.path.isfile(source):
        shutil.copy(source, str(cache))
        (cache / (module_version + ".ziphash")).write_text("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    else:  # download it into the test's cache, then forge the recorded hash
        rc, out = run_without_go(HARNESS, "-e", json.dumps({"go_args": {"version": version, "prefix": str(prefix),
                                                                        "cache_dir": str(cache)}}))
        assert rc == 0, out
        shutil.rmtree(str(prefix))
        (cache / (module_version + ".ziphash")).write_text("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    rc, out = run_without_go(HARNESS, "-e", json.dumps({"go_args": {"version": version, "prefix": str(prefix),
                                                                    "cache_dir": str(cache)}}))
    assert rc != 0 and "is damaged or forged" in out, out
    assert not os.path.exists(str(prefix))
    assert not (cache / (module_version + ".zip")).exists() and not (cache / (module_version + ".ziphash")).exists()
    assert [n for n in os.listdir(str(tmp_path)) if n.startswith(".go.")] == []
