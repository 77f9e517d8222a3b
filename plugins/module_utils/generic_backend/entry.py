# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A generic container backend (role ``container``): an entry of ``testinfra_backends`` checked and turned
into what the role's tasks need (``plan``), and the role's result for the orchestrator (``result``), with the
variables the tests get rendered from the entry's ``exports``.

Both are pure functions over dicts, used through the filters ``container_backend_plan`` and
``container_backend_result``. A plan never holds a password: the secret of a run and the entry's fixed password
stay in the role's variables, and the result (which holds them) is set with no_log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex

try:  # Python 3
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.ready import ANSWERS, parse_ready
from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.templates import (
    EXPORT_FIELDS, START_FIELDS, TemplateError, check_template, render_template)

# The fields of an entry, in the order the documentation lists them.
ENTRY_FIELDS = ("description", "image", "ports", "host_port", "bind_address", "network", "listen", "env", "command",
                "tmpfs", "secret", "secret_arg", "user", "password", "database", "ready", "exports")
NETWORKS = ("host", "default")
COLLECTION_LABEL = "io.kubernaut.testinfra.collection"
BACKEND_LABEL = "io.kubernaut.testinfra.backend"
OWNER_LABEL = "io.kubernaut.testinfra.owner"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PORT_SPEC = re.compile(r"^\s*(?:(\d+):)?(\d+)(?:/tcp)?\s*$")
NOT_YET = "is not known before the container starts: use it in exports"
NOT_IN_ARGUMENTS = ("cannot go into the container's env or command, which Podman and Ansible show: name the container "
                    "variable that takes it in secret (or the flag in secret_arg)")
WILDCARDS = ("0.0.0.0", "::", "")


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _scalar(value):
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def normalize_image(ref):
    """The fully qualified form of an image reference, as Podman writes it: postgres:16 ->
    docker.io/library/postgres:16; a reference without tag gets :latest."""
    ref = str(ref or "").strip()
    if not ref:
        return ref
    first, sep, dummy = ref.partition("/")
    if not sep or ("." not in first and ":" not in first and first != "localhost"):
        ref = "docker.io/" + ("library/" + ref if not sep else ref)
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        ref += ":latest"
    return ref


def _ports(entry, where, errors):
    """(container ports, {container port: host port pinned or None})."""
    ports = entry.get("ports")
    if ports is None or ports == "":
        ports = []
    if not isinstance(ports, list):
        ports = [ports]
    found, pins = [], {}
    for spec in ports:
        match = _PORT_SPEC.match(str(spec)) if _scalar(spec) else None
        container = int(match.group(2)) if match else 0
        host = int(match.group(1)) if match and match.group(1) is not None else None
        if not match or not 1 <= container <= 65535 or (host is not None and host > 65535):
            errors.append("%s.ports: %r is not a port: give container ports such as 5432, or host:container such as "
                          "'15432:5432' to pin the host port" % (where, spec))
            continue
        if container in found:
            errors.append("%s.ports lists port %d twice: list each container port once" % (where, container))
            continue
        found.append(container)
        pins[container] = host
    host_port = entry.get("host_port")
    if host_port is not None and host_port != "":
        if not found:
            errors.append("%s.host_port is set but the entry lists no ports: add the container port to ports" % where)
        elif not (_scalar(host_port) and str(host_port).strip().isdigit() and int(host_port) <= 65535):
            errors.append("%s.host_port %r is not a port number: e.g. host_port: 15432 (0: a free port)"
                          % (where, host_port))
        elif pins[found[0]] is not None:
            errors.append("%s.host_port and %s.ports both pin the host port of %d: give it once"
                          % (where, where, found[0]))
        else:
            pins[found[0]] = int(host_port)
    return found, pins


def _template(value, where, errors, allowed, ports=(), forbidden=None):
    try:
        check_template(value, allowed, ports, forbidden)
        return True
    except TemplateError as exc:
        errors.append("%s: %s" % (where, exc))
        return False


def _start_forbidden():
    forbidden = dict((field, NOT_YET) for field in ("host", "port", "ports"))
    forbidden["password"] = NOT_IN_ARGUMENTS
    return forbidden


def _env(entry, where, errors, values):
    env = entry.get("env") or {}
    if not isinstance(env, dict):
        errors.append("%s.env must be a dict of container variables, e.g. {POSTGRES_DB: app}" % where)
        return {}
    rendered = {}
    for key, value in sorted(env.items(), key=lambda item: str(item[0])):
        if not ENV_NAME.match(str(key)):
            errors.append("%s.env: %r is not a variable name: use letters, digits and '_'" % (where, key))
        elif value is not None and not _scalar(value) and not isinstance(value, bool):
            errors.append("%s.env.%s must be a string, not %s" % (where, key, type(value).__name__))
        else:
            text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            if _template(text, "%s.env.%s" % (where, key), errors, START_FIELDS, forbidden=_start_forbidden()):
                rendered[str(key)] = render_template(text, values)
    return rendered


