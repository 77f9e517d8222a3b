# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What provisions a service, in order, for the one looped include of playbooks/service.yml.

Every item includes a backend role's contract entry point (``tasks_from: backend``) with the backend's name,
or the orchestrator's cluster setup. A backend that can be launched early (``launch_early``: a control plane)
is launched first and waited for after the others, since it boots while they start; the cluster setup comes
last (in check mode only on a cluster that exists without the run: ``check_mode_setup``). Every item names
its service: Ansible merges equal includes of different hosts that it handles in one batch (IncludedFile
equality), and a host would then get its includes in another host's order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ENTRY_POINT = "backend"


def _item(name, entry, service, wait=True, label=None):
    return dict(role=entry["role"], tasks_from=entry.get("tasks_from") or ENTRY_POINT, name=name, wait=wait,
                label=label or name, service=service)


def _with_input(item, backend_input, generic):
    """The item with the backend contract's input, fixed: a role's variables read it many times, and an input
    templated on every read (a lazy include variable) cost ~1.4 s per run."""
    if backend_input is None:
        return item
    return dict(item, backend=dict(backend_input, name=item["name"], wait=item["wait"],
                                   entry=(generic or {}).get(item["name"], {})))


def provision(known, selected, service, cluster_setup, launched=False, check_mode=False, backend_input=None,
              generic=None):
    """``known``: the registry; ``selected``: the run's backends (service order); ``cluster_setup``: the item
    (role, tasks_from) of the orchestrator's cluster setup; ``launched``: all.yml's first play launched the
    shareable backends already. With ``backend_input`` (the contract's input, the same for every backend) each
    item also holds ``backend``: that input with the backend's name, whether to wait and, for a generic backend,
    its entry of ``generic``."""
    items = []
    early = [name for name in selected if known[name].get("launch_early") and len(selected) > 1 and not launched]
    for name in early:
        items.append(_item(name, known[name], service, wait=False, label="%s (launch)" % name))
    order = [name for name in known if name in selected and not known[name].get("generic")]
    order += [name for name in selected if known[name].get("generic")]
    # clusters after the containers: a control plane launched early is joined last, when it has booted
    order = [name for name in order if not known[name].get("cluster")] + \
        [name for name in order if known[name].get("cluster")]
    for name in order:
        items.append(_item(name, known[name], service))
    on_cluster = [name for name in selected if known[name].get("cluster")]
    if on_cluster and (not check_mode or known[on_cluster[0]].get("check_mode_setup")):
        items.append(dict(cluster_setup, name="", wait=True, label="cluster setup", service=service))
    return [_with_input(item, backend_input, generic) for item in items]


def shared_launch(known, selections):
    """all.yml's first play: the shareable backends any selected service uses, launched once for all of them.

    ``selections``: {service: selected backends}. Returns [{name, services}]."""
    out = []
    for name, entry in known.items():
        if not entry.get("shareable"):
            continue
        services = [service for service, selected in (selections or {}).items() if name in selected]
        if services:
            out.append(dict(name=name, role=entry["role"], tasks_from=entry.get("tasks_from") or ENTRY_POINT,
                            services=services))
    return out
