# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which backends a service run uses: the service's backends (``cluster`` standing for the run's cluster
backend), those the tags select, the tags that name nothing, and the port checks of fixed ports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.kubernaut.testinfra.plugins.module_utils.plan import inputs

ANSIBLE_TAGS = ("all", "always", "never", "tagged", "untagged")
CLUSTER_WORD = "cluster"  # in a service's backends: the cluster backend this run uses


def registry(builtin, generic):
    """The registry of every known backend: the built-in entries (their roles), then the generic container
    entries, each run by the built-in entry marked ``generic`` (a name of a built-in backend is not a generic one)."""
    builtin = dict(builtin or {})
    runner = [name for name, entry in builtin.items() if entry.get("generic")]
    known = dict((name, entry) for name, entry in builtin.items() if not entry.get("generic"))
    if runner:
        template = builtin[runner[0]]
        for name in generic or {}:
            if name not in known:
                known[name] = dict(template, generic=True)
    return known


def clusters(known):
    return [name for name, entry in known.items() if entry.get("cluster")]


def cluster_of(known, requested, run_tags, service_entry):
    """The cluster backend of the run: asked for with -e testinfra_cluster, or named by a tag, or the service's
    own, or the registry's default."""
    names = clusters(known)
    if requested:
        return requested
    tagged = [tag for tag in run_tags or [] if tag in names]
    if tagged:
        return tagged[0]
    if (service_entry or {}).get("cluster"):
        return service_entry["cluster"]
    defaults = [name for name in names if known[name].get("default_cluster")]
    return defaults[0] if defaults else (names[0] if names else "")


def service_backends(service_entry, extra, cluster):
    out = []
    for name in list((service_entry or {}).get("backends") or []) + list(extra or []):
        name = cluster if name == CLUSTER_WORD else name
        if name not in out:
            out.append(name)
    return out


def tag_selection(backends, service, run_tags, skip_tags):
    """A service runs when no tag is given (all), when its name is a tag, or when a tag names one of its
    backends; it then gets all of its backends (its tests need them all). A skipped backend tag skips it."""
    run_tags, skip_tags = list(run_tags or []), list(skip_tags or [])
    chosen = "all" in run_tags or service in run_tags or any(tag in backends for tag in run_tags)
    skipped = any(tag in backends + [service] for tag in skip_tags)
    return list(backends) if chosen and not skipped else []


def unknown_tags(run_tags, skip_tags, services, known, extra):
    valid = set(services or []) | set(known or []) | set(extra or []) | set(ANSIBLE_TAGS)
    out = []
    for tag in list(run_tags or []) + list(skip_tags or []):
        if tag not in valid and tag not in out:
            out.append(tag)
    return out


def select(data):
    """Everything resolve.yml needs to know about the run's backends, from one call.

    ``data``: builtin (the registry's built-in entries), generic (generic entries by name), service (its name),
    services (known service names), service_entry, extra_backends, cluster (requested), run_tags, skip_tags;
    for all.yml also all_services, entries (every service's entry) and overrides (merged over each)."""
    known = registry(data.get("builtin"), data.get("generic"))
    cluster = cluster_of(known, data.get("cluster") or "", data.get("run_tags"), data.get("service_entry"))
    backends = service_backends(data.get("service_entry"), data.get("extra_backends"), cluster)
    selected = tag_selection(backends, data.get("service") or "", data.get("run_tags"), data.get("skip_tags"))
    names = clusters(known)
    errors = []
    if cluster not in names:
        errors.append("Unknown cluster backend %s: use -e testinfra_cluster=%s" % (_quote(cluster), _either(names)))
    unknown = [name for name in backends if name not in known]
    if unknown and not errors:
        errors.append("Unknown backend(s) %s for service %s: use any of %s" % (
            ", ".join(unknown), data.get("service") or "", ", ".join(known)))
    return dict(
        known=list(known),
        clusters=names,
        cluster=cluster,
        backends=backends,
        selected=selected,
        on_cluster=any(name in names for name in selected),
        generic=[name for name in selected if known.get(name, {}).get("generic")],
        generic_entries=dict((name, (data.get("generic") or {})[name]) for name in selected
                             if known.get(name, {}).get("generic")),
        podman=any(known.get(name, {}).get("podman") for name in selected),
        shared=[name for name in selected if known.get(name, {}).get("shareable")],
        unknown_tags=unknown_tags(data.get("run_tags"), data.get("skip_tags"), data.get("services"), known,
                                  data.get("extra_backends")),
        valid_tags=sorted(set(list(data.get("services") or []) + list(known))),
        errors=errors,
        registry=known,
        port_variables=port_variables(known),
        input_variables=inputs.input_variables(known),
        selections=dict((name, selections_of(known, data, name)) for name in data.get("all_services") or []),
    )


def selections_of(known, data, service):
    """What the tags select of another service (all.yml: each service's backends before they run)."""
    entry = dict((data.get("entries") or {}).get(service) or {})
    entry.update(data.get("overrides") or {})
    cluster = cluster_of(known, data.get("cluster") or "", data.get("run_tags"), entry)
    return tag_selection(service_backends(entry, data.get("extra_backends"), cluster), service,
                         data.get("run_tags"), data.get("skip_tags"))


def port_variables(known):
    """The variables that set the fixed ports of the registry's backends and their addresses."""
    out = []
    for entry in known.values():
        port = entry.get("port") or {}
        out += [port[key] for key in ("variable", "address") if port.get(key) and port[key] not in out]
    return out


def port_checks(known, selected, values, isolate):
    """The fixed host ports the selected backends will publish, for preflight to check before anything starts.

    ``values``: {variable: value} of the port and address variables the user set ('' when not set)."""
    checks = []
    for name in selected:
        port = (known.get(name) or {}).get("port")
        if not port:
            continue
        given = (values or {}).get(port["variable"], "")
        value = given if given not in ("", None) else (0 if isolate else port["fixed"])
        address = (values or {}).get(port.get("address", ""), "") or "127.0.0.1"
        checks.append(dict(backend=name, host=address, port=value, variable=port["variable"]))
    return checks


def _quote(text):
    return '"%s"' % text


def _either(names):
    names = list(names)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)