def _command(entry, where, errors, values):
    command = entry.get("command")
    if command is None or command == "":
        return []
    if isinstance(command, str):
        command = shlex.split(command)
    if not isinstance(command, list) or not all(_scalar(part) for part in command):
        errors.append("%s.command must be a list of arguments, e.g. [postgres, -c, fsync=off]" % where)
        return []
    rendered = []
    for index, part in enumerate(command):
        if _template(str(part), "%s.command[%d]" % (where, index), errors, START_FIELDS, forbidden=_start_forbidden()):
            rendered.append(render_template(str(part), values))
    return rendered


def _listen(entry, where, errors, values, ports, network):
    """The arguments of ``listen``, for backend_container's listen_args: ${address}, ${port} and ${ports.<p>} become
    the {address}, {port} and {ports.<p>} it fills in once it has the host port."""
    listen = entry.get("listen")
    if listen is None or listen == "":
        listen = []
    if isinstance(listen, str):
        listen = shlex.split(listen)
    if not isinstance(listen, list) or not all(_scalar(part) for part in listen):
        errors.append("%s.listen must be a list of arguments, e.g. [--port, '${port}', --bind, '${address}']" % where)
        return []
    if network == "host" and not listen:
        errors.append("%s.network is host but listen is empty: give the arguments that tell the server its address and "
                      "port, e.g. listen: [--port, '${port}', --bind, '${address}'], or set network: default" % where)
    forbidden = {"host": "is the address tests connect to: the server listens on ${address}",
                 "password": NOT_IN_ARGUMENTS}
    placeholders = dict(values, address="{address}", port="{port}")
    placeholders.update(("ports.%d" % port, "{ports.%d}" % port) for port in ports)
    rendered = []
    for index, part in enumerate(listen):
        if _template(str(part), "%s.listen[%d]" % (where, index), errors,
                     START_FIELDS + ("address", "port", "ports"), ports, forbidden):
            rendered.append(render_template(str(part), placeholders))
    return rendered


def _tmpfs(entry, where, errors):
    tmpfs = entry.get("tmpfs") or {}
    if isinstance(tmpfs, list):
        tmpfs = dict((path, "") for path in tmpfs)
    if not isinstance(tmpfs, dict):
        errors.append("%s.tmpfs must map container paths to mount options, e.g. {/data: rw}" % where)
        return {}
    for path, options in tmpfs.items():
        if not isinstance(path, str) or not path.startswith("/") or not (options is None or isinstance(options, str)):
            errors.append("%s.tmpfs: %r: %r is not an absolute path with mount options, e.g. {/data: 'rw,mode=0700'}"
                          % (where, path, options))
    return dict((str(path), options or "") for path, options in tmpfs.items())


def _text(entry, key, where, errors, default=""):
    value = entry.get(key, default)
    if value is None:
        return default
    if not _scalar(value):
        errors.append("%s.%s must be a string, not %s" % (where, key, type(value).__name__))
        return default
    return str(value)


