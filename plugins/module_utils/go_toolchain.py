# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the go_toolchain module: Go versions, go.mod, the toolchain module's versions, Debian's
golang-1.N packages, dirhash of a module zip, and the Go checksum database (signed tree head, inclusion proof).

Nothing here touches the network or the file system; callers pass the bytes in (and a ``fetch`` callback for
the checksum database's tiles).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re

TOOLCHAIN_MODULE = "golang.org/toolchain"
TOOLCHAIN_VERSION_PREFIX = "v0.0.1-go"
DEFAULT_PROXY = "https://proxy.golang.org"
SUMDB_NAME = "sum.golang.org"
SUMDB_URL = "https://sum.golang.org"
# cmd/go/internal/modfetch/key.go
SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
TILE_HEIGHT = 8

# uname -m -> GOARCH, as the toolchain module names them (v0.0.1-go1.24.0.linux-<GOARCH>)
GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
          "armv6l": "arm", "i386": "386", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x",
          "riscv64": "riscv64", "loongarch64": "loong64", "mips64": "mips64"}

_VERSION = re.compile(r"^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta)(\d+))?$")
_KIND = {"beta": 1, "rc": 2}
_RELEASE = 3


class GoVersionError(ValueError):
    pass


def version_key(version, toolchain=False):
    """A sortable key for a Go version, ordered as cmd/go's gover does: 1.21 < 1.21beta1 < 1.21rc1 < 1.21.0 < 1.21.1.

    ``1.21`` is a language version (a go.mod ``go`` line). With ``toolchain=True`` a bare ``1.20`` or older is the
    release 1.20.0 (toolchains were named go1.20, not go1.20.0, before Go 1.21).
    """
    match = _VERSION.match(str(version).strip())
    if not match:
        raise GoVersionError("%r is not a Go version (such as 1.24, 1.24.0 or 1.25rc1)" % (version,))
    major, minor, patch, kind, number = match.groups()
    major, minor = int(major), int(minor or 0)
    if patch is not None:
        return (major, minor, _RELEASE, int(patch))
    if kind:
        return (major, minor, _KIND[kind], int(number))
    if toolchain and (major, minor) < (1, 21):
        return (major, minor, _RELEASE, 0)
    return (major, minor, 0, 0)


def normalize(version):
    """``go1.24.0`` / ``1.24.0`` / ``v1.24`` -> ``1.24.0`` / ``1.24``; raises GoVersionError when it is no version."""
    text = str(version).strip()
    if text.startswith("v"):
        text = text[1:]
    if text.startswith("go"):
        text = text[2:]
    version_key(text)
    return text


def is_release(version):
    return version_key(version, toolchain=True)[2] == _RELEASE


def has_patch(version):
    return version_key(version)[2] == _RELEASE


def same_minor(a, b):
    return version_key(a)[:2] == version_key(b)[:2]


def at_least(version, need):
    """Whether a toolchain of ``version`` satisfies the requirement ``need``."""
    return version_key(version, toolchain=True) >= version_key(need)


def go_version_output(text):
    """The version in ``go version`` output: 'go version go1.26.8 linux/amd64' -> '1.26.8'; None if there is none."""
    match = re.search(r"\bgo version (?:devel )?go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)", text or "")
    return match.group(1) if match else None


def parse_go_mod(text):
    """The ``go`` and ``toolchain`` directives of a go.mod: {'go': '1.24.0', 'toolchain': '1.24.3'} (None if absent).

    A toolchain such as ``go1.24.3+auto`` or ``go1.22.1-custom`` counts as its Go version; ``toolchain default``
    is no requirement.
    """
    found = {"go": None, "toolchain": None}
    for line in text.splitlines():
        line = line.split("//", 1)[0].strip()
        match = re.match(r"^(go|toolchain)\s+(\S+)$", line)
        if not match:
            continue
        directive, value = match.groups()
        if directive == "toolchain":
            if value == "default":
                continue
            value = re.sub(r"^go", "", value)
            value = re.split(r"[+-]", value, 1)[0]
        version_key(value)
        found[directive] = value
    return found


