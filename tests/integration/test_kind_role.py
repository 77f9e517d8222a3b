"""The kind role with the real kind binary and real Podman.

This host cannot boot a kind cluster (cgroup v1, and no registry to pull kindest/node from), so the role is
tested up to that point: the missing-image and bad-archive failures, reuse of a cluster faked the way kind
itself recognises one (a labelled <name>-control-plane container holding /etc/kubernetes/admin.conf), a real
`kind create cluster` that fails half-way, the cleanup paths, the rendered configuration and check mode.
Every resource a test makes carries a random cluster name and is removed by the test itself.
"""

import json
import os
import shutil
import socket
import subprocess
import tarfile
import uuid

import pytest
import yaml

from conftest import run_playbook

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "kind_role.yml")
KIND = shutil.which("kind") or "/usr/local/bin/kind"
DEFAULT_IMAGE = "docker.io/kindest/node:v1.37.0"
CLUSTER_LABEL = "io.x-k8s.kind.cluster"
PRELOAD = "podman pull %s && podman save -o kindest-node.tar %s" % (DEFAULT_IMAGE, DEFAULT_IMAGE)

pytestmark = pytest.mark.skipif(not os.access(KIND, os.X_OK), reason="kind is not installed (make prepare)")


def podman(*args, check=True):
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check).stdout


def kind(*args):
    env = dict(os.environ, KIND_EXPERIMENTAL_PROVIDER="podman")
    return subprocess.run([KIND, *args], capture_output=True, text=True, check=True, env=env).stdout


def kind_nodes(cluster=None):
    label = CLUSTER_LABEL + ("=" + cluster if cluster else "")
    return set(podman("ps", "-a", "--filter", "label=" + label, "--format", "{{.Names}}").split())


def networks():
    return set(podman("network", "ls", "--format", "{{.Name}}").split())


def node_volumes(cluster):
    return podman("volume", "ls", "-q", "--filter", "label=%s-control-plane" % cluster).split()


def run(*args, timeout=300, **extra_vars):
    """Run the harness with extra vars (JSON, so types survive); returns (rc, output)."""
    return run_playbook(HARNESS, "-e", json.dumps(extra_vars), *args, timeout=timeout)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rootfs(path, admin_conf=None):
    """A busybox root filesystem: enough for `podman exec <node> cat /etc/kubernetes/admin.conf`."""
    os.makedirs(os.path.join(path, "bin"))
    shutil.copy("/bin/busybox", os.path.join(path, "busybox"))
    for tool in ("sh", "cat", "sleep"):
        os.symlink("/busybox", os.path.join(path, "bin", tool))
    if admin_conf:
        os.makedirs(os.path.join(path, "etc", "kubernetes"))
        with open(os.path.join(path, "etc", "kubernetes", "admin.conf"), "w") as handle:
            handle.write(admin_conf)
    return str(path)


ADMIN_CONF = """apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ZmFrZQ==
    server: https://{name}-control-plane:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user:
    client-certificate-data: ZmFrZQ==
    client-key-data: ZmFrZQ==
"""


