# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A file-based Go module proxy (GOPROXY=file://<dir>) from the controller's module cache, for lab hosts without
access to a module proxy (module_sync go_proxy=true, docs/lab-hosts.md).

The layout is the module cache's own (``$GOMODCACHE/cache/download``), which is what the go command reads from a
GOPROXY: ``<escaped module path>/@v/list``, ``<escaped version>.info``, ``.mod`` and ``.zip``. The go.mod of every
module version of the module graph (``go mod graph``) is there, so that the go command can load the graph; the
.info and .zip of the build list (``go mod download -json all``), so that it can build the packages.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import re
import shutil

# what the go command's proxy protocol needs of each module version; a zip only for the build list
SUFFIXES = (".info", ".mod")
STAMP = ".kubernaut-testinfra-goproxy.json"

_SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def escape(path):
    """The module cache's case encoding (golang.org/x/mod/module.EscapePath): 'Azure' -> '!azure'."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


def parse_json_stream(text):
    """The concatenated JSON objects that `go mod download -json` prints."""
    decoder = json.JSONDecoder()
    found, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return found
        obj, at = decoder.raw_decode(text, at)
        found.append(obj)


def graph_versions(graph_text):
    """(module path, version) of every node of `go mod graph` that has a version (the main module has none)."""
    found = set()
    for line in graph_text.splitlines():
        for node in line.split():
            path, sep, version = node.partition("@")
            if sep and version and path != "go" and path != "toolchain":
                found.add((path, version))
    return found


def version_key(version):
    """Sort key of a module version, semver order (pseudo-versions as prereleases); unparsable ones last."""
    match = _SEMVER.match(version)
    if not match:
        return (1, (), version)
    pre = match.group(4)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    return (0, tuple(int(g) for g in match.group(1, 2, 3)), (1,) if pre is None else (0,) + parts)


def layout(build_list, graph, cache_dir):
    """({relative path in the proxy directory: source file in cache_dir}, {relative path of an @v/list: its text}),
    or raises ValueError naming what the module cache lacks of the build list. A module version of the graph that
    is not in the build list comes with its go.mod when the cache has it (else go never read it: graph pruning).

    build_list: the objects of `go mod download -json all` (Path, Version, Error); graph: (path, version) pairs.
    """
    wanted = {}  # (path, version) -> suffixes
    errors = []
    for entry in build_list:
        if entry.get("Error"):
            errors.append("%s@%s: %s" % (entry.get("Path"), entry.get("Version"), entry["Error"]))
            continue
        if not entry.get("Version"):  # the main module, a replacement by a directory
            continue
        wanted[(entry["Path"], entry["Version"])] = SUFFIXES + (".zip",)
    build = set(wanted)
    for node in graph:
        wanted.setdefault(node, (".mod",))
    if errors:
        raise ValueError("go mod download failed for " + "; ".join(errors))
    files, versions = {}, {}
    missing = []
    for (path, version), suffixes in sorted(wanted.items()):
        rel_dir = "%s/@v" % escape(path)
        for suffix in suffixes:
            rel = "%s/%s%s" % (rel_dir, escape(version), suffix)
            source = os.path.join(cache_dir, rel)
            if os.path.isfile(source):
                files[rel] = source
            elif (path, version) in build and suffix != ".info":  # .info: not for every download
                missing.append(rel)
            # a graph node without its go.mod in the cache: go did not read it (graph pruning) and will not
        if (path, version) in build or rel_dir + "/" + escape(version) + ".mod" in files:
            versions.setdefault(rel_dir, set()).add(version)
    if missing:
        raise ValueError("not in the module cache %s: %s" % (cache_dir, ", ".join(missing[:10])))
    lists = {}
    for rel_dir, found in versions.items():
        lists[rel_dir + "/list"] = "".join(v + "\n" for v in sorted(found, key=version_key))
    return files, lists


def assemble(dest, files, lists, stamp=None):
    """Make dest hold exactly files (hard links to the cache, copies across file systems; mtimes kept) and lists
    (written only when their text changed, so that their mtime says when); remove anything else. Returns the
    number of module versions (the .mod files)."""
    os.makedirs(dest, exist_ok=True)
    keep = set(files) | set(lists) | {STAMP}
    for top, dirs, names in os.walk(dest, topdown=False):
        for name in names:
            path = os.path.join(top, name)
            if os.path.relpath(path, dest) not in keep:
                os.remove(path)
        for name in dirs:
            path = os.path.join(top, name)
            if not os.listdir(path):
                os.rmdir(path)
    for rel, source in files.items():
        target = os.path.join(dest, rel)
        if os.path.exists(target) and os.path.samefile(target, source):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.lexists(target):
            os.remove(target)
        try:
            os.link(source, target)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            shutil.copy2(source, target)
    for rel, text in lists.items():
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            with open(target, encoding="utf-8") as handle:
                if handle.read() == text:
                    continue
        except (IOError, OSError):
            pass
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    if stamp is not None:
        with open(os.path.join(dest, STAMP), "w", encoding="utf-8") as handle:
            json.dump(stamp, handle, sort_keys=True)
    return sum(1 for rel in files if rel.endswith(".mod"))


def read_stamp(dest):
    try:
        with open(os.path.join(dest, STAMP), encoding="utf-8") as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None
