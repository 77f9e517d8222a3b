"""Quality gates on the roles: argument specs match defaults, variables carry the role prefix."""

import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "roles", "*", "defaults")))


def load(role, *path):
    with open(os.path.join(ROOT, "roles", role, *path)) as handle:
        return yaml.safe_load(handle) or {}


CONTRACT_INPUT = "testinfra_backend"  # a backend role's input from the orchestrator: required, no default


def spec_options(role):
    options = {}
    for entry in load(role, "meta", "argument_specs.yml")["argument_specs"].values():
        options.update(entry.get("options") or {})
    options.pop(CONTRACT_INPUT, None)
    return options


def test_every_role_is_checked():
    assert set(ROLES) >= {"pgvector", "redis", "testinfra", "prepare_host"}


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_cover_exactly_the_defaults(role):
    assert set(spec_options(role)) == set(load(role, "defaults", "main.yml"))


@pytest.mark.parametrize("role", ROLES)
def test_spec_defaults_equal_role_defaults(role):
    defaults = load(role, "defaults", "main.yml")
    for name, spec in spec_options(role).items():
        if "default" in spec:
            assert spec["default"] == defaults[name], name


@pytest.mark.parametrize("role", ROLES)
def test_public_variables_carry_the_role_prefix(role):
    for name in load(role, "defaults", "main.yml"):
        assert name.startswith(role + "_"), name
    vars_file = os.path.join(ROOT, "roles", role, "vars", "main.yml")
    for name in (load(role, "vars", "main.yml") if os.path.exists(vars_file) else {}):
        assert name.startswith("_" + role + "_"), name


@pytest.mark.parametrize("role", ROLES)
def test_secrets_are_no_log_in_specs(role):
    for name, spec in spec_options(role).items():
        if "password" in name:
            assert spec.get("no_log") is True, name


def task_names(node):
    """Every task name in a tasks file's data, blocks included."""
    for task in node if isinstance(node, list) else []:
        if isinstance(task, dict):
            if "name" in task:
                yield task["name"]
            for key in ("block", "rescue", "always"):
                yield from task_names(task.get(key))


# all.yml runs these roles for every service host under the free strategy, which templates a task's name once, with
# the first host's variables, and shows that name above the results of every host ("Run go test for ai" over
# gateway's result).
@pytest.mark.parametrize("role", ["testinfra", "pgvector", "redis", "kind", "envtest", "container"])
def test_task_names_of_the_service_roles_are_not_templated(role):
    templated = []
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", role, "tasks", "*.yml"))):
        with open(path) as handle:
            templated += ["%s: %s" % (os.path.basename(path), name)
                          for name in task_names(yaml.safe_load(handle)) if "{{" in str(name)]
    assert templated == []
