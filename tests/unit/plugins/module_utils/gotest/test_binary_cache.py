"""Test binaries kept between runs: Go's binary names, seeding a run from the cache, harvesting back, pruning."""

import os
import time

from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as tb


def test_exec_name_is_gos_default_name():
    assert tb.exec_name("github.com/x/svc/test/integration/datastorage") == "datastorage"
    assert tb.exec_name("example.com/mycmd/v2") == "mycmd"  # major version suffix
    assert tb.exec_name("example.com/pkg/v1") == "v1" and tb.exec_name("example.com/pkg/v0") == "v0"
    assert tb.exec_name("v2") == "v2" and tb.exec_name("ex/v10") == "ex"


def test_unique_names_refuses_two_packages_with_one_binary_name():
    assert tb.unique_names(["ex/a/x", "ex/b/y"])
    assert not tb.unique_names(["ex/a/x", "ex/b/x"])
    assert not tb.unique_names(["ex/a/v2", "ex/b/a"])


def test_cache_dir_is_per_service_and_module(tmp_path):
    one = tb.cache_dir(str(tmp_path), "datastorage", "/src/a")
    assert os.path.dirname(one) == str(tmp_path / ".test-binaries")
    assert one != tb.cache_dir(str(tmp_path), "datastorage", "/src/b")
    assert one != tb.cache_dir(str(tmp_path), "ai", "/src/a")


def write(path, text):
    with open(str(path), "w") as handle:
        handle.write(text)


def test_seed_links_cached_binaries_and_harvest_brings_new_ones_back(tmp_path):
    cache, run = tmp_path / "cache", tmp_path / "run1"
    cache.mkdir()
    write(cache / "a.test", "old a")
    write(cache / "b.test", "old b")
    write(cache / "notes.txt", "not a binary")
    tb.seed(str(run / "bin"), str(cache))
    assert sorted(os.listdir(str(run / "bin"))) == [".cache", "a.test", "b.test"]
    assert os.path.samefile(str(run / "bin" / "a.test"), str(cache / "a.test"))  # a link, not a copy
    # go test renames a newly linked binary over the old one: the cache's file is not touched
    write(run / "bin" / "new-b", "new b")
    os.replace(str(run / "bin" / "new-b"), str(run / "bin" / "b.test"))
    assert open(str(cache / "b.test")).read() == "old b"
    tb.harvest(str(run))
    assert open(str(cache / "b.test")).read() == "new b"
    assert open(str(cache / "a.test")).read() == "old a"
    assert sorted(os.listdir(str(cache))) == ["a.test", "b.test", "notes.txt"]  # no temporary files left


def test_harvest_without_mark_or_cache_does_nothing(tmp_path):
    (tmp_path / "run" / "bin").mkdir(parents=True)
    write(tmp_path / "run" / "bin" / "a.test", "a")
    tb.harvest(str(tmp_path / "run"))  # no .cache mark
    tb.harvest(str(tmp_path / "missing"))
    write(tmp_path / "run" / "bin" / ".cache", str(tmp_path / "gone"))
    tb.harvest(str(tmp_path / "run"))  # the cache was removed meanwhile
    assert not (tmp_path / "gone").exists()


def test_prune_removes_only_caches_unused_for_a_week(tmp_path):
    root = tmp_path / ".test-binaries"
    (root / "old").mkdir(parents=True)
    (root / "fresh").mkdir()
    week_ago = time.time() - tb.CACHE_MAX_AGE - 60
    os.utime(str(root / "old"), (week_ago, week_ago))
    assert tb.prune(str(tmp_path)) == ["old"]
    assert os.listdir(str(root)) == ["fresh"]
    assert tb.prune(str(tmp_path / "nothing-here")) == []
