#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: envtest_control_plane
short_description: Start or stop a bare Kubernetes control plane (etcd + kube-apiserver) on 127.0.0.1
version_added: "0.1.0"
description:
  - Starts real C(etcd) and C(kube-apiserver) processes with free ports, a generated CA, serving and
    admin client certificates, C(--authorization-mode=RBAC) and service-account issuer and signing keys
    (so TokenRequest and TokenReview work), writes an admin kubeconfig, and returns once an API call
    succeeds. kube-apiserver's post-start hooks (the RBAC bootstrap roles above all) may still run then, for
    ~1.3 s here; the admin user does not need them, M(kubernaut.testinfra.k8s_cluster_ready) with
    O(kubernaut.testinfra.k8s_cluster_ready#module:readyz) waits for them. This is the shape of
    controller-runtime's envtest; there are no nodes and no controller-manager.
  - The processes run in their own process groups under coreutils C(timeout), so they end on their own
    after O(expire_seconds) even if nothing else stops them. Their PIDs, start times and O(labels) are
    recorded in C(state.json) in O(state_dir), which is how M(kubernaut.testinfra.reap) finds the
    control planes of interrupted runs.
  - Both run with C(GOGC=400) unless C(GOGC) is set in the environment, trading ~90 MB of memory for
    ~20 % less CPU to start kube-apiserver (1.45 instead of 1.8 CPU-seconds here).
  - With O(state=stopped), stops the recorded processes (SIGTERM, then SIGKILL after a grace period) and
    removes O(state_dir).
author:
  - kubernaut.testinfra contributors
options:
  state:
    description: Whether the control plane should be running.
    type: str
    choices: [started, stopped]
    default: started
  state_dir:
    description: Directory for the certificates, the etcd data, the logs, the kubeconfig and C(state.json). Created if missing; removed by O(state=stopped).
    type: path
    required: true
  kube_apiserver:
    description: Path of the kube-apiserver binary. Required with O(state=started).
    type: path
  etcd:
    description: Path of the etcd binary. Required with O(state=started).
    type: path
  bind_address:
    description: Address both processes listen on.
    type: str
    default: 127.0.0.1
  api_server_port:
    description: Secure port of the API server; V(0) picks a free one.
    type: int
    default: 0
  service_cluster_ip_range:
    description: The range Service cluster IPs come from.
    type: str
    default: 10.0.0.0/24
  extra_apiserver_flags:
    description: Further kube-apiserver flags, for example V(--feature-gates=...).
    type: list
    elements: str
    default: []
  labels:
    description:
      - Ownership labels recorded in C(state.json) (run id, controller, expiry...). When the host or controller
        label is missing, this host and the ansible-playbook process running the play are recorded.
    type: dict
    default: {}
  expire_seconds:
    description: The processes are killed after this many seconds whatever happens; V(0) disables it.
    type: int
    default: 7200
  timeout:
    description: Seconds to wait for the control plane to answer an API call.
    type: int
    default: 60
  reuse:
    description:
      - Keep mode. When O(state_dir) holds a control plane whose processes still run and whose API answers,
        return it instead of starting a new one (RV(reused)). Otherwise start afresh.
    type: bool
    default: false
  wait:
    description:
      - V(false) launches etcd and kube-apiserver and returns once etcd is healthy, before kube-apiserver
        answers (~2 s later), with RV(ready) false, so that other backends can start meanwhile. A later call with
        O(wait=true) and the same O(state_dir), within O(timeout) seconds of the launch, waits for that control
        plane instead of starting another (and fails with the log of a process that died meanwhile).
      - RV(kubeconfig) and RV(server) are returned either way.
    type: bool
    default: true
  crds:
    description:
      - CustomResourceDefinition files, or directories of C(.yaml), C(.yml) and C(.json) files, whose CRDs are
        created as soon as the API answers, before this call returns. kube-apiserver makes every create of a
        custom resource sleep 2 s within 2 s of its CRD's establishment (a guard for HA clusters); created here,
        that window passes while the other backends and the cluster setup do their work.
      - With O(wait=false) they are recorded and created by the call that waits. With O(shared), each CRD is
        created once, by the first caller that waits; the others find it done.
      - Documents of other kinds are ignored, and so is a CRD that cannot be read or is refused (an existing
        one is left as it is); the cluster setup applies them all again and reports what is wrong.
    type: list
    elements: path
    default: []
  shared:
    description:
      - Share one control plane between the callers that name the same O(state_dir), for example the services
        of one C(all.yml) run. The first caller launches it, the others join it (RV(reused)); a lock next to
        O(state_dir) makes sure only one is started. Stopping it is up to whoever owns O(state_dir).
      - O(reuse) is not needed with it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: With O(state=started) it starts nothing and reports C(changed).
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Start a control plane
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run1/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
    labels:
      io.kubernaut.testinfra.run: run1
  register: cp

- name: Launch one and let it start while the other backends do
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run2/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
    wait: false

- name: Wait until it answers (same state_dir)
  kubernaut.testinfra.envtest_control_plane:
    state_dir: /tmp/kubernaut-testinfra-0/run2/envtest
    kube_apiserver: "{{ bins.kube_apiserver }}"
    etcd: "{{ bins.etcd }}"
  register: cp2

- name: Stop it and remove its data
  kubernaut.testinfra.envtest_control_plane:
    state: stopped
    state_dir: /tmp/kubernaut-testinfra-0/run1/envtest
"""

RETURN = r"""
kubeconfig:
  description: Path of the admin kubeconfig (client certificate in group system:masters, data embedded).
  returned: state is started
  type: str
server:
  description: URL of the API server.
  returned: state is started
  type: str
  sample: https://127.0.0.1:41234
server_version:
  description: The gitVersion the API server reports.
  returned: state is started
  type: str
  sample: v1.34.4
etcd_url:
  description: Client URL of etcd.
  returned: state is started
  type: str
ready_seconds:
  description: Seconds from the start of etcd to the first successful API call (0 while not RV(ready)).
  returned: state is started
  type: float
seconds:
  description: Seconds this task took, certificates included.
  returned: state is started
  type: float
reused:
  description: Whether a running control plane was reused (O(reuse)).
  returned: state is started
  type: bool
shared:
  description: Whether the control plane is shared (O(shared)).
  returned: with O(shared)
  type: bool
crds_created:
  description: Names of the CRDs this call created (O(crds)).
  returned: state is started
  type: list
  elements: str
  sample: [remediationrequests.kubernaut.io]
ready:
  description: Whether the API answered; false only with O(wait=false).
  returned: state is started
  type: bool
stopped:
  description: Names of the processes that were still running and were stopped.
  returned: state is stopped
  type: list
  elements: str
"""

import base64
import contextlib
import fcntl
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from urllib.request import Request, urlopen

try:
    import yaml
except ImportError:  # a controller always has it (ansible-core needs it); without it the cluster setup creates the CRDs
    yaml = None

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import manifests, pki, runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness import NotReady, wait_until

GOGC = "400"  # throw-away control planes: less garbage collection while kube-apiserver starts
STATE_FILE = "state.json"
CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def free_port(address):
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    try:
        sock.bind((address, 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def log_tail(path, lines=25):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).strip()
    except (IOError, OSError):
        return "(no log)"


class ControlPlane(object):
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.dir = self.p["state_dir"]
        self.processes = []
        self.started = time.monotonic()
        self.started_wall = time.time()

    # -- processes ------------------------------------------------------------------------------------
    def spawn(self, name, argv):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        if self.p["expire_seconds"] > 0 and self.module.get_bin_path("timeout"):
            argv = [self.module.get_bin_path("timeout"), "--kill-after=10", str(self.p["expire_seconds"])] + argv
        env = dict(os.environ)
        env.setdefault("GOGC", GOGC)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.dir, close_fds=True, start_new_session=True, env=env)
        log.close()
        start = None
        for dummy in range(50):  # /proc entry appears at once; the loop only guards against races
            start = runstate.start_time(proc.pid)
            if start:
                break
            time.sleep(0.01)
        entry = {"name": name, "pid": proc.pid, "start": start}
        self.processes.append(entry)
        self.save()
        return proc

    def save(self, **extra):
        """Record labels, processes and ``extra`` in state.json (an ``extra`` of None removes that key)."""
        data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
        data.update(labels=runstate.own_labels(self.p["labels"]), processes=self.processes, **extra)
        data = dict((key, value) for key, value in data.items() if value is not None)
        runstate.write_json(os.path.join(self.dir, STATE_FILE), data)

    def fail(self, msg, log=None):
        runstate.stop_processes(self.processes, grace=5)
        if log:
            msg += "\nLast lines of %s:\n%s" % (os.path.basename(log), log_tail(log))
        shutil.rmtree(self.dir, ignore_errors=True)
        self.module.fail_json(msg=msg)

    def wait(self, what, exited, log, probe, timeout=None):
        """``probe()`` until it returns; ``exited()`` is a reason once a process has ended, else None."""
        def check():
            reason = exited()
            if reason:
                raise Exited(reason)
            return probe()
        timeout = self.p["timeout"] - (time.monotonic() - self.started) if timeout is None else timeout
        try:
            return wait_until(check, max(1, timeout), interval=0.05)[0]
        except Exited as exc:
            self.fail("%s during startup." % exc, log)
        except NotReady as exc:
            self.fail("%s did not become ready: %s" % (what, exc), log)

    # -- etcd ----------------------------------------------------------------------------------------
    def start_etcd(self):
        host = self.p["bind_address"]
        client, peer = free_port(host), free_port(host)
        url = "http://%s:%d" % (host, client)
        peer_url = "http://%s:%d" % (host, peer)
        log = os.path.join(self.dir, "etcd.log")
        proc = self.spawn("etcd", [
            self.p["etcd"], "--name", "testinfra", "--data-dir", os.path.join(self.dir, "etcd"),
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", "testinfra=" + peer_url, "--unsafe-no-fsync", "--log-level", "warn",
            # one member, no peer to wait for: elected in ~0.05 s instead of 0.2-1 s (default timeout 1000 ms)
            "--heartbeat-interval=10", "--election-timeout=50"])

        def healthy():
            try:
                body = urlopen(url + "/health", timeout=2).read()
            except (OSError, ValueError) as exc:  # connection refused while starting
                raise NotReady(str(exc))
            if b'"true"' not in body:
                raise NotReady(body.decode(errors="replace"))
        self.wait("etcd", popen_exited("etcd", proc), log, healthy)
        return url

    # -- kube-apiserver --------------------------------------------------------------------------------
    def spawn_apiserver(self, etcd_url, certs):
        host = self.p["bind_address"]
        port = self.p["api_server_port"] or free_port(host)
        server = "https://%s:%d" % ("[%s]" % host if ":" in host else host, port)
        log = os.path.join(self.dir, "kube-apiserver.log")
        proc = self.spawn("kube-apiserver", [
            self.p["kube_apiserver"],
            "--etcd-servers=" + etcd_url,
            "--bind-address=" + host, "--advertise-address=" + host, "--secure-port=%d" % port,
            "--cert-dir=" + os.path.join(self.dir, "apiserver-certs"),
            "--tls-cert-file=" + certs["server_cert"], "--tls-private-key-file=" + certs["server_key"],
            "--client-ca-file=" + certs["ca_cert"],
            "--authorization-mode=RBAC",
            "--service-account-issuer=" + server,
            "--service-account-key-file=" + certs["sa_pub"],
            "--service-account-signing-key-file=" + certs["sa_key"],
            "--service-cluster-ip-range=" + self.p["service_cluster_ip_range"],
            # no controller-manager creates default service accounts, so pods could never be admitted
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
        ] + self.p["extra_apiserver_flags"])
        return server, proc, log

    @staticmethod
    def api_probe(server, certs):
        """A probe that returns the server's gitVersion once namespaces can be listed. Not /readyz: that waits
        ~1.3 s longer for post-start hooks (the RBAC bootstrap roles above all), which the admin user does not
        need; k8s_cluster_ready with readyz waits for them before the tests."""
        context = admin_context(certs)

        def api_call():
            try:
                namespaces = json.loads(urlopen(server + "/api/v1/namespaces?limit=1", timeout=2,
                                                 context=context).read())
                version = json.loads(urlopen(server + "/version", timeout=2, context=context).read())
            except (OSError, ValueError) as exc:  # refused while starting
                raise NotReady(str(exc))
            if namespaces.get("kind") != "NamespaceList":
                raise NotReady("namespaces: %s" % str(namespaces)[:200])
            return version.get("gitVersion", "")
        return api_call

    def kubeconfig(self, server, certs):
        def b64(path):
            with open(path, "rb") as handle:
                return base64.b64encode(handle.read()).decode()
        config = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "envtest", "cluster": {
                "server": server, "certificate-authority-data": b64(certs["ca_cert"])}}],
            "users": [{"name": "envtest-admin", "user": {
                "client-certificate-data": b64(certs["admin_cert"]), "client-key-data": b64(certs["admin_key"])}}],
            "contexts": [{"name": "envtest", "context": {"cluster": "envtest", "user": "envtest-admin"}}],
            "current-context": "envtest",
        }
        path = os.path.join(self.dir, "kubeconfig")
        runstate.write_json(path, config)  # JSON is YAML; 0600
        return path

    def reuse(self):
        """The running control plane recorded in state_dir, if its API still answers; else None."""
        data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
        if not running(data):
            return None
        try:
            context = admin_context(self.recorded_certs())
            version = json.loads(urlopen(data["server"] + "/version", timeout=5, context=context).read())
        except (OSError, ValueError, KeyError):
            return None
        return dict(changed=False, reused=True, ready=True, kubeconfig=data["kubeconfig"], server=data["server"],
                    server_version=version.get("gitVersion", ""), etcd_url=data.get("etcd_url", ""),
                    ready_seconds=0.0, crds_created=[], seconds=round(time.monotonic() - self.started, 3))

    def finish_launch(self, data):
        """Wait for the control plane a call with wait=false launched in state_dir (ready_seconds from its launch)."""
        version = self.wait_recorded(data, self.p["timeout"] - (time.time() - data["launched"]))
        ready = round(time.time() - data.pop("launched"), 3)
        created = self.create_crds(data)
        return dict(changed=True, reused=False, ready=True, kubeconfig=data["kubeconfig"], server=data["server"],
                    server_version=version, etcd_url=data["etcd_url"], ready_seconds=ready, crds_created=created,
                    seconds=round(time.monotonic() - self.started, 3))

    def launched(self):
        """The state of a control plane launched with wait=false in state_dir less than ``timeout`` s ago, or None.

        Its processes may have died since: waiting then fails with their log rather than starting another."""
        data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
        try:
            recent = 0 <= time.time() - float(data.get("launched") or 0) < self.p["timeout"]
        except (TypeError, ValueError):
            recent = False
        if recent and data.get("kubeconfig") and data.get("server") and len(data.get("processes") or []) >= 2:
            return data
        return None

    def start(self):
        if self.p["shared"]:
            self.check_binaries()
            return self.start_shared()
        if self.p["wait"]:
            data = self.launched()
            if data:
                return self.finish_launch(data)
        if self.p["reuse"]:
            found = self.reuse()
            if found:
                return found
        self.check_binaries()
        server, proc, log, kubeconfig, etcd_url, certs = self.launch()
        if not self.p["wait"]:
            return dict(changed=True, reused=False, ready=False, kubeconfig=kubeconfig, server=server,
                        server_version="", etcd_url=etcd_url, ready_seconds=0.0, crds_created=[],
                        seconds=round(time.monotonic() - self.started, 3))
        version = self.wait("kube-apiserver", popen_exited("kube-apiserver", proc), log, self.api_probe(server, certs))
        ready = round(time.monotonic() - self.started, 3)
        data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
        data.pop("launched", None)
        created = self.create_crds(data)
        return dict(changed=True, reused=False, ready=True, kubeconfig=kubeconfig, server=server,
                    server_version=version, etcd_url=etcd_url, ready_seconds=ready, crds_created=created,
                    seconds=round(time.monotonic() - self.started, 3))

    def check_binaries(self):
        for key in ("kube_apiserver", "etcd"):
            path = self.p[key]
            if not path or not os.access(path, os.X_OK):
                self.module.fail_json(msg="%s binary %s: set it, or let kubernaut.testinfra.envtest_binaries "
                                          "provide it (role kubernaut.testinfra.envtest does)."
                                          % (key.replace("_", "-"), "not given" if not path else
                                             "not found or not executable: " + path))

    def launch(self):
        """Fresh state_dir, certificates, etcd (healthy) and kube-apiserver (launched, not yet answering)."""
        if os.path.exists(os.path.join(self.dir, STATE_FILE)):
            old = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
            runstate.stop_processes(old.get("processes", []), grace=5)
            shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.save()
        certs = pki.write_pki(os.path.join(self.dir, "pki"),
                              [self.p["bind_address"], "127.0.0.1", "localhost", "kubernetes",
                               "kubernetes.default", "kubernetes.default.svc"])
        etcd_url = self.start_etcd()
        server, proc, log = self.spawn_apiserver(etcd_url, certs)
        kubeconfig = self.kubeconfig(server, certs)
        self.save(server=server, kubeconfig=kubeconfig, etcd_url=etcd_url, launched=self.started_wall,
                  crds=self.p["crds"] or None)
        return server, proc, log, kubeconfig, etcd_url, certs

    def start_shared(self):
        """Join the control plane running in state_dir, or launch it there; under a lock, so that the services
        of one all.yml run that reach this at the same time start one control plane between them."""
        with self.shared_lock():
            data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
            joined = running(data)
            if not joined:
                self.launch()
                data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or {}
        result = dict(changed=not joined, reused=joined, shared=True, kubeconfig=data["kubeconfig"],
                      server=data["server"], etcd_url=data["etcd_url"])
        if not self.p["wait"]:
            return dict(result, ready=False, server_version="", ready_seconds=0.0, crds_created=[],
                        seconds=round(time.monotonic() - self.started, 3))
        version = self.wait_recorded(data)
        with self.shared_lock():  # each CRD once, by the first caller that gets here
            data = runstate.read_json(os.path.join(self.dir, STATE_FILE)) or data
            created = self.create_crds(data)
        return dict(result, ready=True, server_version=version, crds_created=created,
                    ready_seconds=round(time.time() - float(data.get("launched") or self.started_wall), 3),
                    seconds=round(time.monotonic() - self.started, 3))

    @contextlib.contextmanager
    def shared_lock(self):
        """The lock next to state_dir that the callers sharing it take turns with."""
        os.makedirs(os.path.dirname(os.path.abspath(self.dir)), mode=0o700, exist_ok=True)
        with open(os.path.abspath(self.dir) + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    # -- CRDs ----------------------------------------------------------------------------------------------
    def create_crds(self, data):
        """Create the CRDs of the crds option and of the launch recorded in ``data`` (state.json) that no call
        created yet, and write ``data`` back to state.json with their files done; the names of those created."""
        done = data.get("crds_done") or []
        pending = [path for path in dict.fromkeys(list(data.get("crds") or []) + self.p["crds"]) if path not in done]
        created = []
        if pending:
            context = admin_context(self.recorded_certs())
            created = [doc["metadata"]["name"] for doc in crd_documents(pending)
                       if create_crd(data["server"], context, doc)]
            data["crds_done"] = done + pending
        runstate.write_json(os.path.join(self.dir, STATE_FILE), data)
        return created

    def recorded_certs(self):
        pki_dir = os.path.join(self.dir, "pki")
        return dict(ca_cert=os.path.join(pki_dir, "ca.crt"), admin_cert=os.path.join(pki_dir, "admin.crt"),
                    admin_key=os.path.join(pki_dir, "admin.key"))

    def wait_recorded(self, data, timeout=None):
        """Wait until the control plane recorded in ``data`` (state.json) answers; its version."""
        self.processes = data["processes"]
        return self.wait("kube-apiserver", self.recorded_exited, os.path.join(self.dir, "kube-apiserver.log"),
                         self.api_probe(data["server"], self.recorded_certs()), timeout)

    def recorded_exited(self):
        gone = [p["name"] for p in self.processes if not runstate.alive(p["pid"], p.get("start"))]
        return gone and "%s exited" % " and ".join(gone)


class Exited(Exception):
    pass


def admin_context(certs):
    """A TLS context that trusts the control plane's CA and presents its admin client certificate."""
    context = ssl.create_default_context(cafile=certs["ca_cert"])
    context.load_cert_chain(certs["admin_cert"], certs["admin_key"])
    return context


def crd_documents(paths):
    """The CustomResourceDefinition documents of ``paths`` (files, or directories of manifest files). A file
    that cannot be read or parsed is skipped: the cluster setup applies it again and reports it."""
    documents = []
    for path in paths if yaml else []:
        for name in manifests.files_in(path):
            try:
                with open(name) as handle:
                    documents += [doc for doc in yaml.safe_load_all(handle)
                                  if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition"
                                  and isinstance(doc.get("metadata"), dict) and doc["metadata"].get("name")]
            except (IOError, OSError, yaml.YAMLError):
                continue
    return documents


def create_crd(server, context, document):
    """POST one CRD; whether it was created. One that exists (409) or is refused (422...) is left to the
    cluster setup, which applies it again and reports what is wrong."""
    request = Request(server + CRD_API, data=json.dumps(document, default=str).encode(), method="POST",
                      headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urlopen(request, timeout=10, context=context) as answer:
            answer.read()
        return True
    except (OSError, ValueError):  # HTTPError and URLError are OSErrors
        return False


def running(data):
    """Whether state.json ``data`` records a kubeconfig and server and both processes still run."""
    procs = data.get("processes") or []
    return bool(data.get("kubeconfig") and data.get("server") and len(procs) >= 2 and
                all(runstate.alive(p["pid"], p.get("start")) for p in procs))


def popen_exited(name, proc):
    return lambda: proc.poll() is not None and "%s exited with status %s" % (name, proc.returncode)


ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["started", "stopped"], default="started"),
    state_dir=dict(type="path", required=True),
    kube_apiserver=dict(type="path"),
    etcd=dict(type="path"),
    bind_address=dict(type="str", default="127.0.0.1"),
    api_server_port=dict(type="int", default=0),
    service_cluster_ip_range=dict(type="str", default="10.0.0.0/24"),
    extra_apiserver_flags=dict(type="list", elements="str", default=[]),
    labels=dict(type="dict", default={}),
    expire_seconds=dict(type="int", default=7200),
    timeout=dict(type="int", default=60),
    reuse=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    shared=dict(type="bool", default=False),
    crds=dict(type="list", elements="path", default=[]),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    if not pki.HAS_CRYPTOGRAPHY:
        module.fail_json(msg="The Python package cryptography is missing on the controller: pip install cryptography")
    state_dir = module.params["state_dir"]
    if module.params["state"] == "stopped":
        data = runstate.read_json(os.path.join(state_dir, STATE_FILE)) or {}
        present = os.path.exists(state_dir)
        # throw-away data: no graceful shutdown (kube-apiserver's takes over a second)
        stopped = [] if module.check_mode else runstate.stop_processes(data.get("processes", []), grace=0)
        if present and not module.check_mode:
            shutil.rmtree(state_dir, ignore_errors=True)
        module.exit_json(changed=present, stopped=stopped)
    if module.check_mode:
        module.exit_json(changed=True, msg="would start etcd and kube-apiserver")
    module.exit_json(**ControlPlane(module).start())


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
