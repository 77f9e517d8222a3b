# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An API client from a kubeconfig file, with errors that say what to fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

try:
    from kubernetes import client, config
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


def reason(exc):
    """A one-line reason from an ApiException or a connection error."""
    if HAS_KUBERNETES and isinstance(exc, ApiException):
        return "HTTP %s %s" % (exc.status, (exc.reason or "").strip())
    text = str(exc).strip().splitlines()
    return text[-1] if text else exc.__class__.__name__
