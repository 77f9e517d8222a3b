"""generic_backend.ready: an entry's readiness probe, checked and completed with its defaults."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.ready import PROBES, parse_ready

WHERE = "testinfra_backends.x"


def test_defaults_to_tcp_on_the_first_port():
    spec, errors = parse_ready(None, [6379, 16379], WHERE)
    assert errors == [] and spec["probe"] == "tcp" and spec["port"] == 6379 and spec["timeout"] == 60


def test_a_probe_name_is_enough():
    spec, errors = parse_ready("redis", [6379], WHERE)
    assert errors == [] and (spec["probe"], spec["port"]) == ("redis", 6379)


@pytest.mark.parametrize("ready,expected", [
    ({"probe": "http", "path": "/healthz", "status": 204, "port": 8080, "timeout": 5},
     {"probe": "http", "path": "/healthz", "status": 204, "port": 8080, "timeout": 5.0}),
    ({"probe": "exec", "command": "pg_isready -U postgres"}, {"command": ["pg_isready", "-U", "postgres"], "port": 0}),
    ({"probe": "exec", "command": ["valkey-cli", "ping"]}, {"command": ["valkey-cli", "ping"]}),
    ({"probe": "log", "pattern": "Ready to accept"}, {"pattern": "Ready to accept"}),
    ({"probe": "sql", "timeout": "30"}, {"port": 5432, "timeout": 30.0}),
])
def test_probe_specs(ready, expected):
    spec, errors = parse_ready(ready, [5432, 8080], WHERE)
    assert errors == []
    assert dict((key, spec[key]) for key in expected) == expected


@pytest.mark.parametrize("ready,ports,message", [
    ({"probe": "smoke"}, [80], "testinfra_backends.x.ready.probe 'smoke' is not a probe: use one of "
                               + ", ".join(PROBES)),
    ({"timeout": 5}, [80], "testinfra_backends.x.ready.probe is missing is not a probe"),
    (None, [], "testinfra_backends.x.ready is missing and the entry publishes no port to probe"),
    ({"probe": "tcp", "port": 81}, [80], "testinfra_backends.x.ready.port 81 is not one of the entry's ports (80)"),
    ({"probe": "sql"}, [], "the sql probe needs a port and the entry publishes none"),
    ({"probe": "http", "path": "healthz"}, [80], "ready.path 'healthz' is not an absolute URL path"),
    ({"probe": "http", "status": 999}, [80], "ready.status 999 is not an HTTP status"),
    ({"probe": "exec"}, [80], "ready.command is missing or not a command"),
    ({"probe": "log"}, [80], "ready.pattern is missing"),
    ({"probe": "log", "pattern": "(unclosed"}, [80], "ready.pattern '(unclosed' is not a regular expression"),
    ({"probe": "tcp", "timeout": "soon"}, [80], "ready.timeout 'soon' is not a number of seconds"),
    ({"probe": "tcp", "timeout": 0}, [80], "ready.timeout 0 is not a number of seconds"),
    ({"probe": "tcp", "path": "/"}, [80], "ready.path does not apply to the tcp probe (it takes port)"),
    ({"probe": "tcp", "retries": 3}, [80], "ready.retries is not a field of ready"),
    (["tcp"], [80], "ready must be a probe name or a dict"),
])
def test_bad_specs_name_the_field_and_the_fix(ready, ports, message):
    dummy, errors = parse_ready(ready, ports, WHERE)
    assert len(errors) == 1 and message in errors[0], errors
