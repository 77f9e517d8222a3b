# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``runner: ginkgo`` command line: the ginkgo CLI at the version the Go module requires, built from the Go
module cache into the collection's cache (``<cache>/bin/ginkgo-<version>``, reused by later runs), and the
``ginkgo run`` arguments (``--procs``, ``--race``, ``--timeout``, ``--json-report``) made from a service's settings.

Used by the preflight module; no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import os
import shutil
import tempfile

GINKGO_MODULE = "github.com/onsi/ginkgo/v2"
GINKGO_PACKAGE = GINKGO_MODULE + "/ginkgo"
CONVERTER = "ginkgo-json-events.py"
# go test flags with no ginkgo meaning here: -json and -count (ginkgo has no result cache), -o/-c (its own binaries)
DROPPED = ("json", "count", "timeout", "o", "c")
# go test flags that select tests by their Go name: ginkgo selects specs by text or label instead
REFUSED = {"run": "--focus=<regexp of spec text> (-ginkgo.focus) or --label-filter=<labels>",
           "skip": "--skip=<regexp of spec text> (-ginkgo.skip)"}
RENAMED = {"failfast": "--fail-fast"}


def binary_path(cache_dir, version):
    return os.path.join(cache_dir, "bin", "ginkgo-%s" % version)


def required_version(run, go, repo_dir):
    """(version, error) of github.com/onsi/ginkgo/v2 in the module's build list (go.mod, replace directives)."""
    rc, out, err = run([go, "list", "-m", "-f", "{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}",
                        GINKGO_MODULE], cwd=repo_dir)
    version = out.strip()
    if rc != 0 or not version:
        return "", (err.strip() or out.strip() or "no version")
    return version, ""


def build(run, go, repo_dir, cache_dir, version):
    """The path of ginkgo <version>, built when the cache does not hold it; (path, error).

    First ``go build`` of the CLI package inside the module (its go.mod and go.sum pin the CLI's dependencies, the
    module cache has them when the suites were built once); when the module's go.sum lacks the CLI's own
    dependencies, ``go install <package>@<version>`` outside the module (Go's module cache, else GOPROXY as usual).
    """
    path = binary_path(cache_dir, version)
    if os.access(path, os.X_OK):
        return path, ""
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".ginkgo-build-", dir=os.path.dirname(path))
    try:
        target = os.path.join(work, "ginkgo")
        rc, out, err = run([go, "build", "-o", target, GINKGO_PACKAGE], cwd=repo_dir)
        if rc != 0:
            rc, out2, err2 = run([go, "install", "%s@%s" % (GINKGO_PACKAGE, version)], cwd=work,
                                 environ_update={"GOBIN": work, "GOFLAGS": "-mod=mod"})
            if rc != 0:
                return "", "go build %s failed in %s: %s; go install %s@%s failed: %s" % (
                    GINKGO_PACKAGE, repo_dir, (err or out).strip()[-400:], GINKGO_PACKAGE, version,
                    (err2 or out2).strip()[-400:])
        os.chmod(target, 0o755)
        os.rename(target, path)  # atomic: a concurrent run sees the old state or a complete binary
        return path, ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def converter_path(cache_dir):
    """Where install_converter puts the report converter."""
    return os.path.join(cache_dir, "bin", CONVERTER)


def install_converter(cache_dir, source_module):
    """Copy the report converter (gotest/ginkgo_json.py) next to the ginkgo binaries when it changed; its path."""
    source = inspect.getsource(source_module)
    path = converter_path(cache_dir)
    try:
        with open(path) as handle:
            if handle.read() == source:
                return path
    except (IOError, OSError):
        pass
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(source)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)
    return path


def refused(flags):
    """Messages for go test flags that have no ginkgo equivalent (-run, -skip), with what to use instead."""
    return ["%s: use %s" % (flag, REFUSED[flag.split("=", 1)[0].lstrip("-")]) for flag in flags
            if flag.split("=", 1)[0].lstrip("-") in REFUSED and not flag.startswith(("-ginkgo.", "--ginkgo."))]


def translate_flags(flags):
    """(ginkgo flags, flags for the test binaries, dropped) from a service's go test flags.

    ``-ginkgo.X`` becomes ginkgo's ``--X``, ``-failfast`` ``--fail-fast``; ``-test.X`` goes to the test binaries (after ``--``); -json, -count,
    -timeout, -o and -c are dropped (the runner sets its own); the rest (``-v``, ``-race``, ``-tags=...``, ginkgo's
    own flags) is passed as it is.
    """
    ginkgo, binary, dropped = [], [], []
    for flag in flags:
        name = flag.split("=", 1)[0]
        if name.startswith(("-ginkgo.", "--ginkgo.")):
            ginkgo.append("--" + flag.lstrip("-")[len("ginkgo."):])
        elif name.startswith(("-test.", "--test.")):
            binary.append(flag)
        elif name.lstrip("-") in DROPPED:
            dropped.append(flag)
        elif name.lstrip("-") in RENAMED:
            ginkgo.append(RENAMED[name.lstrip("-")] + flag[len(name):])
        else:
            ginkgo.append(flag)
    return ginkgo, binary, dropped


def ginkgo_argv(python, converter, ginkgo, report, packages, flags, procs, race, timeout):
    """The command line: the converter, which runs ``ginkgo run`` and prints its JSON report as go test events."""
    own, binary, dropped = translate_flags(flags)
    has = lambda name: any(f.lstrip("-").split("=")[0] == name for f in own)  # noqa: E731
    argv = [python, converter, report, "--", ginkgo, "run"]
    argv += [] if has("procs") or has("p") or has("nodes") else ["--procs=%d" % procs]
    argv += ["--race"] if race and not has("race") else []
    argv += [] if has("timeout") else ["--timeout=" + timeout]
    # --output-dir: with a path in --json-report alone, ginkgo has each suite write its part under the suite's own
    # directory (the path joined to it) and leaves those directories in the module
    argv += ["--keep-going", "--no-color", "--output-dir=" + os.path.dirname(report),
             "--json-report=" + os.path.basename(report)]
    argv += own + list(packages)
    argv += ["--"] + binary if binary else []
    return argv, dropped
