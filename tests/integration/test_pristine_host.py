"""The README's quick start on a brand-new Debian 12 machine.

Every other test runs on a machine that already has Podman, Go, the virtual environment and warm caches, so none
of them shows that `make test-integration-datastorage` works where nothing is installed yet, which is where a new
user starts. This one runs it as root in a pristine Debian 12 root filesystem (tests/pristine/host.py: Python, git,
make, an SSH server; no Podman, no Go) inside a privileged Podman container, from a clean clone of the repository's
HEAD; TESTINFRA_PRISTINE_WORKING_TREE=1 copies the working tree instead, uncommitted changes included. The time the
quick start took, its steps and its slowest tasks are printed (-s) and recorded as JUnit properties.
"""

import importlib.util
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SPEC = importlib.util.spec_from_file_location("pristine_host", os.path.join(ROOT, "tests", "pristine", "host.py"))
pristine = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(pristine)

# A cold quick start inside takes several minutes (apt, pip, Go, the PostgreSQL image, Go modules); this bounds a hang.
TIMEOUT = 1800


def test_readme_quick_start_passes_on_a_pristine_debian_12_machine(record_property):
    result = pristine.quickstart(working_tree=os.environ.get("TESTINFRA_PRISTINE_WORKING_TREE") == "1",
                                 timeout=TIMEOUT)
    print("".join("\npristine host: " + line for line in pristine.report(result)))
    record_property("quick_start_seconds", result["seconds"])
    record_property("image_build_seconds", result["image_build_seconds"])
    tail = "".join(result["output"].splitlines(keepends=True)[-60:])

    assert result["preinstalled"] == [], "the machine was not pristine: %s" % result["preinstalled"]
    assert result["rc"] == 0, tail
    assert re.search(r"^\s*datastorage: PASSED - \d+ tests: \d+ passed, 0 failed", result["output"], re.M), tail
    assert result["leftovers"] == [], "the quick start left these running inside: %s" % result["leftovers"]
    assert result["left_on_host"] == [], "the pristine machine was not removed: %s" % result["left_on_host"]