@pytest.fixture
def cluster(tmp_path):
    """A random cluster name; afterwards removes whatever a failing test left under it."""
    name = "kt-itest-" + uuid.uuid4().hex[:8]
    before = networks()
    yield name
    left = kind_nodes(name)
    if left:
        podman("rm", "-f", "-v", *left, check=False)
    if node_volumes(name):
        podman("volume", "rm", "-f", *node_volumes(name), check=False)
    if "kind" not in before and "kind" in networks() and not kind_nodes():
        podman("network", "rm", "kind", check=False)
    shutil.rmtree("/tmp/kubernaut-testinfra-kind-" + name, ignore_errors=True)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """HOME for the run, to prove the user's ~/.kube/config is never written."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return path


@pytest.fixture
def fake_cluster(cluster, tmp_path):
    """A container that kind takes for the control-plane node of cluster `cluster`; returns its API server port."""
    port = free_port()
    root = rootfs(tmp_path / "node-rootfs", ADMIN_CONF.format(name=cluster))
    podman("run", "-d", "--name", cluster + "-control-plane", "--label", "%s=%s" % (CLUSTER_LABEL, cluster),
           "--label", "io.x-k8s.kind.role=control-plane", "--publish", "127.0.0.1:%d:6443" % port,
           "--timeout", "600", "--rootfs", root, "/busybox", "sleep", "600")
    # kind itself treats it as a cluster
    assert cluster in kind("get", "clusters").split()
    assert "server: https://127.0.0.1:%d" % port in kind("get", "kubeconfig", "--name", cluster)
    yield port
    podman("rm", "-f", "-v", "-t", "0", cluster + "-control-plane", check=False)


@pytest.fixture
def fake_node_image(tmp_path):
    """A local image kind accepts as node image (present, so no pull), whose `podman run` fails at once."""
    name = "localhost/kubernaut-testinfra-itest/kind-node:" + uuid.uuid4().hex[:8]
    tarball = tmp_path / "node.tar"
    with tarfile.open(tarball, "w") as tar:
        tar.add(rootfs(tmp_path / "image-rootfs"), arcname=".")
    podman("import", str(tarball), name)
    yield name
    podman("rmi", "-f", name, check=False)


@pytest.fixture
def kind_log(tmp_path, monkeypatch):
    """A `kind` first on PATH that logs "$KIND_EXPERIMENTAL_PROVIDER $*", then runs the real one: (wrapper, log)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "kind.log"
    wrapper = bindir / "kind"
    wrapper.write_text('#!/bin/sh\necho "${KIND_EXPERIMENTAL_PROVIDER:-<unset>} $*" >> %s\nexec %s "$@"\n'
                       % (log, KIND))
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bindir, os.environ["PATH"]))
    return str(wrapper), log


def logged_calls(log):
    lines = log.read_text().splitlines() if log.exists() else []
    assert lines, "kind was never called through the wrapper"
    assert all(line.startswith("podman ") for line in lines), lines
    return [line[len("podman "):] for line in lines]


def assert_nothing_left(cluster, nodes_before, networks_before, state_dir, home=None):
    assert kind_nodes() == nodes_before, "kind node containers were left behind"
    assert kind_nodes(cluster) == set()
    assert node_volumes(cluster) == []
    # only the network kind makes: other programs on the host create and remove networks of their own meanwhile
    assert ("kind" in networks()) == ("kind" in networks_before), "the kind network was left (or removed)"
    assert not os.path.exists(state_dir) or os.listdir(state_dir) == [], os.listdir(state_dir)
    if home is not None:
        assert not (home / ".kube").exists(), "the user's kubeconfig was written"


def test_missing_node_image_fails_with_preload_instructions_and_leaves_nothing(cluster, home):
    if subprocess.run(["podman", "image", "exists", DEFAULT_IMAGE], check=False).returncode == 0:
        pytest.skip(DEFAULT_IMAGE + " is present on this host")
    nodes, nets = kind_nodes(), networks()
    rc, out = run(kind_cluster_name=cluster, kind_node_image_source="registry")
    assert rc != 0, out
    assert "is not in podman's storage and cannot be pulled" in out, out
    assert PRELOAD in out and "podman load -i kindest-node.tar" in out and "kind_node_image_archive=" in out, out
    assert "Run kind create cluster" not in out, out
    assert "failed=1" in out  # one error, and the cleanup in `always` ran cleanly
    assert_nothing_left(cluster, nodes, nets, "/tmp/kubernaut-testinfra-kind-" + cluster, home)


@pytest.mark.parametrize("archive, message", [
    ("missing.tar", "missing.tar (kind_node_image_archive) does not exist"),
    ("garbage.tar", "load -i {archive}` (kind_node_image_archive) failed"),
])
def test_bad_node_image_archive_fails_clearly_and_leaves_nothing(cluster, tmp_path, archive, message):
    if subprocess.run(["podman", "image", "exists", DEFAULT_IMAGE], check=False).returncode == 0:
        pytest.skip(DEFAULT_IMAGE + " is present on this host")
    path = tmp_path / archive
    if archive == "garbage.tar":
        path.write_text("not an image archive\n")
    state_dir = tmp_path / "state"
    nodes, nets = kind_nodes(), networks()
    rc, out = run(kind_cluster_name=cluster, kind_node_image_archive=str(path), kind_state_dir=str(state_dir))
    assert rc != 0, out
    assert message.format(archive=path) in out, out
    assert PRELOAD in out, out
    assert_nothing_left(cluster, nodes, nets, str(state_dir))


