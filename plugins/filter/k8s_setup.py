# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn a service's ``kubernetes`` data into API objects and token requests.

Documentation lives in the sidecar files ``k8s_setup_objects.yml`` and ``k8s_token_requests.yml``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

MANAGED_BY = {"app.kubernetes.io/managed-by": "kubernaut.testinfra"}


def _account(ref, where):
    """'namespace/name' (or a dict with namespace and name) -> (namespace, name)."""
    if isinstance(ref, dict):
        namespace, name = ref.get("namespace", "default"), ref.get("name", "")
    else:
        namespace, sep, name = str(ref).rpartition("/")
        namespace = namespace if sep else "default"
    if not name:
        raise AnsibleFilterError("%s: service account %r must be 'namespace/name'" % (where, ref))
    return namespace, name


def _meta(name, namespace=None, labels=None):
    meta = {"name": name, "labels": dict(MANAGED_BY, **(labels or {}))}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _subjects(binding, where):
    subjects = [{"kind": "ServiceAccount", "namespace": ns, "name": name}
                for ns, name in (_account(ref, where) for ref in binding.get("service_accounts", []))]
    subjects += [{"kind": kind, "apiGroup": "rbac.authorization.k8s.io", "name": name}
                 for kind, key in (("User", "users"), ("Group", "groups")) for name in binding.get(key, [])]
    if not subjects:
        raise AnsibleFilterError("%s %s: give service_accounts, users or groups" % (where, binding.get("name")))
    return subjects


def k8s_setup_objects(data, labels=None, resources=True):
    """Namespaces, service accounts, (Cluster)Roles and their bindings, then the inline resources (unless
    ``resources`` is false: they may be custom resources that need their CRDs established first)."""
    data = data or {}
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, labels=labels)}
               for ns in data.get("namespaces", [])]
    for ref in data.get("service_accounts", []):
        namespace, name = _account(ref, "kubernetes.service_accounts")
        objects.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, namespace, labels)})
    rbac = "rbac.authorization.k8s.io/v1"
    for role in data.get("cluster_roles", []):
        objects.append({"apiVersion": rbac, "kind": "ClusterRole", "metadata": _meta(role["name"], labels=labels),
                        "rules": role.get("rules", [])})
    for role in data.get("roles", []):
        objects.append({"apiVersion": rbac, "kind": "Role", "rules": role.get("rules", []),
                        "metadata": _meta(role["name"], role.get("namespace", "default"), labels)})
    for binding in data.get("cluster_role_bindings", []):
        name = binding.get("name") or binding["cluster_role"]
        objects.append({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": _meta(name, labels=labels),
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                    "name": binding["cluster_role"]},
                        "subjects": _subjects(binding, "kubernetes.cluster_role_bindings")})
    for binding in data.get("role_bindings", []):
        kind, ref = ("ClusterRole", binding["cluster_role"]) if binding.get("cluster_role") else ("Role", binding["role"])
        objects.append({"apiVersion": rbac, "kind": "RoleBinding",
                        "metadata": _meta(binding.get("name") or ref, binding.get("namespace", "default"), labels),
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": ref},
                        "subjects": _subjects(binding, "kubernetes.role_bindings")})
    return objects + (list(data.get("resources", [])) if resources else [])


def k8s_token_requests(data):
    """The ``tokens`` entries in the shape kubernaut.testinfra.k8s_tokens takes."""
    requests = []
    for item in (data or {}).get("tokens", []):
        if not item.get("env"):
            raise AnsibleFilterError("kubernetes.tokens: each token needs env (the variable the tests read)")
        namespace, name = _account(item.get("service_account", ""), "kubernetes.tokens")
        requests.append({"env": item["env"], "service_account": name, "namespace": namespace,
                         "audiences": item.get("audiences", []),
                         "expiration_seconds": int(item.get("expiration_seconds", 3600))})
    return requests


class FilterModule(object):
    def filters(self):
        return {"k8s_setup_objects": k8s_setup_objects, "k8s_token_requests": k8s_token_requests}
