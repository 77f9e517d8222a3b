"""module_utils/plan/inputs: ports, timeouts and durations checked before anything starts, with the registry the
orchestrating role ships; each message names the variable and the fix."""

import os

import pytest
import yaml

from ansible_collections.kubernaut.testinfra.plugins.module_utils.plan import inputs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))
with open(os.path.join(ROOT, "roles", "testinfra", "vars", "main.yml")) as handle:
    REGISTRY = yaml.safe_load(handle)["_testinfra_registry"]


def test_the_registry_declares_the_roles_ports_and_timeouts():
    names = inputs.input_variables(REGISTRY)
    for name in ("pgvector_port", "pgvector_ready_timeout", "redis_port", "redis_ready_timeout", "kind_wait",
                 "envtest_ready_timeout", "envtest_api_server_port"):
        assert name in names
    for entry in REGISTRY.values():
        kinds = [kind for kind in (entry.get("inputs") or {}).values() if not isinstance(kind, list)]
        assert set(kinds) <= set(inputs.KINDS)


def test_declared_choices_are_the_roles_argument_spec_choices():
    for entry in REGISTRY.values():
        with open(os.path.join(ROOT, "roles", entry["role"], "meta", "argument_specs.yml")) as handle:
            options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
        for name, kind in (entry.get("inputs") or {}).items():
            if isinstance(kind, list):
                assert kind == options[name]["choices"], name


def test_every_declared_variable_is_a_default_of_its_role():
    for entry in REGISTRY.values():
        if not entry.get("inputs"):
            continue
        with open(os.path.join(ROOT, "roles", entry["role"], "defaults", "main.yml")) as handle:
            defaults = yaml.safe_load(handle)
        for name in entry["inputs"]:
            assert name in defaults, name


@pytest.mark.parametrize("variable, value, expected", [
    ("pgvector_port", "99999", "pgvector_port=99999 is not a port: set -e pgvector_port to a port from 1 to 65535, "
                               "or 0 for a free one"),
    ("pgvector_port", "-1", "pgvector_port=-1 is not a port"),
    ("redis_port", "63.5", "redis_port=63.5 is not a port"),
    ("redis_port", "six", "redis_port=six is not a port"),
    ("pgvector_ready_timeout", "-5", "pgvector_ready_timeout=-5 is not a positive number of seconds: set -e "
                                     "pgvector_ready_timeout to, for example, 60"),
    ("redis_ready_timeout", "0", "redis_ready_timeout=0 is not a positive number of seconds"),
    ("kind_wait", "soon", "kind_wait=soon is not a positive duration: set -e kind_wait to a Go duration such as 90s"),
    ("kind_wait", "-2m", "kind_wait=-2m is not a positive duration"),
    ("kind_wait", "0s", "kind_wait=0s is not a positive duration"),
    ("kind_node_image_source", "bogus", "kind_node_image_source=bogus is not one of auto, registry, local: set -e "
                                        "kind_node_image_source to one of them"),
])
def test_bad_values_are_named(variable, value, expected):
    sel = ["pgvector", "redis", "kind"]
    errors = inputs.input_errors(REGISTRY, sel, {variable: value})
    assert len(errors) == 1 and errors[0].startswith(expected), errors


@pytest.mark.parametrize("variable, value", [
    ("pgvector_port", "0"), ("pgvector_port", 5432), ("pgvector_port", "65535"), ("pgvector_ready_timeout", "2.5"),
    ("kind_wait", "2m"), ("kind_wait", "1h30m"), ("kind_wait", "90s"), ("pgvector_port", ""),
    ("kind_node_image_source", "local"),
    ("pgvector_port", None),
])
def test_good_or_unset_values_pass(variable, value):
    assert inputs.input_errors(REGISTRY, ["pgvector", "kind"], {variable: value}) == []


def test_only_selected_backends_and_extra_are_checked():
    values = {"redis_port": "99999", "testinfra_expire_seconds": "-1"}
    assert inputs.input_errors(REGISTRY, ["pgvector"], values) == []
    errors = inputs.input_errors(REGISTRY, ["pgvector"], values, {"testinfra_expire_seconds": "seconds"})
    assert errors == ["testinfra_expire_seconds=-1 is not a positive number of seconds: set -e "
                      "testinfra_expire_seconds to, for example, 60"]
    assert len(inputs.input_errors(REGISTRY, ["redis", "pgvector"], values)) == 1


def test_an_unknown_kind_is_a_bug():
    with pytest.raises(ValueError):
        inputs.input_error("x", "colour", "1")
