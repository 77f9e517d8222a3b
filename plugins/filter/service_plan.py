# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A service run's plan and report: which backends the service and the tags select (service_selection), the
fixed ports to check (backend_port_checks), the ports, timeouts and durations given (backend_input_errors), what provisions it in which order (service_provision,
shared_launch), the backends' results merged (backend_results), the phases (run_phases) and all.yml's table
(services_table). Documentation in the sidecar files of the same names; the logic is in module_utils/plan/."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.lazy_module_utils import module_utils


def service_selection(data):
    return module_utils("plan.selection").select(data)


def backend_port_checks(known, selected, values, isolate=False):
    return module_utils("plan.selection").port_checks(known, selected, values, isolate)


def backend_input_errors(known, selected, values, extra=None):
    return module_utils("plan.inputs").input_errors(known, selected, values, extra)


def service_provision(known, selected, service, cluster_setup, launched=False, check_mode=False, backend_input=None,
                      generic=None):
    return module_utils("plan.provision").provision(known, selected, service, cluster_setup, launched=launched,
                                                    check_mode=check_mode, backend_input=backend_input, generic=generic)


def shared_launch(known, selections):
    return module_utils("plan.provision").shared_launch(known, selections)


def backend_results(results_, order=None, clusters=None):
    return module_utils("plan.results").merge(results_, order, clusters)


def run_phases(marks, ready=0.0, now=None):
    marks = marks or {}
    return module_utils("plan.table").phases(marks.get("started"), marks.get("tests"), marks.get("cleanup"), ready, now)


def services_table(rows, hosts, placed=None):
    return module_utils("plan.table").services_table(rows, hosts, placed)


def service_placement(services, hosts, durations=None):
    return module_utils("plan.table").placement(services, hosts, durations)


def service_durations(rows, previous=None):
    return module_utils("plan.table").durations(rows, previous)


class FilterModule(object):
    """kubernaut.testinfra plan and report filters."""

    def filters(self):
        return {"service_selection": service_selection, "backend_port_checks": backend_port_checks,
                "backend_input_errors": backend_input_errors,
                "service_provision": service_provision, "shared_launch": shared_launch,
                "backend_results": backend_results, "run_phases": run_phases, "services_table": services_table,
                "service_placement": service_placement, "service_durations": service_durations}
