"""The envtest_assets backend: a KUBEBUILDER_ASSETS directory (kube-apiserver, etcd, kubectl) for a suite that
starts envtest in-process (examples/test/integration/inprocess, controller-runtime's envtest.Environment); kubectl
built into an empty cache, then taken from it; any service adds the backend; make envtest-assets prints it."""

import os
import re
import subprocess

from conftest import ROOT, playbook_env, run_playbook

HOME_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "kubernaut-testinfra", "bin")
PASSED = "inprocess: PASSED - 3 tests: 3 passed, 0 failed, 0 skipped"


def cache_without_kubectl(tmp_path):
    """A cache directory holding the user cache's kube-apiserver and etcd (when it has them), and no kubectl."""
    cache = tmp_path / "cache"
    (cache / "bin").mkdir(parents=True)
    for name in ("kube-apiserver-v1.34.4", "etcd-v3.5.16"):
        if os.path.exists(os.path.join(HOME_CACHE, name)):
            os.symlink(os.path.join(HOME_CACHE, name), str(cache / "bin" / name))
    return cache


def test_inprocess_suite_with_kubectl_built_then_cached(clean_host, tmp_path):
    cache = cache_without_kubectl(tmp_path)
    assets = cache / "assets" / "k8s-v1.34.4-etcd-v3.5.16-kubectl"
    rc, out = run_playbook("inprocess.yml", "-e", "testinfra_isolate=true", "-e", "envtest_cache_dir=%s" % cache)
    assert rc == 0, out
    assert PASSED in out, out
    assert re.search(r"envtest_assets: KUBEBUILDER_ASSETS=%s \(.*kubectl v1\.34\.4 from built, built in [\d.]+ s"
                     % re.escape(str(assets)), out), out
    for name in ("kube-apiserver", "etcd", "kubectl"):
        assert os.access(str(assets / name), os.X_OK), name
    assert os.path.isfile(str(cache / "bin" / "kubectl-v1.34.4"))
    assert "Start etcd and kube-apiserver" not in out  # no control plane of the collection's

    rc, out = run_playbook("inprocess.yml", "-e", "testinfra_isolate=true", "-e", "envtest_cache_dir=%s" % cache)
    assert rc == 0, out
    assert PASSED in out, out
    assert "kubectl v1.34.4 from cache)" in out, out


def test_any_service_adds_envtest_assets(clean_host):
    """A service without the backend gets it from -e testinfra_extra_backends (here: inprocess stripped of it)."""
    rc, out = run_playbook("inprocess.yml", "-e", "testinfra_isolate=true",
                           "-e", '{"testinfra_service_overrides": {"backends": []}}',
                           "-e", '{"testinfra_extra_backends": ["envtest_assets"]}')
    assert rc == 0, out
    assert PASSED in out, out


def test_make_envtest_assets_prints_the_directory(clean_host, tmp_path):
    cache = cache_without_kubectl(tmp_path)
    if os.path.exists(os.path.join(HOME_CACHE, "kubectl-v1.34.4")):
        os.symlink(os.path.join(HOME_CACHE, "kubectl-v1.34.4"), str(cache / "bin" / "kubectl-v1.34.4"))
    proc = subprocess.run(["make", "-s", "envtest-assets", "ARGS=-e envtest_cache_dir=%s" % cache], cwd=ROOT,
                          env=playbook_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "%s\n" % (cache / "assets" / "k8s-v1.34.4-etcd-v3.5.16-kubectl"), proc.stdout
    assert sorted(os.listdir(proc.stdout.strip())) == ["etcd", "kube-apiserver", "kubectl"]

    # a failure prints nothing on stdout, and Ansible's output with the reason on stderr
    proc = subprocess.run(["make", "-s", "envtest-assets", "ARGS=-e envtest_cache_dir=%s -e envtest_binary_source=cache"
                           " -e envtest_kubernetes_version=1.34.99" % cache],
                          cwd=ROOT, env=playbook_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=900)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "v1.34.99 not in the cache" in " ".join(proc.stderr.split()), proc.stderr
