"""The collection's own test tree: `pytest tests` collects every file (rootdir-relative imports need unique basenames)."""

import collections
import os

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = {"__pycache__", "fixtures", "examples", ".testinfra"}


def _test_files(root):
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP]
        for name in files:
            if name.startswith("test_") and name.endswith(".py"):
                yield os.path.relpath(os.path.join(directory, name), root)


def duplicate_basenames(root):
    """Test modules that pytest's default import mode cannot collect together: same basename, no package."""
    by_name = collections.defaultdict(list)
    for path in _test_files(root):
        by_name[os.path.basename(path)].append(path)
    return {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}


def test_every_test_module_has_a_unique_basename():
    assert duplicate_basenames(TESTS) == {}, "rename one of each pair: `make test` (pytest tests) cannot collect both"


def test_the_check_sees_a_duplicate(tmp_path):
    for sub in ("unit", "integration"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "test_same.py").write_text("")
    (tmp_path / "unit" / "test_other.py").write_text("")
    assert duplicate_basenames(str(tmp_path)) == {"test_same.py": ["integration/test_same.py", "unit/test_same.py"]}
