"""Every module and filter documents itself and renders in ansible-doc."""

import glob
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))
                 if not p.endswith("__init__.py"))


def ansible_doc(*args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)


def test_expected_modules_exist():
    assert set(MODULES) >= {"pgvector_ready", "redis_ready", "preflight", "reap", "local_image", "kind_preflight",
                            "envtest_binaries", "envtest_control_plane", "k8s_cluster_ready", "k8s_tokens", "container_ready",
                            "result_files", "go_toolchain", "prepare_tests"}


@pytest.mark.parametrize("module", MODULES)
def test_module_docs_parse_and_render(module):
    namespace = {}
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py")) as handle:
        source = handle.read()
    for block in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
        assert block + ' = r"""' in source or block + " = r'''" in source, block
    exec(compile(source.split("\nimport ")[0].split("\nfrom ansible")[0], module, "exec"), namespace)  # noqa: S102
    doc = yaml.safe_load(namespace["DOCUMENTATION"])
    assert doc["module"] == module and doc["short_description"] and doc["options"]
    assert {"check_mode", "diff_mode"} <= set(doc.get("attributes") or {}), "attributes: check_mode, diff_mode"
    yaml.safe_load(namespace["EXAMPLES"])
    yaml.safe_load(namespace["RETURN"])
    result = ansible_doc("kubernaut.testinfra." + module)
    assert result.returncode == 0, result.stderr
    assert doc["short_description"].split()[0] in result.stdout


def test_collection_listing_shows_all_modules():
    result = ansible_doc("-l", "kubernaut.testinfra")
    assert result.returncode == 0, result.stderr
    for module in MODULES:
        assert "kubernaut.testinfra." + module in result.stdout
