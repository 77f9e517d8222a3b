"""go_toolchain's pure parts: Go versions, go.mod, the choice of a toolchain, dirhash, the checksum database."""

import base64
import hashlib
import json
import os

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils import go_toolchain as gt
from ansible_collections.kubernaut.testinfra.plugins.modules.go_toolchain import executable, is_go_root

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "go_toolchain")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


# -- versions -----------------------------------------------------------------------------------------------------

def test_versions_order_as_cmd_go_orders_them():
    ordered = ["1.20", "1.20.1", "1.21", "1.21beta1", "1.21rc1", "1.21rc2", "1.21.0", "1.21.1", "1.21.10", "1.22"]
    assert sorted(ordered, key=gt.version_key) == ordered
    assert gt.version_key("go1.24.0") == gt.version_key("1.24.0")


def test_old_toolchain_names_without_patch_are_releases():
    assert gt.at_least("1.20", "1.20.0")  # go1.20 was the 1.20.0 release
    assert not gt.at_least("1.24rc1", "1.24.0")
    assert gt.at_least("1.24.13", "1.24") and gt.at_least("1.26.8", "1.24.0") and not gt.at_least("1.23.12", "1.24")


@pytest.mark.parametrize("text", ["1.x", "", "go", "1.24.0.1", "latest"])
def test_no_version_is_refused(text):
    with pytest.raises(gt.GoVersionError):
        gt.normalize(text)


def test_normalize():
    assert gt.normalize("go1.24.3") == "1.24.3" and gt.normalize(" 1.24 ") == "1.24" and gt.normalize("v1.22.1") == "1.22.1"


def test_go_version_output():
    assert gt.go_version_output("go version go1.26.8 linux/amd64\n") == "1.26.8"
    assert gt.go_version_output("go version go1.22.1 X:boringcrypto linux/amd64") == "1.22.1"
    assert gt.go_version_output("go version go1.19 linux/amd64") == "1.19"
    assert gt.go_version_output("go version go1.25rc2 linux/amd64") == "1.25rc2"
    assert gt.go_version_output("bash: go: command not found") is None


# -- go.mod and the requirement -------------------------------------------------------------------------------------

GO_MOD = """module github.com/kubernaut/testinfra/examples // the bundled example

go 1.24.0 // language version

require (
\tgithub.com/onsi/ginkgo/v2 v2.28.0
\tgo.example.com/toolchain v1.0.0
)
"""


def test_go_mod_directives():
    assert gt.parse_go_mod(GO_MOD) == {"go": "1.24.0", "toolchain": None}
    assert gt.parse_go_mod("module m\ngo 1.22\ntoolchain go1.23.4\n") == {"go": "1.22", "toolchain": "1.23.4"}
    assert gt.parse_go_mod("module m\ngo 1.21\ntoolchain default\n") == {"go": "1.21", "toolchain": None}
    assert gt.parse_go_mod("module m\ngo 1.21.0\ntoolchain go1.21.3+auto\n")["toolchain"] == "1.21.3"
    assert gt.parse_go_mod("module m\n") == {"go": None, "toolchain": None}


def test_requirement_from_the_go_line_installs_the_newest_patch():
    assert gt.requirement(GO_MOD, "examples/go.mod", None, "1.22") == ("1.24.0", False, "go 1.24.0 in examples/go.mod")


def test_requirement_from_a_toolchain_line_is_exact():
    need = gt.requirement("module m\ngo 1.22.0\ntoolchain go1.24.3\n", "go.mod", None, "1.22")
    assert need == ("1.24.3", True, "toolchain go1.24.3 in go.mod")


def test_version_replaces_go_mod_and_the_floor_still_counts():
    assert gt.requirement(GO_MOD, "go.mod", "1.25", None) == ("1.25", False, "version 1.25")
    assert gt.requirement(GO_MOD, "go.mod", "go1.25.2", None)[:2] == ("1.25.2", True)
    assert gt.requirement(GO_MOD, "go.mod", None, "1.26")[:2] == ("1.26", False)
    assert gt.requirement(None, "go.mod", None, "1.22")[:2] == ("1.22", False)
    with pytest.raises(gt.GoVersionError):
        gt.requirement("module m\n", "go.mod", None, None)


# -- the proxy's versions -------------------------------------------------------------------------------------------------

LISTING = """v0.0.1-go1.23.12.linux-amd64
v0.0.1-go1.24.0.linux-amd64
v0.0.1-go1.24.13.linux-amd64
v0.0.1-go1.24.3.linux-amd64
v0.0.1-go1.24.11.linux-amd64
v0.0.1-go1.24.14.linux-arm64
v0.0.1-go1.24.15.darwin-amd64
v0.0.1-go1.26rc1.linux-amd64
v0.0.1-go1.25rc1.linux-amd64
v0.0.1-go1.25.0.linux-amd64
v0.0.1-go1.25.1.linux-amd64
v0.0.1-go1.20.linux-amd64
"""