def plan(backend, recipes=None):
    """What the role ``container`` does for ``backend`` (the orchestrator's ``testinfra_backend``): a dict with
    ``errors`` (one message per problem, naming the field and the fix; nothing may be started unless it is empty)
    and the container's name, image, publications, env, command, tmpfs, probe and export templates.

    ``recipes`` maps upstream images (fully qualified) to the name of the local image recipe that stands in for
    them when no registry answers (the role's shipped entries)."""
    errors = []
    backend = backend if isinstance(backend, dict) else {}
    if not backend:
        errors.append("testinfra_backend must be a dict with name, service, run_id, run_dir, labels, isolate, keep, "
                      "expire_seconds, secret and entry (the role is called by the testinfra orchestrator)")
    name = str(backend.get("name") or "")
    where = "testinfra_backends.%s" % (name or "<unnamed>")
    if backend and not NAME.match(name):
        errors.append("testinfra_backend.name %r cannot name a container: use letters, digits, '_', '.' and '-'"
                      % name)
    entry = backend.get("entry")
    if backend and not isinstance(entry, dict):
        errors.append("%s: no such backend: add an entry to testinfra_backends (image, ports, ready, exports), or "
                      "list a backend that has one" % where)
    entry = entry if isinstance(entry, dict) else {}
    unknown = sorted(str(key) for key in entry if key not in ENTRY_FIELDS)
    if unknown:
        errors.append("%s.%s is not a field of a backend entry: the fields are %s"
                      % (where, unknown[0], ", ".join(ENTRY_FIELDS)))

    isolate, keep = _bool(backend.get("isolate")), _bool(backend.get("keep"))
    service = str(backend.get("service") or "")
    labels = dict((str(k), str(v)) for k, v in (backend.get("labels") or {}).items()) \
        if isinstance(backend.get("labels"), dict) else {}
    suffix = ""
    if isolate:
        suffix = "-" + (labels.get(OWNER_LABEL) or "owner" if keep else str(backend.get("run_id") or "run"))
    container = "%s%s%s" % (service + "-" if service else "", name, suffix)

    image = entry.get("image")
    if backend and entry and (not image or not isinstance(image, str)):
        errors.append("%s.image is missing: set it to the image to run, e.g. image: docker.io/library/postgres:16"
                      % where)
        image = ""
    image = str(image or "").strip()
    recipe = (recipes or {}).get(normalize_image(image), "") if image else ""

    before = len(errors)
    ports, pins = _ports(entry, where, errors)
    ports_ok = len(errors) == before
    bind = _text(entry, "bind_address", where, errors, "127.0.0.1").strip()
    host_ip = "[%s]" % bind if ":" in bind else bind
    publish = []
    for port in ports:
        pinned = pins.get(port)
        host_port = "" if isolate or pinned == 0 else str(port if pinned is None else pinned)
        publish.append("%s:%s:%d" % (host_ip, host_port, port))

    user = _text(entry, "user", where, errors)
    database = _text(entry, "database", where, errors)
    _text(entry, "password", where, errors)  # checked, never in the plan
    secret = _text(entry, "secret", where, errors)
    if secret and not ENV_NAME.match(secret):
        errors.append("%s.secret %r is not a variable name: name the container variable that takes the password, "
                      "e.g. secret: POSTGRES_PASSWORD" % (where, secret))
    secret_arg = _text(entry, "secret_arg", where, errors)
    if secret_arg and not secret_arg.startswith("-"):
        errors.append("%s.secret_arg %r is not a flag: name the server flag that takes the password, e.g. "
                      "secret_arg: --requirepass" % (where, secret_arg))

    start_values = dict(user=user, database=database, name=name, container=container)
    env = _env(entry, where, errors, start_values)
    command = _command(entry, where, errors, start_values)
    tmpfs = _tmpfs(entry, where, errors)
    network = _text(entry, "network", where, errors, "default").strip() or "default"
    if network not in NETWORKS:
        errors.append("%s.network %r is not one of %s: host shares the host's network (the server listens on the host "
                      "port itself, as listen tells it), default is Podman's network with the ports published"
                      % (where, network, ", ".join(NETWORKS)))
    if network == "host" and ports_ok and not ports:
        errors.append("%s.network is host but the entry lists no ports: add the container port to ports" % where)
    listen = _listen(entry, where, errors, start_values, ports if ports_ok else [], network)

    ready, ready_errors = parse_ready(entry.get("ready"), ports, where, ports_ok) if entry else (
        parse_ready("tcp", [0], where)[0], [])
    errors += ready_errors
    if ready["probe"] == "sql" and not user:
        errors.append("%s.user is missing: the sql probe logs in as the entry's user, e.g. user: postgres" % where)

    exports = entry.get("exports") or {}
    if not isinstance(exports, dict):
        errors.append("%s.exports must map variable names to templates, e.g. {REDIS_ADDR: '${host}:${port}'}" % where)
        exports = {}
    checked = {}
    for key, value in sorted(exports.items(), key=lambda item: str(item[0])):
        if not ENV_NAME.match(str(key)):
            errors.append("%s.exports: %r is not a variable name: use letters, digits and '_'" % (where, key))
        elif not _scalar(value):
            errors.append("%s.exports.%s must be a template string such as '${host}:${port}', not %s"
                          % (where, key, type(value).__name__))
        elif _template(str(value), "%s.exports.%s" % (where, key), errors, EXPORT_FIELDS + ("ports",), ports):
            checked[str(key)] = str(value)

    run_dir = str(backend.get("secrets_dir") or backend.get("run_dir") or "")  # where its password file goes
    return dict(
        errors=errors,
        name=name,
        service=service,
        description=_text(entry, "description", where, []),
        container=container,
        image=image,
        # What local_image pulls: the shipped upstream images fully qualified (no short-name prompt), others as named.
        upstream=normalize_image(image) if recipe else image,
        image_name=image.partition("@")[0],
        images=sorted(set([image, normalize_image(image)])) if image else [],
        recipe=recipe,
        bind_address=bind,
        client_host="127.0.0.1" if bind in WILDCARDS else bind,
        ports=ports,
        publish=publish,
        network=network,
        listen=listen if network == "host" else [],
        env=env,
        command=command,
        tmpfs=tmpfs,
        secret=secret,
        secret_arg=secret_arg,
        takes_secret=bool(secret or secret_arg),
        user=user,
        database=database,
        ready=ready,
        exports=checked,
        labels=dict(labels, **{COLLECTION_LABEL: "kubernaut.testinfra", BACKEND_LABEL: name}),
        expire_seconds=_int(backend.get("expire_seconds"), 7200),
        isolate=isolate,
        keep=keep,
        env_file=(run_dir.rstrip("/") + "/" + name + ".env") if run_dir else "secrets/%s.env" % container,
        where=where,
        port_variable="%s.host_port" % where,
        timeout_variable="%s.ready.timeout" % where,
    )


