"""module_sync's controller side: the file list it compares, and what it sends and deletes."""

import os

import pytest

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


def test_transfer_choice_by_what_both_ends_have():
    from ansible_collections.kubernaut.testinfra.plugins.action.module_sync import choose_transfer
    assert choose_transfer("auto", True, True, True) == "rsync"
    assert choose_transfer("auto", False, True, True) == "archive"
    assert choose_transfer("auto", True, False, True) == "archive"
    assert choose_transfer("auto", True, True, False) == "archive"  # a password, become, another connection
    assert choose_transfer("rsync", True, True, True) == "rsync"
    assert choose_transfer("archive", True, True, True) == "archive"
    with pytest.raises(ValueError, match=r"on the target \(no\)"):
        choose_transfer("rsync", True, False, True)
    # each missing part with its fix, and only those (a new controller has no rsync until make prepare)
    with pytest.raises(ValueError) as missing:
        choose_transfer("rsync", False, True, True)
    assert "on the controller (no)" in str(missing.value)
    assert str(missing.value).endswith(": install rsync on the controller (make prepare, or apt-get install rsync), "
                                       "or use transfer=auto (the archive where rsync cannot be used)")


def test_rsync_command_line_deletes_excludes_and_brings_the_manifest():
    from ansible_collections.kubernaut.testinfra.plugins.action.module_sync import rsync_argv
    argv = rsync_argv("/src/", "/root/m", "127.0.0.1", "root", ["ssh", "-p", "2222", "-o", "ControlPath=/t/cp-%C"],
                      {".git"}, ["/scratch/manifest.json"])
    assert argv[0] == "rsync" and "--delete" in argv and "--compress" in argv and "--exclude=.git" in argv
    assert argv[argv.index("--rsh") + 1] == "ssh -p 2222 -o ControlPath=/t/cp-%C"
    assert argv[-3:] == ["/src/", "/scratch/manifest.json", "root@127.0.0.1:/root/m/"]
    assert rsync_argv("/s", "/d", "::1", None, ["ssh"], set())[-1] == "[::1]:/d/"


def test_the_toolchain_served_is_the_one_prepare_host_asks_for(tmp_path):
    from ansible_collections.kubernaut.testinfra.plugins.action.module_sync import ActionModule
    go_mod = tmp_path / "go.mod"
    go_mod.write_text("module x\n\ngo 1.24.0\n")  # a lab host asks for exactly the go line's version
    assert ActionModule._toolchain(None, str(go_mod), "amd64", "1.22") == "v0.0.1-go1.24.0.linux-amd64"
    go_mod.write_text("module x\n\ngo 1.24.0\ntoolchain go1.24.3\n")
    assert ActionModule._toolchain(None, str(go_mod), "arm64", "1.22") == "v0.0.1-go1.24.3.linux-arm64"