def requirement(go_mod=None, go_mod_path="go.mod", version=None, min_version=None):
    """What Go a module needs, and how to choose the toolchain to install.

    Returns (need, exact, why): ``need`` is the lowest acceptable version; ``exact`` says whether to install exactly
    that version (a go.mod ``toolchain`` line, or ``version`` with a patch level) rather than the newest release of its
    minor version; ``why`` names the source of the requirement. ``version`` replaces go.mod; ``min_version`` is a floor.
    """
    candidates = []
    if version:
        version = normalize(version)
        candidates.append((version, has_patch(version), "version %s" % version))
    elif go_mod is not None:
        directives = parse_go_mod(go_mod)
        if directives["go"]:
            candidates.append((directives["go"], False, "go %s in %s" % (directives["go"], go_mod_path)))
        if directives["toolchain"]:
            candidates.append((directives["toolchain"], True,
                               "toolchain go%s in %s" % (directives["toolchain"], go_mod_path)))
    if min_version:
        min_version = normalize(min_version)
        candidates.append((min_version, False, "min_version %s" % min_version))
    if not candidates:
        raise GoVersionError("no Go version is asked for (no version, no go line in %s, no min_version)" % go_mod_path)
    return max(candidates, key=lambda item: (version_key(item[0]), item[1]))


def toolchain_module_version(version, arch, goos="linux"):
    return "%s%s.%s-%s" % (TOOLCHAIN_VERSION_PREFIX, version, goos, arch)


def listed_versions(listing, arch, goos="linux"):
    """Go versions in the proxy's ``golang.org/toolchain/@v/list`` for one platform, lowest first."""
    pattern = re.compile(r"^%s(.+)\.%s-%s$" % (re.escape(TOOLCHAIN_VERSION_PREFIX), re.escape(goos), re.escape(arch)))
    versions = []
    for line in listing.split():
        match = pattern.match(line.strip())
        if match:
            try:
                version_key(match.group(1), toolchain=True)
            except GoVersionError:
                continue
            versions.append(match.group(1))
    return sorted(set(versions), key=lambda v: version_key(v, toolchain=True))


def choose_version(versions, need, exact):
    """The toolchain to install from ``versions``: exactly ``need`` when ``exact``, else the newest release of
    need's minor version that satisfies it (a pre-release only when the minor version has no release yet)."""
    if exact:
        return need if need in versions else None
    fitting = [v for v in versions if same_minor(v, need) and at_least(v, need)]
    releases = [v for v in fitting if is_release(v)]
    pick = releases or fitting
    return pick[-1] if pick else None


def debian_upstream(version):
    """Upstream Go version of a Debian package version: '2:1.22.8-1~bpo12+1' -> '1.22.8'; None for a pre-release."""
    upstream = version.split(":", 1)[-1].rsplit("-", 1)[0]
    return upstream if re.match(r"^\d+\.\d+(\.\d+)?$", upstream) else None


def parse_apt_policy(text):
    """{package: candidate version} from ``apt-cache policy <package>...`` output."""
    candidates, package = {}, None
    for line in text.splitlines():
        match = re.match(r"^(\S+):$", line)
        if match:
            package = match.group(1)
            continue
        match = re.match(r"^\s+Candidate:\s+(\S+)", line)
        if match and package:
            candidates[package] = None if match.group(1) == "(none)" else match.group(1)
    return candidates


def choose_debian(candidates, need):
    """The golang-1.N-go package to install for ``need``: the lowest minor version whose candidate is new enough.
    Returns (package, upstream version, GOROOT) or None."""
    fitting = []
    for package, candidate in candidates.items():
        match = re.match(r"^golang-(1\.\d+)-go$", package)
        upstream = debian_upstream(candidate) if candidate and match else None
        if upstream and at_least(upstream, need):
            fitting.append((version_key(upstream, toolchain=True), package, upstream, "/usr/lib/go-%s" % match.group(1)))
    return min(fitting)[1:] if fitting else None


def proxy_from_env(goproxy):
    """The first proxy URL of a GOPROXY value ('https://a,direct' -> 'https://a'); '' for an empty value; raises
    GoVersionError when the list starts with off or direct (nothing else to fetch a toolchain zip from)."""
    for entry in re.split(r"[,|]", goproxy or ""):
        entry = entry.strip()
        if not entry:
            continue
        if entry in ("off", "direct"):
            raise GoVersionError("GOPROXY=%s starts with %s, and the toolchain is fetched from a module proxy only"
                                 % (goproxy, entry))
        return entry.rstrip("/")
    return ""


class ZipHasher:
    """golang.org/x/mod/sumdb/dirhash Hash1 over a module zip's files, fed one file at a time."""

    def __init__(self):
        self.lines = []

    def add(self, name, sha256_hex):
        if "\n" in name:
            raise ValueError("file name with a newline in the zip: %r" % name)
        self.lines.append((name, sha256_hex))

    def sum(self):
        summary = "".join("%s  %s\n" % (digest, name) for name, digest in sorted(self.lines))
        return "h1:" + base64.b64encode(hashlib.sha256(summary.encode("utf-8")).digest()).decode("ascii")