def test_missing_kind_binary_names_the_fix(cluster, tmp_path):
    rc, out = run(kind_cluster_name=cluster, kind_binary="kind-not-installed-" + cluster,
                  kind_state_dir=str(tmp_path / "state"))
    assert rc != 0, out
    assert "kind is not installed" in out and "make prepare" in out, out
    assert "go install sigs.k8s.io/kind@v0.33.0" in out, out
    assert not (tmp_path / "state").exists()


def test_reuses_an_existing_cluster_and_never_deletes_it(cluster, fake_cluster, home, kind_log, tmp_path):
    wrapper, log = kind_log
    state_dir, facts = tmp_path / "state", tmp_path / "facts.json"
    rc, out = run(kind_cluster_name=cluster, kind_state_dir=str(state_dir), kind_test_facts=str(facts))
    assert rc == 0, out
    result = json.loads(facts.read_text())
    kubeconfig = str(state_dir / "kubeconfig")
    assert result["kind_env"] == {"KUBECONFIG": kubeconfig}
    assert result["kind_cluster"] == {"name": cluster, "created": False, "kubeconfig": kubeconfig,
                                      "server": "https://127.0.0.1:%d" % fake_cluster}
    assert result["kubeconfig_exists"] and result["kubeconfig_mode"] == "0600"
    calls = logged_calls(log)
    assert calls[0] == "get clusters"
    assert "export kubeconfig --name %s --kubeconfig %s" % (cluster, kubeconfig) in calls
    assert not [c for c in calls if c.startswith(("create", "delete"))], calls
    # the cluster survives cleanup; the run's files do not, and ~/.kube was never written
    assert podman("inspect", "--format", "{{.State.Running}}", cluster + "-control-plane").strip() == "true"
    assert os.listdir(state_dir) == []
    assert not (home / ".kube").exists()


