# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A service run's plan and report: which backends the service and the tags select (service_selection), the
fixed ports to check (backend_port_checks), the ports, timeouts and durations given (backend_input_errors), what provisions it in which order (service_provision,
shared_launch), the backends' results merged (backend_results), the phases (run_phases) and all.yml's table
(services_table). Documentation in the sidecar files of the same names; the logic is in module_utils/plan/."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

# Imported on first use, not with this file: to find one filter of the collection, Ansible imports every filter
# file in every worker process that templates one (plugins/loader.py, Jinja2Loader).
class _Plan(object):
    """module_utils/plan/<name>.py as an attribute, imported when first read."""

    def __getattr__(self, name):
        return importlib.import_module("ansible_collections.kubernaut.testinfra.plugins.module_utils.plan." + name)


_plan = _Plan()


def service_selection(data):
    return _plan.selection.select(data)


def backend_port_checks(known, selected, values, isolate=False):
    return _plan.selection.port_checks(known, selected, values, isolate)


def backend_input_errors(known, selected, values, extra=None):
    return _plan.inputs.input_errors(known, selected, values, extra)


def service_provision(known, selected, service, cluster_setup, launched=False, check_mode=False, backend_input=None,
                      generic=None):
    return _plan.provision.provision(known, selected, service, cluster_setup, launched=launched, check_mode=check_mode,
                               backend_input=backend_input, generic=generic)


def shared_launch(known, selections):
    return _plan.provision.shared_launch(known, selections)


def backend_results(results_, order=None, clusters=None):
    return _plan.results.merge(results_, order, clusters)


def run_phases(marks, ready=0.0, now=None):
    marks = marks or {}
    return _plan.table.phases(marks.get("started"), marks.get("tests"), marks.get("cleanup"), ready, now)


def services_table(rows, hosts, placed=None):
    return _plan.table.services_table(rows, hosts, placed)


def service_placement(services, hosts, durations=None):
    return _plan.table.placement(services, hosts, durations)


def service_durations(rows, previous=None):
    return _plan.table.durations(rows, previous)


class FilterModule(object):
    """kubernaut.testinfra plan and report filters."""

    def filters(self):
        return {"service_selection": service_selection, "backend_port_checks": backend_port_checks,
                "backend_input_errors": backend_input_errors,
                "service_provision": service_provision, "shared_launch": shared_launch,
                "backend_results": backend_results, "run_phases": run_phases, "services_table": services_table,
                "service_placement": service_placement, "service_durations": service_durations}