def test_listed_versions_of_one_platform_in_order():
    assert gt.listed_versions(LISTING, "amd64") == ["1.20", "1.23.12", "1.24.0", "1.24.3", "1.24.11", "1.24.13",
                                                   "1.25rc1", "1.25.0", "1.25.1", "1.26rc1"]
    assert gt.listed_versions(LISTING, "arm64") == ["1.24.14"]


@pytest.mark.parametrize("need, exact, chosen", [
    ("1.24.0", False, "1.24.13"),  # go 1.24.0: the newest 1.24 release
    ("1.24", False, "1.24.13"),
    ("1.24.12", False, "1.24.13"),
    ("1.24.3", True, "1.24.3"),    # toolchain go1.24.3: exactly that
    ("1.24.12", True, None),       # not on the proxy
    ("1.25", False, "1.25.1"),     # releases before release candidates
    ("1.26", False, "1.26rc1"),    # no release yet
    ("1.27.0", False, None),
    ("1.20", False, "1.20"),
])
def test_choose_version(need, exact, chosen):
    assert gt.choose_version(gt.listed_versions(LISTING, "amd64"), need, exact) == chosen


def test_toolchain_module_version():
    assert gt.toolchain_module_version("1.24.13", "amd64") == "v0.0.1-go1.24.13.linux-amd64"


@pytest.mark.parametrize("goproxy, proxy", [
    ("", ""), (None, ""), ("https://proxy.golang.org,direct", "https://proxy.golang.org"),
    ("https://goproxy.example.com/|https://proxy.golang.org", "https://goproxy.example.com"),
    (" , https://a.example", "https://a.example"),
])
def test_proxy_from_env(goproxy, proxy):
    assert gt.proxy_from_env(goproxy) == proxy


@pytest.mark.parametrize("goproxy", ["off", "direct", "direct,https://proxy.golang.org"])
def test_proxy_from_env_without_a_proxy(goproxy):
    with pytest.raises(gt.GoVersionError):
        gt.proxy_from_env(goproxy)


# -- Debian ---------------------------------------------------------------------------------------------------------------------

POLICY = """golang-1.19-go:
  Installed: (none)
  Candidate: 1.19.8-2
  Version table:
     1.19.8-2 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
golang-1.22-go:
  Installed: (none)
  Candidate: 1.22.12-1~bpo12+1
golang-1.24-go:
  Installed: (none)
  Candidate: 1.24.4-1
golang-1.25-go:
  Installed: (none)
  Candidate: 1.25~rc2-1
golang-1.23-go:
  Installed: (none)
  Candidate: (none)
"""


def test_apt_policy_and_debian_versions():
    candidates = gt.parse_apt_policy(POLICY)
    assert candidates == {"golang-1.19-go": "1.19.8-2", "golang-1.22-go": "1.22.12-1~bpo12+1",
                          "golang-1.24-go": "1.24.4-1", "golang-1.25-go": "1.25~rc2-1", "golang-1.23-go": None}
    assert gt.debian_upstream("2:1.22.8-1~bpo12+1") == "1.22.8"
    assert gt.debian_upstream("1.25~rc2-1") is None


@pytest.mark.parametrize("need, chosen", [
    ("1.22", ("golang-1.22-go", "1.22.12", "/usr/lib/go-1.22")),
    ("1.23.0", ("golang-1.24-go", "1.24.4", "/usr/lib/go-1.24")),
    ("1.24.0", ("golang-1.24-go", "1.24.4", "/usr/lib/go-1.24")),
    ("1.24.5", None),  # Debian's 1.24 is older, and 1.25 is only a release candidate
    ("1.25", None),
])
def test_choose_debian(need, chosen):
    assert gt.choose_debian(gt.parse_apt_policy(POLICY), need) == chosen


def test_debian_12_has_nothing_for_the_examples():
    policy = "golang-1.19-go:\n  Installed: (none)\n  Candidate: 1.19.8-2\n"
    assert gt.choose_debian(gt.parse_apt_policy(policy), "1.24.0") is None


# -- the zip ------------------------------------------------------------------------------------------------------------------

def test_hash1_is_dirhash_hash1():
    # golang.org/x/mod/sumdb/dirhash TestHash1: files "xyz" and "abc" holding "data for <name>"
    files = {"xyz": b"data for xyz", "abc": b"data for abc"}
    summary = "".join("%s  %s\n" % (hashlib.sha256(b"data for " + n.encode()).hexdigest(), n) for n in ("abc", "xyz"))
    assert gt.hash1(files) == "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
    with pytest.raises(ValueError):
        gt.hash1({"a\nb": b""})


