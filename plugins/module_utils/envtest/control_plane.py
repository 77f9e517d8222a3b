# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local control plane (envtest style: etcd and kube-apiserver, no kubelet, no controllers) in a state
directory: launched, waited for, reused, shared by the services of one run, given its CRDs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from urllib.request import urlopen

from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest import pki
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.admin import (
    admin_context, api_probe, write_kubeconfig)
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.crds import create_crd, crd_documents
from ansible_collections.kubernaut.testinfra.plugins.module_utils.ports import free_port
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady, wait_until

GOGC = "400"  # throw-away control planes: less garbage collection while kube-apiserver starts
STATE_FILE = "state.json"


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
        version = self.wait("kube-apiserver", popen_exited("kube-apiserver", proc), log, api_probe(server, certs))
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
        kubeconfig = write_kubeconfig(self.dir, server, certs)
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
                         api_probe(data["server"], self.recorded_certs()), timeout)

    def recorded_exited(self):
        gone = [p["name"] for p in self.processes if not runstate.alive(p["pid"], p.get("start"))]
        return gone and "%s exited" % " and ".join(gone)


class Exited(Exception):
    pass


def running(data):
    """Whether state.json ``data`` records a kubeconfig and server and both processes still run."""
    procs = data.get("processes") or []
    return bool(data.get("kubeconfig") and data.get("server") and len(procs) >= 2 and
                all(runstate.alive(p["pid"], p.get("start")) for p in procs))


def popen_exited(name, proc):
    return lambda: proc.poll() is not None and "%s exited with status %s" % (name, proc.returncode)
