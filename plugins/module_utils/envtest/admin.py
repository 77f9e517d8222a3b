# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin user of a local control plane: a TLS context with its client certificate, the probe that waits until
the API serves it, and its kubeconfig file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import ssl
from urllib.request import urlopen

from ansible_collections.kubernaut.testinfra.plugins.module_utils import runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import NotReady


def admin_context(certs):
    """A TLS context that trusts the control plane's CA and presents its admin client certificate."""
    context = ssl.create_default_context(cafile=certs["ca_cert"])
    context.load_cert_chain(certs["admin_cert"], certs["admin_key"])
    return context


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


def write_kubeconfig(directory, server, certs):
    """Write the admin's kubeconfig for ``server`` into ``directory``; its path."""
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
    path = os.path.join(directory, "kubeconfig")
    runstate.write_json(path, config)  # JSON is YAML; 0600
    return path
