"""The file GOPROXY of a lab host without a module proxy: its layout from the module cache, and its assembly."""

import json
import os

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import goproxy


def put(root, rel, text="x"):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def test_escape_is_the_module_cache_case_encoding():
    assert goproxy.escape("github.com/Azure/go-ansiterm") == "github.com/!azure/go-ansiterm"
    assert goproxy.escape("github.com/BurntSushi/toml") == "github.com/!burnt!sushi/toml"


def test_json_stream_and_graph():
    objs = goproxy.parse_json_stream('{"Path": "a", "Version": "v1.0.0"}\n{\n "Path": "b"\n}\n')
    assert [o["Path"] for o in objs] == ["a", "b"]
    graph = "example.com/m a@v1.0.0\nexample.com/m go@1.24.0\na@v1.0.0 b@v0.1.0\na@v1.0.0 toolchain@go1.24.3\n"
    assert goproxy.graph_versions(graph) == {("a", "v1.0.0"), ("b", "v0.1.0")}


def test_version_order_is_semver():
    versions = ["v1.10.0", "v1.2.0", "v1.2.0-rc.1", "v0.0.0-20240101000000-abcdef123456", "v1.2.0-rc.10"]
    assert sorted(versions, key=goproxy.version_key) == [
        "v0.0.0-20240101000000-abcdef123456", "v1.2.0-rc.1", "v1.2.0-rc.10", "v1.2.0", "v1.10.0"]


def test_layout_serves_the_build_list_in_full_and_the_graph_by_its_go_mod(tmp_path):
    cache = tmp_path / "cache"
    for suffix in (".info", ".mod", ".zip"):
        put(cache, "github.com/!azure/x/@v/v1.2.0" + suffix)
    put(cache, "github.com/!azure/x/@v/v1.1.0.mod")  # an older version in the graph: MVS reads its go.mod
    put(cache, "github.com/!azure/x/@v/v1.0.0.zip")  # in the cache, in neither list: not served
    build = [{"Path": "example.com/m", "Main": True}, {"Path": "github.com/Azure/x", "Version": "v1.2.0"}]
    graph = {("github.com/Azure/x", "v1.1.0"), ("github.com/Azure/x", "v1.2.0"), ("pruned.example/y", "v0.1.0")}
    files, lists = goproxy.layout(build, graph, str(cache))
    assert sorted(files) == ["github.com/!azure/x/@v/v1.1.0.mod", "github.com/!azure/x/@v/v1.2.0.info",
                             "github.com/!azure/x/@v/v1.2.0.mod", "github.com/!azure/x/@v/v1.2.0.zip"]
    assert files["github.com/!azure/x/@v/v1.2.0.zip"] == str(cache / "github.com/!azure/x/@v/v1.2.0.zip")
    # pruned.example/y: go never read its go.mod (not in the cache), so it is not listed either
    assert lists == {"github.com/!azure/x/@v/list": "v1.1.0\nv1.2.0\n"}


def test_layout_names_what_the_cache_lacks_and_what_go_could_not_download(tmp_path):
    put(tmp_path, "a/@v/v1.0.0.mod")
    with pytest.raises(ValueError, match=r"a/@v/v1.0.0.zip"):
        goproxy.layout([{"Path": "a", "Version": "v1.0.0"}], set(), str(tmp_path))
    with pytest.raises(ValueError, match="b@v2.0.0: not found"):
        goproxy.layout([{"Path": "b", "Version": "v2.0.0", "Error": "not found"}], set(), str(tmp_path))


def test_assemble_links_keeps_lists_unchanged_and_removes_the_rest(tmp_path):
    cache, dest = tmp_path / "cache", tmp_path / "proxy"
    zip_path = put(cache, "a/@v/v1.0.0.zip", "zip")
    os.utime(zip_path, (1000000000, 1000000000))
    put(dest, "old/@v/v0.1.0.zip")  # of an earlier build list
    files = {"a/@v/v1.0.0.zip": zip_path, "a/@v/v1.0.0.mod": put(cache, "a/@v/v1.0.0.mod", "module a\n")}
    count = goproxy.assemble(str(dest), files, {"a/@v/list": "v1.0.0\n"}, {"key": "k"})
    assert count == 1
    assert not (dest / "old").exists()
    served = dest / "a/@v/v1.0.0.zip"
    assert served.read_text() == "zip" and os.path.samefile(served, zip_path)
    assert int(served.stat().st_mtime) == 1000000000  # what module_sync compares
    listing = dest / "a/@v/list"
    os.utime(listing, (5, 5))
    goproxy.assemble(str(dest), files, {"a/@v/list": "v1.0.0\n"})
    assert listing.stat().st_mtime == 5  # same text: not written again (not sent again)
    assert goproxy.read_stamp(str(dest)) == {"key": "k"}
    assert json.loads((dest / goproxy.STAMP).read_text()) == {"key": "k"}