def test_export_kubeconfig_merges_into_the_users_kubeconfig(cluster, fake_cluster, home, kind_log, tmp_path):
    wrapper, log = kind_log
    rc, out = run(kind_cluster_name=cluster, kind_state_dir=str(tmp_path / "state"), kind_export_kubeconfig=True)
    assert rc == 0, out
    assert "export kubeconfig --name %s" % cluster in logged_calls(log)
    user_config = yaml.safe_load((home / ".kube" / "config").read_text())
    assert user_config["current-context"] == "kind-" + cluster
    assert user_config["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:%d" % fake_cluster
    assert kind_nodes(cluster) == {cluster + "-control-plane"}  # reused: never deleted


def test_cleanup_deletes_a_cluster_kind_json_says_this_run_created(cluster, fake_cluster, kind_log, tmp_path):
    """Kept while kind_keep; deleted with the recorded provider and binary, whatever kind_provider says now."""
    wrapper, log = kind_log
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    kubeconfig = state_dir / "kubeconfig"
    kubeconfig.write_text("")
    record = {"cluster": cluster, "provider": "podman", "binary": wrapper, "created": True, "keep": True,
              "kubeconfig": str(kubeconfig), "labels": {"io.kubernaut.testinfra.run": "itest"}}
    (state_dir / "kind.json").write_text(json.dumps(record))

    rc, out = run(kind_test_tasks="cleanup", kind_state_dir=str(state_dir), kind_keep=True)
    assert rc == 0, out
    assert "Kept kind cluster %s (kind_keep)" % cluster in out, out
    assert kind_nodes(cluster) == {cluster + "-control-plane"}
    assert sorted(os.listdir(state_dir)) == ["kind.json", "kubeconfig"]
    assert not log.exists(), "kind was called for a kept cluster"

    rc, out = run(kind_test_tasks="cleanup", kind_state_dir=str(state_dir), kind_provider="docker")
    assert rc == 0, out
    assert logged_calls(log) == ["delete cluster --name %s --kubeconfig %s" % (cluster, kubeconfig)]
    assert kind_nodes(cluster) == set()
    assert os.listdir(state_dir) == []


def test_cleanup_of_an_exported_cluster_removes_it_from_the_users_kubeconfig(cluster, fake_cluster, home, kind_log,
                                                                            tmp_path):
    """kind_export_kubeconfig merged the cluster into ~/.kube/config: the teardown lets kind edit that file (no
    --kubeconfig of the run's own), so the user's kubeconfig loses the cluster's context with the cluster."""
    wrapper, log = kind_log
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    record = {"cluster": cluster, "provider": "podman", "binary": wrapper, "created": True, "keep": False,
              "kubeconfig": str(state_dir / "kubeconfig"), "kubeconfig_exported": True,
              "labels": {"io.kubernaut.testinfra.run": "itest"}}
    (state_dir / "kind.json").write_text(json.dumps(record))
    rc, out = run(kind_test_tasks="cleanup", kind_state_dir=str(state_dir))
    assert rc == 0, out
    assert logged_calls(log) == ["delete cluster --name %s" % cluster]
    assert kind_nodes(cluster) == set()
    assert os.listdir(state_dir) == []


def test_failed_create_is_cleaned_up_and_every_kind_call_has_the_provider(cluster, fake_node_image, home, kind_log,
                                                                          tmp_path):
    """A real `kind create cluster` that fails half-way (the node container cannot start)."""
    wrapper, log = kind_log
    state_dir = tmp_path / "state"
    nodes, nets = kind_nodes(), networks()
    rc, out = run(kind_cluster_name=cluster, kind_node_image=fake_node_image, kind_state_dir=str(state_dir),
                  kind_wait="5s", kind_labels={"io.kubernaut.testinfra.run": "itest"})
    assert rc != 0, out
    assert "ERROR: failed to create cluster" in " ".join(out.split()), out
    calls = logged_calls(log)
    config, kubeconfig = state_dir / "cluster.yaml", state_dir / "kubeconfig"
    assert calls == ["get clusters",
                     "create cluster --name %s --config %s --kubeconfig %s --wait 5s" % (cluster, config, kubeconfig),
                     "delete cluster --name %s --kubeconfig %s" % (cluster, kubeconfig)], calls
    # nothing left: no node, no node volume (kind leaks it when `podman run` fails), no new network, no files
    assert_nothing_left(cluster, nodes, nets, str(state_dir), home)


def test_check_mode_renders_the_config_and_creates_nothing(cluster, home):
    nodes, nets = kind_nodes(), networks()
    patch = "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    v: \"2\"\n"
    rc, out = run("--check", "--diff", kind_cluster_name=cluster, kind_config_patches=[patch],
                  kind_labels={"io.kubernaut.testinfra.run": "itest"},
                  kind_extra_port_mappings=[{"containerPort": 30080, "hostPort": 38080},
                                            {"containerPort": 30053, "hostPort": 38053, "listenAddress": "0.0.0.0",
                                             "protocol": "udp"}])
    assert rc == 0, out
    state_dir = "/tmp/kubernaut-testinfra-kind-" + cluster
    config = yaml.safe_load(diff_after(out, "cluster.yaml.j2"))
    assert config["kind"] == "Cluster" and config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["name"] == cluster
    assert config["networking"]["apiServerAddress"] == "127.0.0.1"
    port = config["networking"]["apiServerPort"]
    assert isinstance(port, int) and 1024 < port < 65536
    with socket.socket() as sock:  # picked free
        sock.bind(("127.0.0.1", port))
    [node] = config["nodes"]
    assert node["role"] == "control-plane" and node["image"] == "docker.io/kindest/node:v1.37.0"
    assert "disableDefaultCNI" not in config["networking"]  # kind's image brings kindnetd
    assert node["extraPortMappings"] == [
        {"containerPort": 30080, "hostPort": 38080, "listenAddress": "127.0.0.1", "protocol": "TCP"},
        {"containerPort": 30053, "hostPort": 38053, "listenAddress": "0.0.0.0", "protocol": "UDP"}]
    # kindest/node:v1.37.0's kubelet refuses cgroup v1 unless told
    cgroup_v1 = not os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    assert config["kubeadmConfigPatches"] == [patch] + (
        ["kind: KubeletConfiguration\nfailCgroupV1: false\n"] if cgroup_v1 else [])
    record = json.loads(diff_after(out, state_dir + "/kind.json"))
    assert record == {"cluster": cluster, "provider": "podman", "binary": KIND, "created": True, "keep": False,
                      "network_created": "kind" not in nets, "kubeconfig": state_dir + "/kubeconfig",
                      "labels": {"io.kubernaut.testinfra.run": "itest"}, "workers": 0,
                      "kubeconfig_exported": False}
    assert_nothing_left(cluster, nodes, nets, state_dir, home)
    assert not os.path.exists(state_dir)


def test_check_mode_on_an_existing_cluster_writes_nothing(cluster, fake_cluster, home, tmp_path):
    state_dir = tmp_path / "state"
    rc, out = run("--check", kind_cluster_name=cluster, kind_state_dir=str(state_dir))
    assert rc == 0, out
    assert not state_dir.exists()
    assert not (home / ".kube").exists()
    assert kind_nodes(cluster) == {cluster + "-control-plane"}


def diff_after(out, path_suffix):
    """The new content of a file from ansible-playbook --diff output (a file created from nothing)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("+++ after: ") and line.endswith(path_suffix))
    body = []
    for line in lines[start + 2:]:  # skip the @@ line
        if not line.startswith("+"):
            break
        body.append(line[1:])
    return "\n".join(body) + "\n"



# -- real clusters from the local node image ------------------------------------------------------------------
LOCAL_IMAGE = "localhost/kubernaut/kind-node:v1.34.4"

# etcd (one of the node's preloaded images) as a web server: its /health answers over HTTP.
WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {kubernetes.io/hostname: %(worker)s}
      containers:
        - name: web
          image: registry.k8s.io/etcd:3.6.5-0
          command: [etcd, --name=web, --data-dir=/tmp/web, --listen-client-urls=http://0.0.0.0:2379,
                    --advertise-client-urls=http://127.0.0.1:2379, --listen-peer-urls=http://127.0.0.1:2380]
          readinessProbe:
            httpGet: {path: /health, port: 2379}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 2379}]
"""

# A pod on the control-plane node asks the Service by name until etcd answers. It retries on any other answer too:
# until kube-proxy has the Service's rules on that node, a connection to its ClusterIP leaves through the default
# route, and on a machine whose egress is intercepted something else answers (CI saw "426 Upgrade Required").
CLIENT = """apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: %(control_plane)s
  tolerations: [{operator: Exists}]
  restartPolicy: Never
  containers:
    - name: client
      image: registry.k8s.io/kube-proxy:v1.34.4
      command: [bash, -c, 'for i in $(seq 90); do
                  r=$( (exec 3<>/dev/tcp/web.default.svc.cluster.local/80 && printf "GET /health HTTP/1.0\\r\\n\\r\\n" >&3
                        && cat <&3) 2>&1 );
                  if [[ $r == *\\"health\\":\\"true\\"* ]]; then echo "$r"; exit 0; fi;
                  echo "attempt $i: ${r:0:200}" >&2; sleep 1; done; exit 1']
"""


def node_kubectl(cluster, *args, stdin=None):
    """kubectl in the control-plane node (the local node image has it) with the cluster's admin kubeconfig."""
    return subprocess.run(["podman", "exec", "-i", cluster + "-control-plane", "kubectl",
                           "--kubeconfig=/etc/kubernetes/admin.conf", *args], input=stdin, capture_output=True,
                          text=True, check=False)


@pytest.mark.skipif(os.environ.get("KUBERNAUT_TESTINFRA_SKIP_KIND_BOOT") == "1", reason="KUBERNAUT_TESTINFRA_SKIP_KIND_BOOT=1")
def test_local_node_image_boots_two_nodes_with_pod_network_and_cluster_dns(cluster, tmp_path):
    """A real cluster of the local node image (built on first use, else reused): two nodes Ready, a Deployment's pod
    Ready on the worker, and its Service reached by name from a pod on the control-plane node (cluster DNS,
    kube-proxy, routes between the nodes' podCIDRs); cleanup removes everything. Runs with the real HOME: the node
    image's binaries and Go's caches live there."""
    state_dir = tmp_path / "state"
    facts = tmp_path / "facts.json"
    nodes, nets = kind_nodes(), networks()
    rc, out = run(kind_cluster_name=cluster, kind_node_image_source="local", kind_workers=1, kind_keep=True,
                  kind_state_dir=str(state_dir), kind_test_facts=str(facts), timeout=1800)
    assert rc == 0, out
    assert "disableDefaultCNI: true" in (state_dir / "cluster.yaml").read_text()
    assert kind_nodes(cluster) == {cluster + "-control-plane", cluster + "-worker"}
    assert podman("image", "inspect", "--format", "{{.Id}}", LOCAL_IMAGE).strip()
    try:
        wait = node_kubectl(cluster, "wait", "--for=condition=Ready", "node", "--all", "--timeout=120s")
        assert wait.returncode == 0, wait.stderr
        manifest = WORKLOAD % {"worker": cluster + "-worker", "control_plane": cluster + "-control-plane"}
        applied = node_kubectl(cluster, "apply", "-f", "-", stdin=manifest)
        assert applied.returncode == 0, applied.stderr
        ready = node_kubectl(cluster, "wait", "--for=condition=Available", "deployment/web", "--timeout=180s")
        assert ready.returncode == 0, ready.stderr + node_kubectl(cluster, "describe", "pods").stdout
        client = node_kubectl(cluster, "apply", "-f", "-", stdin=CLIENT % {"control_plane": cluster + "-control-plane"})
        assert client.returncode == 0, client.stderr
        done = node_kubectl(cluster, "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/client",
                            "--timeout=120s")
        logs = node_kubectl(cluster, "logs", "client")
        assert done.returncode == 0 and '"health":"true"' in logs.stdout, logs.stdout + logs.stderr + done.stderr
    finally:
        rc, out = run(kind_test_tasks="cleanup", kind_state_dir=str(state_dir), kind_keep=False)
    assert rc == 0, out
    assert not kind_nodes(cluster)
    assert not node_volumes(cluster)
    if "kind" not in nets:
        assert "kind" not in networks()
    assert kind_nodes() == nodes


def test_check_mode_with_the_local_node_image_renders_its_own_pod_network(cluster, home):
    """Check mode: the local node image is reused or reported as to be built, and the configuration disables kind's
    default CNI (the image brings its own), with one worker node."""
    nodes, nets = kind_nodes(), networks()
    images = podman("images", "-q").split()
    rc, out = run("--check", "--diff", kind_cluster_name=cluster, kind_node_image_source="local", kind_workers=1)
    assert rc == 0, out
    config = yaml.safe_load(diff_after(out, "cluster.yaml.j2"))
    assert config["networking"]["disableDefaultCNI"] is True
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker"]
    assert {n["image"] for n in config["nodes"]} == {LOCAL_IMAGE}
    assert "kubeadmConfigPatches" not in config  # v1.34 needs no failCgroupV1 patch
    assert podman("images", "-q").split() == images  # nothing built in check mode
    assert_nothing_left(cluster, nodes, nets, "/tmp/kubernaut-testinfra-kind-" + cluster, home)


IMAGE_135 = "localhost/kubernaut/kind-node:v1.35.4"
HAVE_135 = subprocess.run(["podman", "image", "exists", IMAGE_135], check=False).returncode == 0


@pytest.mark.skipif(not (HAVE_135 or os.environ.get("KUBERNAUT_TESTINFRA_KIND_135") == "1"),
                    reason="builds Kubernetes v1.35.4 (minutes): set KUBERNAUT_TESTINFRA_KIND_135=1, or build " +
                           IMAGE_135 + " first")
def test_kubernetes_135_gets_the_fail_cgroup_v1_patch_on_cgroup_v1_and_boots(cluster, tmp_path):
    cgroup_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    state_dir = tmp_path / "state"
    rc, out = run(kind_cluster_name=cluster, kind_node_image_source="local", kind_kubernetes_version="v1.35.4",
                  kind_keep=True, kind_state_dir=str(state_dir), timeout=3600)
    try:
        assert rc == 0, out
        config = yaml.safe_load((state_dir / "cluster.yaml").read_text())
        patches = config.get("kubeadmConfigPatches") or []
        assert any("failCgroupV1: false" in p for p in patches) is (not cgroup_v2), patches
        ready = node_kubectl(cluster, "wait", "--for=condition=Ready", "node", "--all", "--timeout=120s")
        assert ready.returncode == 0, ready.stderr
        version = node_kubectl(cluster, "get", "nodes", "-o", "jsonpath={.items[0].status.nodeInfo.kubeletVersion}")
        assert version.stdout == "v1.35.4"
    finally:
        rc, out = run(kind_test_tasks="cleanup", kind_state_dir=str(state_dir), kind_keep=False)
    assert rc == 0, out
    assert not kind_nodes(cluster)
