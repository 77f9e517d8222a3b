# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An API client from a kubeconfig file, with errors that say what to fix, and plain JSON calls.

The calls go through the client's REST layer with JSON in and out: the typed API classes of recent
kubernetes releases load hundreds of model classes on first use (~0.4 s per task here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import traceback

try:
    from kubernetes import config
    from kubernetes.config import kube_config
    from kubernetes.client.rest import ApiException
    HAS_KUBERNETES = True
    IMPORT_ERROR = None
except ImportError:
    HAS_KUBERNETES = False
    IMPORT_ERROR = traceback.format_exc()
    ApiException = Exception

MISSING = ("The Python package kubernetes is missing on the controller (kubernetes.core needs it too): "
           "pip install kubernetes, or run make prepare / playbooks/prepare_host.yml.")


def api_client(module, kubeconfig, context=None):
    """An ApiClient for ``kubeconfig``, or fail_json naming the problem."""
    if not HAS_KUBERNETES:
        module.fail_json(msg=MISSING, exception=IMPORT_ERROR)
    if not kubeconfig or not os.path.isfile(kubeconfig):
        module.fail_json(msg="kubeconfig %s not found: give the path of an existing kubeconfig file "
                             "(testinfra_kubeconfig for the existing cluster backend)." % (kubeconfig or "(empty)"))
    try:
        return config.new_client_from_config(config_file=kubeconfig, context=context or None)
    except Exception as exc:  # the loader raises ConfigException, ValueError, KeyError...
        module.fail_json(msg="kubeconfig %s cannot be used%s: %s" % (
            kubeconfig, " (context %s)" % context if context else "", exc))


@contextlib.contextmanager
def session(module, kubeconfig, context=None):
    """``api_client()`` for a ``with`` block; afterwards the certificate and key files the kubeconfig loader
    wrote to the temp directory are removed. The loader removes them at interpreter exit, which an Ansible
    worker running a module in process never reaches (it leaves by os._exit): every run left three files,
    an admin key among them, in /tmp."""
    try:
        yield api_client(module, kubeconfig, context)
    finally:
        remove_temp_files()


def remove_temp_files():
    cleanup = getattr(kube_config, "_cleanup_temp_files", None) if HAS_KUBERNETES else None
    if cleanup:
        cleanup()


class ApiError(Exception):
    """The API server answered with a status outside 2xx."""

    def __init__(self, status, reason_text, body=None):
        super(ApiError, self).__init__("HTTP %s %s" % (status, (reason_text or "").strip()))
        self.status, self.reason, self.body = status, reason_text, body


def call(api, method, path, body=None, timeout=3, text=False):
    """``method`` ``path`` (for example /api/v1/namespaces?limit=1) with a JSON ``body``; the decoded answer
    (with ``text``, the answer as a string: /readyz says ``ok``).

    Raises ApiError for a status outside 2xx, other exceptions for connection and TLS errors."""
    cfg = api.configuration
    headers = {"Accept": "application/json", "User-Agent": "kubernaut.testinfra"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    for auth in cfg.auth_settings().values():  # bearer tokens, refreshed by exec/auth-provider hooks
        if auth.get("in") == "header" and auth.get("value"):
            headers[auth["key"]] = auth["value"]
    try:
        answer = api.rest_client.request(method, cfg.host + path, headers=headers, body=body,
                                         _request_timeout=timeout)
    except ApiException as exc:  # older clients raise for any status outside 2xx
        raise ApiError(exc.status, exc.reason, exc.body)
    data = answer.read() if getattr(answer, "data", None) is None else answer.data
    if not 200 <= answer.status < 300:
        raise ApiError(answer.status, answer.reason, data)
    if text:
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    return json.loads(data) if data else {}


def reason(exc):
    """A one-line reason from an ApiError, an ApiException or a connection error."""
    if isinstance(exc, ApiError) or (HAS_KUBERNETES and isinstance(exc, ApiException)):
        return "HTTP %s %s" % (exc.status, (exc.reason or "").strip())
    text = str(exc).strip().splitlines()
    return text[-1] if text else exc.__class__.__name__
