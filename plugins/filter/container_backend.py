# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Generic container backends (role ``container``): container_backend_plan checks an entry of testinfra_backends
and says what to start; container_backend_result is the role's testinfra_backend_result. Documentation in
container_backend_plan.yml and container_backend_result.yml; the logic is in module_utils/generic_backend/entry.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.lazy_module_utils import module_utils


def container_backend_plan(backend, recipes=None):
    return module_utils("generic_backend.entry").plan(backend, recipes)


def container_backend_errors(backends, names, service="", isolate=False, keep=False):
    """The messages of every bad entry among ``names`` (entries of ``backends``), checked before a run starts
    anything, so that a bad generic entry leaves nothing behind even when other backends start first."""
    entry = module_utils("generic_backend.entry")
    errors = []
    for name in names or []:
        errors += entry.plan(dict(name=name, service=service, run_id="check", run_dir="/nonexistent", labels={},
                                  isolate=isolate, keep=keep, expire_seconds=0, secret="",
                                  entry=(backends or {}).get(name)))["errors"]
    return errors


def container_backend_result(plan, password="", image=None, started=None, kept=None, ready=None):
    return module_utils("generic_backend.entry").result(plan, password, image=image, started=started, kept=kept,
                                                        ready=ready)


class FilterModule(object):
    """kubernaut.testinfra generic container backend filters."""

    def filters(self):
        return {"container_backend_plan": container_backend_plan, "container_backend_result": container_backend_result,
                "container_backend_errors": container_backend_errors}