def hash1(files):
    """dirhash Hash1 of {name: content bytes}."""
    hasher = ZipHasher()
    for name, content in files.items():
        hasher.add(name, hashlib.sha256(content).hexdigest())
    return hasher.sum()


def parse_lookup(body):
    """A checksum database lookup answer -> (record id, record text, signed note)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    first, sep, rest = text.partition("\n")
    if not sep or not first.isdigit():
        raise ValueError("not a checksum database record: %r" % text[:80])
    record, sep, note = rest.partition("\n\n")
    if not sep:
        raise ValueError("checksum database record without a tree note")
    return int(first), record + "\n", note


def record_hash(record_text, module, version):
    """The h1: hash of module@version's zip in a record's text, or None."""
    for line in record_text.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == module and fields[1] == version:
            return fields[2]
    return None


def parse_note(note):
    """A signed note -> (signed text, [(signer name, signature bytes)])."""
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise ValueError("malformed signed note")
    found = []
    for line in signatures.splitlines():
        match = re.match(u"^\u2014 (\\S+) (\\S+)$", line)
        if match:
            found.append((match.group(1), base64.b64decode(match.group(2))))
    return text + "\n", found


def parse_tree(text):
    """The tree head of a checksum database note -> (size, root hash bytes)."""
    lines = text.splitlines()
    if len(lines) < 3 or lines[0] != "go.sum database tree":
        raise ValueError("not a go.sum database tree note: %r" % text[:80])
    return int(lines[1]), base64.b64decode(lines[2])


def verify_note(text, signatures, key=SUMDB_KEY):
    """Whether one of the note's signatures is the ed25519 signature of ``key`` (name+hash+base64 key) over text.
    Returns None when the cryptography package is missing."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    name, key_hash, encoded = key.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[:1] != b"\x01" or hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != bytes.fromhex(key_hash):
        raise ValueError("malformed verifier key %s" % key)
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    for signer, signature in signatures:
        if signer != name or signature[:4] != bytes.fromhex(key_hash):
            continue
        try:
            public.verify(signature[4:], text.encode("utf-8"))
            return True
        except InvalidSignature:
            return False
    return False


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tile_path(level, index, width, height=TILE_HEIGHT):
    """The path of a tile of the checksum database (golang.org/x/mod/sumdb/tlog Tile.Path)."""
    name = "%03d" % (index % 1000)
    while index >= 1000:
        index //= 1000
        name = "x%03d/%s" % (index % 1000, name)
    return "tile/%d/%d/%s%s" % (height, level, name, "" if width == 1 << height else ".p/%d" % width)


def stored_hash(level, index, size, fetch, height=TILE_HEIGHT):
    """Hash of the complete subtree at ``level`` (2**level records) number ``index`` of a tree of ``size`` records,
    from the tile holding it. ``fetch(path)`` returns a tile's bytes."""
    tile_level, rest = divmod(level, height)
    first, count = index << rest, 1 << rest
    tile = first >> height
    width = min(1 << height, (size >> (tile_level * height)) - (tile << height))
    data = fetch(tile_path(tile_level, tile, width, height))
    offset = first - (tile << height)
    if len(data) < (offset + count) * 32:
        raise ValueError("tile %s is too short" % tile_path(tile_level, tile, width, height))
    hashes = [data[(offset + i) * 32:(offset + i + 1) * 32] for i in range(count)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def tree_root(record_id, record_text, size, fetch, height=TILE_HEIGHT):
    """The root hash of a tree of ``size`` records whose record ``record_id`` is ``record_text``, every other hash
    read from tiles: equal to the signed root only if the record is in the tree (an inclusion proof)."""
    if not 0 <= record_id < size:
        raise ValueError("record %d is not in a tree of %d records" % (record_id, size))
    leaf = leaf_hash(record_text.encode("utf-8"))

    def subtree(lo, hi):
        count = hi - lo
        if lo <= record_id < hi:
            if count == 1:
                return leaf
        elif count & (count - 1) == 0:
            level = count.bit_length() - 1
            return stored_hash(level, lo >> level, size, fetch, height)
        split = 1 << ((count - 1).bit_length() - 1)
        return node_hash(subtree(lo, lo + split), subtree(lo + split, hi))

    return subtree(0, size)