def exports(plan_, ports, password):
    """The variables for the tests: ``plan_``'s export templates rendered with the host ports Podman published
    (``ports``: {'5432/tcp': 41234}) and the password."""
    values = dict(host=plan_["client_host"], user=plan_["user"], database=plan_["database"], name=plan_["name"],
                  container=plan_["container"], password=password or "")
    for index, port in enumerate(plan_["ports"]):
        host_port = (ports or {}).get("%d/tcp" % port)
        values["ports.%d" % port] = "" if host_port is None else str(host_port)
        if index == 0:
            values["port"] = values["ports.%d" % port]
    values.setdefault("port", "")
    return dict((key, render_template(value, values)) for key, value in plan_["exports"].items())


def _done(task):
    """A registered task result that ran (not skipped, not absent)."""
    return isinstance(task, dict) and bool(task) and not task.get("skipped")


def result(plan_, password="", image=None, started=None, kept=None, ready=None):
    """``testinfra_backend_result``: what the orchestrator reads back from the role (see the role's README
    section); before the container is ready (nothing given but the plan), the result names what will be started
    and the password to redact, so that a failure later still tells the orchestrator what to remove and save."""
    kept = kept if _done(kept) else {}
    reused = bool(kept.get("reused"))
    password = (kept.get("password") or password) if reused else password
    password = "" if password is None else str(password)
    ok = not plan_["errors"]
    ready_done = reused or _done(ready)
    source = kept if reused else (ready if _done(ready) else {})
    ports = kept.get("ports") if reused else (started or {}).get("ports") if _done(started) else {}
    containers = [plan_["container"]] if ok else []
    secrets = []
    for value in (password, quote(password, safe="")):
        if value and value not in secrets:
            secrets.append(value)
    image_ref = kept.get("image", "") if reused else (image or {}).get("ref", "") if _done(image) else ""
    versions = {}
    if image_ref:
        versions["image"] = image_ref
    if source.get("server_version"):
        versions["server_version"] = source["server_version"]
    seconds = float(source.get("ready_seconds") or 0.0)
    return dict(
        name=plan_["name"],
        env=exports(plan_, ports, password) if ok and ready_done else {},
        secrets=secrets,
        resources=dict(containers=containers),
        held=containers,
        logs=[dict(name=plan_["name"], container=plan_["container"])] if ok else [],
        ready_seconds=seconds,
        versions=versions,
        summary=summary(plan_, image if _done(image) else {}, source, reused) if ok and ready_done else "",
        reused=reused,
        kept=plan_["keep"],
    )


PRODUCTS = {"sql": "PostgreSQL "}


def summary(plan_, image, ready, reused):
    """One line for the report: what runs, from which image (saying so when a local build stood in for the
    upstream image), and how fast it answered."""
    version = ready.get("server_version") or ""
    if version:
        version = PRODUCTS.get(plan_["ready"]["probe"], "") + version
    if reused:
        return "%s: kept container %s reused%s" % (plan_["name"], plan_["container"],
                                                   (" (%s)" % version) if version else "")
    ref = image.get("ref") or plan_["image"]
    line = "%s: %s%s" % (plan_["name"], (version + " in ") if version else "", ref)
    if image.get("source_used") == "local" and ref != plan_["image"]:
        why = "no registry answered" if image.get("upstream_error") else "container_image_source=local"
        line += ", built locally from Debian packages instead of %s (%s)" % (plan_["image"], why)
    answer = ANSWERS.get(plan_["ready"]["probe"], "")
    return "%s; answered %s %.2f s after start" % (line, answer, float(ready.get("ready_seconds") or 0))
