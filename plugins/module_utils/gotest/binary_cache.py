# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test binaries that outlive their run, so that go test does not link them again.

``go test -o <dir>/`` skips the link of a package whose binary in <dir> is current (its build ID
matches). A run's <dir> is its own ``<run dir>/bin``; it is seeded with hard links from a cache per
user, service and Go module (``<state dir>/.test-binaries/<service>-<hash>``) and, when the run's
directory is removed, its binaries go back into that cache. Go replaces a stale binary by renaming a
new file over it, never by writing into it, so a binary shared through a hard link is never changed
under another run that executes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re
import shutil
import time

CACHE_DIR = ".test-binaries"  # under the state directory; the reaper's glob("*") of run directories skips it
CACHE_MARK = ".cache"         # in a run's binary directory: the cache its binaries go back to
CACHE_MAX_AGE = 7 * 86400     # a cache no run used for this long is removed by the stale reap
SUFFIX = ".test"


def exec_name(import_path):
    """The name Go gives a package's executable (cmd/go's DefaultExecName): the last element of the
    import path, or the one before a major version suffix such as /v2."""
    parent, dummy, elem = import_path.rpartition("/")
    if parent and re.match(r"^v(?:[2-9]|[1-9][0-9]+)$", elem):
        elem = parent.rpartition("/")[2]
    return elem


def unique_names(import_paths):
    """True when no two packages get the same binary name (go test -o <dir> refuses to write two)."""
    names = [exec_name(p) for p in import_paths]
    return len(set(names)) == len(names)


def cache_dir(state_dir, service, repo_dir):
    key = hashlib.sha256(os.path.realpath(repo_dir).encode("utf-8")).hexdigest()[:12]
    return os.path.join(state_dir, CACHE_DIR, "%s-%s" % (re.sub(r"[^A-Za-z0-9_.-]", "_", service), key))


def _place(src, dst):
    """Hard-link src to dst, or copy it when they are on different file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def open_cache(cache):
    """Create the cache if needed and mark it in use, so that prune() leaves it."""
    os.makedirs(cache, mode=0o700, exist_ok=True)
    os.utime(cache)


def seed(bin_dir, cache):
    """Create ``bin_dir`` with the cached binaries in it and record ``cache`` for harvest()."""
    open_cache(cache)
    os.makedirs(bin_dir, mode=0o700, exist_ok=True)
    for name in os.listdir(cache):
        dst = os.path.join(bin_dir, name)
        if name.endswith(SUFFIX) and not os.path.exists(dst):
            _place(os.path.join(cache, name), dst)
    with open(os.path.join(bin_dir, CACHE_MARK), "w") as handle:
        handle.write(cache)


def harvest(run_dir):
    """Move the test binaries of a run directory about to be removed back into their cache."""
    bin_dir = os.path.join(run_dir, "bin")
    try:
        with open(os.path.join(bin_dir, CACHE_MARK)) as handle:
            cache = handle.read().strip()
        names = [n for n in os.listdir(bin_dir) if n.endswith(SUFFIX)]
    except OSError:
        return
    if not os.path.isdir(cache):
        return
    for name in names:
        src, dst = os.path.join(bin_dir, name), os.path.join(cache, name)
        if not os.path.isfile(src) or (os.path.exists(dst) and os.path.samefile(src, dst)):
            continue  # unchanged: still the cache's own file (rename() of two links to one file does nothing)
        tmp = "%s.%d.tmp" % (dst, os.getpid())
        try:
            _place(src, tmp)
            os.replace(tmp, dst)  # atomic: a run seeding now gets the old binary or the new one
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def prune(state_dir, now=None):
    """Remove the caches no run used for CACHE_MAX_AGE; return their names."""
    now = now or time.time()
    root = os.path.join(state_dir, CACHE_DIR)
    gone = []
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return gone
    for name in names:
        path = os.path.join(root, name)
        try:
            if now - os.path.getmtime(path) > CACHE_MAX_AGE:
                shutil.rmtree(path, ignore_errors=True)
                gone.append(name)
        except OSError:
            pass
    return gone
