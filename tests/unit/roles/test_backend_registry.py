"""One registry of backends: the orchestrator (playbooks/service.yml, all.yml, the testinfra role and the plan's
Python) names no backend outside roles/testinfra/vars/main.yml's _testinfra_registry, and every registered role
has the contract's entry point."""

import glob
import io
import os
import re
import tokenize

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VARS = os.path.join(ROOT, "roles", "testinfra", "vars", "main.yml")
with open(VARS) as handle:
    REGISTRY = yaml.safe_load(handle)["_testinfra_registry"]
with open(os.path.join(ROOT, "roles", "container", "defaults", "main.yml")) as handle:
    SHIPPED_GENERIC = list(yaml.safe_load(handle)["container_builtin_backends"])
BACKENDS = [name for name, entry in REGISTRY.items() if not entry.get("generic")] + SHIPPED_GENERIC
ORCHESTRATOR = (["playbooks/service.yml", "playbooks/all.yml", "roles/testinfra/vars/main.yml",
                 "plugins/filter/service_plan.py"]
                + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "roles", "testinfra", "tasks", "*.yml")))
                + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "plugins", "module_utils", "plan", "*.py"))))


def yaml_code(text):
    """The YAML without comments, and without the registry itself."""
    lines = []
    skipping = False
    for line in text.splitlines():
        if line.startswith("_testinfra_registry:"):
            skipping = True
            continue
        if skipping and (line.startswith("  ") or not line.strip()):
            continue
        skipping = False
        lines.append(re.sub(r"(^|\s)#.*$", "", line))
    return "\n".join(lines)


def python_code(text):
    """The Python without comments and docstrings."""
    out = []
    previous = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            continue
        if token.type == tokenize.STRING and previous in (tokenize.INDENT, tokenize.NEWLINE, tokenize.NL, None):
            continue  # a docstring
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            out.append(token.string)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
    return " ".join(out)


def backend_names_in(code):
    """Backend names used as code: quoted, or as a role's variable prefix (pgvector_port, envtest_state_dir)."""
    found = []
    for name in BACKENDS:
        if re.search(r"""['"]%s['"]|\b%s_[a-z]""" % (name, name), code):
            found.append(name)
    return found


def code_of(path):
    with open(os.path.join(ROOT, path)) as handle:
        text = handle.read()
    return python_code(text) if path.endswith(".py") else yaml_code(text)


@pytest.mark.parametrize("path", ORCHESTRATOR)
def test_the_orchestrator_names_no_backend_outside_the_registry(path):
    assert backend_names_in(code_of(path)) == []


def test_the_check_catches_a_backend_name():
    assert backend_names_in(yaml_code("x: \"{{ 'envtest' in _testinfra_selected }}\"  # envtest\n")) == ["envtest"]
    assert backend_names_in(yaml_code("x: \"{{ pgvector_port }}\"\n")) == ["pgvector"]
    assert backend_names_in(python_code('"""kind docs"""\nif name == "valkey":  # kind\n    pass\n')) == ["valkey"]
    assert backend_names_in(yaml_code("_testinfra_registry:\n  redis: {role: redis}\ny: 1\n")) == []


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_role_has_the_contract_entry_point(name):
    entry = REGISTRY[name]
    tasks_from = entry.get("tasks_from") or "backend"
    assert os.path.exists(os.path.join(ROOT, "roles", entry["role"], "tasks", tasks_from + ".yml"))
    with open(os.path.join(ROOT, "roles", entry["role"], "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)["argument_specs"][tasks_from]
    assert spec["options"]["testinfra_backend"]["type"] == "dict"