def test_files_that_get_execute_bits():
    assert executable("bin/go") and executable("pkg/tool/linux_amd64/compile")
    assert executable("lib/wasm/go_js_wasm_exec")
    assert not executable("src/cmd/go/main.go") and not executable("lib/time/zoneinfo.zip") and not executable("VERSION")


def test_what_a_prefix_may_hold(tmp_path):
    assert is_go_root(str(tmp_path / "absent")) and is_go_root(str(tmp_path))
    (tmp_path / "go" / "bin").mkdir(parents=True)
    (tmp_path / "go" / "bin" / "go").write_text("")
    assert is_go_root(str(tmp_path / "go"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine")
    assert not is_go_root(str(tmp_path / "home"))
    (tmp_path / "link").symlink_to(tmp_path / "home")
    assert is_go_root(str(tmp_path / "link"))


# -- the checksum database ---------------------------------------------------------------------------------------------------

def test_tile_paths_as_tlog_names_them():
    assert gt.tile_path(0, 1234067, 256) == "tile/8/0/x001/x234/067"
    assert gt.tile_path(1, 1234067, 1) == "tile/8/1/x001/x234/067.p/1"
    assert gt.tile_path(0, 259347, 218) == "tile/8/0/x259/347.p/218"
    assert gt.tile_path(3, 0, 3) == "tile/8/3/000.p/3"
    assert gt.tile_path(2, 5, 4, height=2) == "tile/2/2/005"


def lookup():
    record_id, record, note = gt.parse_lookup(fixture("lookup-go1.24.0.linux-amd64.txt"))
    text, signatures = gt.parse_note(note)
    return record_id, record, text, signatures


def test_lookup_record_and_signed_tree_head():
    record_id, record, text, signatures = lookup()
    assert record_id == 34531184
    assert gt.record_hash(record, gt.TOOLCHAIN_MODULE, "v0.0.1-go1.24.0.linux-amd64") == \
        "h1:oPC9yECkA1xwFfkEB5H9B9GDchhCH79d2Y7l4ybHXF0="
    assert gt.record_hash(record, gt.TOOLCHAIN_MODULE, "v0.0.1-go1.24.1.linux-amd64") is None
    assert gt.parse_tree(text)[0] == 66393050
    assert [name for name, dummy in signatures] == ["sum.golang.org"]


def test_the_tree_head_signature_verifies_with_the_sum_golang_org_key():
    pytest.importorskip("cryptography")
    dummy, dummy, text, signatures = lookup()
    assert gt.verify_note(text, signatures) is True
    assert gt.verify_note(text.replace("66393050", "66393051"), signatures) is False


def test_inclusion_proof_with_the_real_tiles():
    record_id, record, text, dummy = lookup()
    size, root = gt.parse_tree(text)
    tiles = {path: base64.b64decode(data) for path, data in json.loads(fixture("tiles.json")).items()}
    assert gt.tree_root(record_id, record, size, tiles.__getitem__) == root
    forged = record.replace("oPC9yECkA1", "oPC9yECkA2")
    assert gt.tree_root(record_id, forged, size, tiles.__getitem__) != root


def merkle_root(leaves):
    """RFC 6962 MTH, the obvious way."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return gt.node_hash(merkle_root(leaves[:split]), merkle_root(leaves[split:]))


def tiles_of(leaves, height):
    """Every tile (full and the partial ones of this size) of a tree, as tlog stores them."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([gt.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    tiles = {}
    for tile_level in range(0, len(levels), height):
        hashes = levels[tile_level]
        for index in range(0, (len(hashes) + (1 << height) - 1) >> height):
            part = hashes[index << height:(index + 1) << height]
            tiles[gt.tile_path(tile_level // height, index, len(part), height)] = b"".join(part)
    return tiles


@pytest.mark.parametrize("size, height", [(1, 2), (2, 2), (3, 2), (5, 2), (16, 2), (17, 2), (100, 2), (1000, 3),
                                          (70001, 8)])
def test_inclusion_proof_against_a_plain_merkle_tree(size, height):
    records = ["example.com/m%d v1.0.0 h1:x=\n" % i for i in range(size)]
    leaves = [gt.leaf_hash(r.encode()) for r in records]
    root, tiles = merkle_root(leaves), tiles_of(leaves, height)
    for record_id in sorted({0, 1 % size, size // 3, size // 2, size - 2 if size > 1 else 0, size - 1}):
        assert gt.tree_root(record_id, records[record_id], size, tiles.__getitem__, height) == root, record_id
        assert gt.tree_root(record_id, "forged\n", size, tiles.__getitem__, height) != root
    with pytest.raises(ValueError):
        gt.tree_root(size, "x\n", size, tiles.__getitem__, height)
