"""module_sync's controller side: the file list it compares, and what it sends and deletes."""

import os

from ansible_collections.kubernaut.testinfra.plugins.action.module_sync import manifest, plan


def test_manifest_lists_files_and_symlinks_without_excluded_names(tmp_path):
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.go").write_text("package pkg\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref\n")
    os.symlink("go.mod", tmp_path / "link")
    found = manifest(str(tmp_path), {".git"})
    assert sorted(found) == ["go.mod", "link", os.path.join("pkg", "a.go")]
    assert found["link"] == ["l", 0, 0, "go.mod"]
    assert found["go.mod"][:2] == ["f", 9]


def test_plan_sends_what_changed_and_deletes_what_is_gone(tmp_path):
    (tmp_path / "a").write_text("1")
    (tmp_path / "b").write_text("2")
    first = manifest(str(tmp_path), set())
    assert plan(first, {}) == (["a", "b"], [])
    assert plan(first, first) == ([], [])
    (tmp_path / "a").write_text("10")
    os.remove(tmp_path / "b")
    (tmp_path / "c").write_text("3")
    assert plan(manifest(str(tmp_path), set()), first) == (["a", "c"], ["b"])
