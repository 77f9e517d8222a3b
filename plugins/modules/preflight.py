#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: preflight
short_description: Check a service's test run can start, and build its go test command line
version_added: "0.1.0"
description:
  - Runs before anything is provisioned, so that bad input fails with one clear message naming
    the fix and leaves nothing behind. It only checks and reads; it changes nothing on the host.
  - Checks that the Go module directory exists and holds C(go.mod), that Go (and Podman, when
    backends are needed) are installed, that every package pattern matches packages with tests,
    and that the host ports the backends will publish are free.
  - Returns the C(go test) argument vector, with C(-json), C(-count=1) (integration results must
    not come from Go's test cache; a C(-count) flag given by the user wins) and C(-timeout), wrapped
    in coreutils C(timeout) so a hanging build is bounded too.
  - What the command line needs on the host (the directories of O(temp_dir) and O(binary_dir), the ginkgo CLI) is
    made right before the tests start by M(kubernaut.testinfra.prepare_tests), from this module's return values. What
    dead runs left is removed before this check by M(kubernaut.testinfra.reap) with
    O(kubernaut.testinfra.reap#module:stale=true), so that their ports count as free.
author:
  - kubernaut.testinfra contributors
options:
  service:
    description: Service name, for messages.
    type: str
    default: service
  repo_dir:
    description: The Go module directory of the service (C(testinfra_repo_dir)).
    type: str
    default: ""
  packages:
    description: Package patterns to test, relative to O(repo_dir), for example C(./test/integration/ai/...).
    type: list
    elements: str
    required: true
  go:
    description: The Go executable.
    type: str
    default: go
  go_test_flags:
    description: Extra flags for C(go test), for example C(-v) or C(-run=TestCache).
    type: list
    elements: str
    default: []
  go_test_timeout:
    description: The C(go test -timeout) value (a Go duration such as C(5m)).
    type: str
    default: 5m
  build_grace:
    description: Seconds added to O(go_test_timeout) for the outer bound that also covers compiling.
    type: int
    default: 300
  podman:
    description: Podman executable to check for, or an empty string when no backend needs it.
    type: str
    default: podman
  ports:
    description: Host ports the backends will publish; each is checked to be free.
    type: list
    elements: dict
    default: []
    suboptions:
      backend:
        description: Backend name, for the message.
        type: str
        required: true
      host:
        description: Address the port is bound to.
        type: str
        default: 127.0.0.1
      port:
        description: The port.
        type: int
        required: true
      variable:
        description: The variable that sets this port, named in the message.
        type: str
        default: ""
  state_dir:
    description: The directory relative paths are taken under; default C(<tmp>/kubernaut-testinfra-<uid>).
    type: path
  binary_dir:
    description:
      - Directory for the test binaries, passed as C(go test -o <dir>/); a relative path is taken under
        O(state_dir). Go does not link a test package again when its binary there is current (about
        0.6 s saved per package here, 1.5 s for a client-go suite).
      - The binaries of earlier runs come from a cache per user, service and Go module
        (C(<state_dir>/.test-binaries/<service>-<hash of repo_dir>), RV(binary_cache)).
        M(kubernaut.testinfra.prepare_tests) creates the directory with hard links to them, and
        M(kubernaut.testinfra.reap) moves the binaries back into the cache when it removes the run's directory; a cache
        unused for 7 days is removed by the stale reap.
      - Not used when O(go_test_flags) hold C(-o) or C(-c), or when two test packages would get the same
        binary name (C(go test -o) refuses that); RV(binary_dir) is then empty.
    type: str
  temp_dir:
    description:
      - Directory for the temporary files of C(go test) and of the tests it runs, to be their C(TMPDIR); a relative
        path is taken under O(state_dir). M(kubernaut.testinfra.prepare_tests) creates it.
    type: str
  binaries_in_cache:
    description:
      - With O(binary_dir) set, let C(go test -o) write straight into the cache instead of a directory of
        the run. For keep mode, where runs of one service do not overlap and no run directory is removed
        afterwards to bring the binaries back.
    type: bool
    default: false
  manifests:
    description:
      - Kubernetes manifest paths relative to O(repo_dir), by kind (for example C(crds), C(manifests)).
        Each must exist; a directory stands for the C(.yaml), C(.yml) and C(.json) files in it.
    type: dict
    default: {}
  runner:
    description:
      - C(go) or C(ginkgo). C(go) runs C(go test -json). C(ginkgo) runs the ginkgo CLI (C(ginkgo run --procs --timeout --json-report)) at
        the version of C(github.com/onsi/ginkgo/v2) the module requires, built from the Go module cache into
        O(cache_dir)C(/bin/ginkgo-<version>) on first use; a small converter prints ginkgo's JSON report as
        C(go test -json) events, so the summary, JUnit and C(summary.json) read the same format.
      - Packages without any Ginkgo suite run with C(go test) (a warning says so); Ginkgo suites mixed with plain
        C(testing) packages fail, since ginkgo reports no results for the plain ones.
      - For C(ginkgo), C(-ginkgo.X) flags of O(go_test_flags) become C(--X), C(-failfast) C(--fail-fast), C(-test.X)
        flags go to the test binaries, C(-json), C(-count), C(-timeout), C(-o) and C(-c) are dropped, C(-run) and
        C(-skip) fail (ginkgo selects specs with C(--focus), C(--skip), C(--label-filter)), the others are passed as
        they are.
    type: str
    default: go
  procs:
    description: With O(runner=ginkgo), ginkgo's C(--procs); C(0) is the number of cores of the host.
    type: int
    default: 0
  race:
    description: Build with the race detector (ginkgo's C(--race), C(go test -race)).
    type: bool
    default: false
  report_file:
    description:
      - With O(runner=ginkgo), where ginkgo writes its JSON report (and C(<report_file>.log), its console output); a
        relative path is taken under O(state_dir).
    type: str
    default: ginkgo-report.json
  cache_dir:
    description: The collection's cache (ginkgo binaries under C(bin/)). Default C($XDG_CACHE_HOME/kubernaut-testinfra).
    type: path
attributes:
  check_mode:
    support: full
    description: Only reads, in check mode as otherwise.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Check inputs and build the go test command line
  kubernaut.testinfra.preflight:
    service: datastorage
    repo_dir: "{{ testinfra_repo_dir }}"
    packages: [./test/integration/datastorage/...]
    go_test_timeout: 5m
    ports:
      - {backend: pgvector, port: 5432, variable: pgvector_port}
  register: preflight
"""

RETURN = r"""
argv:
  description: The full command line to run the tests, from C(repo_dir).
  returned: success
  type: list
  elements: str
  sample: [timeout, --kill-after=30, "600", go, test, -json, -count=1, -timeout=5m, ./test/integration/ai/...]
ginkgo:
  description:
    - With O(runner=ginkgo) (and a Ginkgo suite to run), where the ginkgo binary of the module's version and the report
      converter go (M(kubernaut.testinfra.prepare_tests) builds and installs them when the cache lacks them), the
      version, report and procs; else empty.
  returned: success
  type: dict
  sample: {path: /home/me/.cache/kubernaut-testinfra/bin/ginkgo-v2.28.0, version: v2.28.0, report: /tmp/x/r.json}
binary_dir:
  description: The directory C(go test -o) writes the test binaries to, or an empty string when O(binary_dir) is not used.
  returned: success
  type: str
  sample: /tmp/kubernaut-testinfra-0/20261124031811-2536/bin
binary_cache:
  description: With RV(binary_dir), the cache of this service's test binaries it is made from; else empty.
  returned: success
  type: str
go_version:
  description: Output of C(go version).
  returned: success
  type: str
test_packages:
  description: Import paths of the packages with tests.
  returned: success
  type: list
  elements: str
manifests:
  description: O(manifests) with every path expanded to the absolute manifest files, in order.
  returned: success
  type: dict
  sample: {crds: [/src/svc/config/crd/kubernaut.io_remediationrequests.yaml]}
temp_dir:
  description: The absolute path of O(temp_dir), or empty without it.
  returned: success
  type: str
user:
  description: Name of the user running the play (owner label, names of kept backends).
  returned: success
  type: str
state_dir:
  description: The default directory of the runs' state on this host (C(<tmp>/kubernaut-testinfra-<uid>)).
  returned: success
  type: str
finished:
  description: When the checks ended (seconds since the epoch), where the provisioning phase of the run begins.
  returned: success
  type: float
hostname:
  description: This host's name, stored in resource labels next to RV(controller).
  returned: success
  type: str
controller:
  description:
    - C(<pid>:<start time>) of the ansible-playbook process running this play (empty if unknown). Stored in
      resource labels so that M(kubernaut.testinfra.reap) can tell the resources of dead runs.
  returned: success
  type: str
  sample: "41234:912345"
"""

import os
import pwd
import re
import socket
import sys
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils import ports, runstate
from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.cache import default_cache_dir
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import binary_cache as test_binaries
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest import ginkgo_cli
from ansible_collections.kubernaut.testinfra.plugins.module_utils.k8s import manifests
from ansible_collections.kubernaut.testinfra.plugins.module_utils.reaping import port_taken_message
from ansible_collections.kubernaut.testinfra.plugins.module_utils.runstate import default_base_dir

GINKGO = "github.com/onsi/ginkgo/v2"
DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "ns": 1e-9}


def go_duration_seconds(text):
    """'1h30m' -> 5400; None when it is not a Go duration."""
    text = str(text).strip()
    parts = DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * UNIT_SECONDS[u] for n, u in parts)


def check_repo(module):
    params = module.params
    where = "for service %s" % params["service"]
    repo = params["repo_dir"]
    if not repo:
        module.fail_json(msg="testinfra_repo_dir is not set %s: pass -e testinfra_repo_dir=/path/to/your/go/module"
                         % where)
    if not os.path.isdir(repo):
        module.fail_json(msg="testinfra_repo_dir %s does not exist (%s): pass -e testinfra_repo_dir=<directory "
                         "holding your service's go.mod>" % (repo, where))
    if not os.path.isfile(os.path.join(repo, "go.mod")):
        module.fail_json(msg="testinfra_repo_dir %s is not a Go module (no go.mod) %s: point it at the "
                         "directory holding go.mod" % (repo, where))


def find_tool(module, name, fix):
    path = module.get_bin_path(name)
    if not path and not os.path.isabs(name):
        fallback = "/usr/local/go/bin/go" if name == "go" else ""
        path = fallback if fallback and os.access(fallback, os.X_OK) else None
    if not path:
        module.fail_json(msg="%s not found on PATH: %s" % (name, fix))
    return path


def check_packages(module, go):
    """Every pattern must match at least one package, and together they must hold tests."""
    params = module.params
    ginkgo = "{{range .TestImports}}{{if eq . %s}}G{{end}}{{end}}{{range .XTestImports}}{{if eq . %s}}G{{end}}{{end}}" % (
        (('"%s"' % GINKGO),) * 2)
    fmt = "{{.ImportPath}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}\t%s\t{{if .Error}}{{.Error}}{{end}}" % ginkgo
    rc, out, err = module.run_command([go, "list", "-e", "-f", fmt] + params["packages"], cwd=params["repo_dir"])
    hint = "check the packages of service %s (testinfra_services.%s.packages)" % (params["service"], params["service"])
    if rc != 0:
        module.fail_json(msg="go list %s failed in %s: %s\n%s" % (" ".join(params["packages"]), params["repo_dir"],
                                                                  err.strip(), hint))
    unmatched = re.findall(r'"([^"]+)" matched no packages', err)
    if unmatched:
        module.fail_json(msg="package pattern %s matches no Go package in %s: %s"
                         % (", ".join(unmatched), params["repo_dir"], hint))
    with_tests, errors = [], []
    module.ginkgo_packages = []
    for line in out.splitlines():
        path, dummy, rest = line.partition("\t")
        fields = rest.split("\t")
        if len(fields) >= 4 and fields[3]:
            errors.append("%s: %s" % (path, fields[3]))
        elif len(fields) >= 2 and (fields[0] != "0" or fields[1] != "0"):
            with_tests.append(path)
            if len(fields) >= 3 and fields[2]:
                module.ginkgo_packages.append(path)
    if errors:
        module.fail_json(msg="cannot load packages in %s:\n  %s\n%s" % (params["repo_dir"], "\n  ".join(errors), hint))
    if not with_tests:
        module.fail_json(msg="no test files in %s under %s: %s" % (" ".join(params["packages"]), params["repo_dir"], hint))
    return with_tests


def check_ports(module):
    for item in module.params["ports"]:
        try:
            # as the servers bind: a connection of an earlier run in TIME_WAIT on the port (on the host's network,
            # the server's side of it is the host's) does not keep them from listening, and must not fail the check
            ports.bind_port(item["host"], item["port"], reuse=True)
        except OSError as exc:
            if not ports.in_use(exc):
                module.fail_json(msg="cannot bind %s:%s for %s: %s" % (item["host"], item["port"], item["backend"], exc))
            module.fail_json(msg=port_taken_message(module, module.params["podman"] or "podman", item["host"],
                                                    item["port"], item["backend"], item["variable"]))


def expand_manifests(module):
    """{key: [paths]} relative to the repository -> {key: [manifest files]}; a missing path fails."""
    params = module.params
    found = {}
    for key, paths in sorted(params["manifests"].items()):
        files = []
        for rel in paths or []:
            path = os.path.join(params["repo_dir"], rel)
            if os.path.isdir(path):
                names = manifests.files_in(path)
                if not names:
                    module.fail_json(msg="%s path %s of service %s holds no .yaml/.yml/.json file: fix "
                                     "testinfra_services.%s.kubernetes.%s" % (key, path, params["service"],
                                                                               params["service"], key))
                files += names
            elif os.path.isfile(path):
                files.append(path)
            else:
                module.fail_json(msg="%s path %s of service %s not found under %s: fix "
                                 "testinfra_services.%s.kubernetes.%s (paths are relative to testinfra_repo_dir)"
                                 % (key, rel, params["service"], params["repo_dir"], params["service"], key))
        found[key] = files
    return found


def binary_dir(module, test_packages):
    """(directory for go test -o, its cache); ('', '') when it cannot or should not be used. Made by prepare_tests."""
    params = module.params
    if not params["binary_dir"] or any(f.split("=")[0].lstrip("-") in ("o", "c") for f in params["go_test_flags"]):
        return "", ""
    if not test_binaries.unique_names(test_packages):
        return "", ""
    base = params["state_dir"] or default_base_dir()
    cache = test_binaries.cache_dir(base, params["service"], params["repo_dir"])
    path = cache if params["binaries_in_cache"] else os.path.join(base, os.path.expanduser(params["binary_dir"]))
    return path, cache


def build_argv(module, go, test_packages=(), bin_dir=""):
    params = module.params
    seconds = go_duration_seconds(params["go_test_timeout"])
    if seconds is None:
        module.fail_json(msg="timeout %r of service %s is not a Go duration: use a value such as 5m or 90s"
                         % (params["go_test_timeout"], params["service"]))
    flags = list(params["go_test_flags"])
    has = lambda name: any(f == name or f.startswith(name + "=") for f in flags)  # noqa: E731
    argv = [go, "test"]
    argv += [] if has("-json") else ["-json"]
    argv += [] if has("-count") else ["-count=1"]
    argv += [] if has("-timeout") else ["-timeout=" + params["go_test_timeout"]]
    argv += ["-race"] if params["race"] and not has("-race") else []
    argv += ["-o", bin_dir + "/"] if bin_dir else []
    # test binary flags (-ginkgo.*, -test.*) go after the packages, where go test passes them on; a plain
    # testing binary rejects -ginkgo.* flags, so they are dropped unless every test package uses Ginkgo
    ginkgo_flags = [f for f in flags if f.startswith(("-ginkgo.", "--ginkgo."))]
    plain = sorted(set(test_packages) - set(getattr(module, "ginkgo_packages", [])))
    if ginkgo_flags and plain:
        module.warn("%s left out: not a Ginkgo suite: %s" % (" ".join(ginkgo_flags), ", ".join(plain)))
        flags = [f for f in flags if f not in ginkgo_flags]
    binary = [f for f in flags if f.startswith(("-ginkgo.", "--ginkgo.", "-test.", "--test."))]
    argv += [f for f in flags if f not in binary] + params["packages"] + binary
    return bounded(module, argv, seconds)


def bounded(module, argv, seconds):
    """``argv`` under coreutils timeout: the test timeout plus the build allowance (when timeout is installed)."""
    wrapper = module.get_bin_path("timeout")
    if wrapper:
        argv = [wrapper, "--kill-after=30", str(int(seconds) + module.params["build_grace"])] + argv
    return argv


def runner_of(module, test_packages):
    """O(runner), except that packages without any Ginkgo suite run with go test (a run-wide testinfra_runner=ginkgo
    over plain testing suites); Ginkgo suites mixed with plain ones fail (ginkgo gives no test results for those)."""
    params = module.params
    if params["runner"] != "ginkgo":
        return params["runner"]
    suites = getattr(module, "ginkgo_packages", [])
    plain = sorted(set(test_packages) - set(suites))
    if not suites:
        module.warn("runner ginkgo: no Ginkgo suite in the packages of service %s; go test runs them"
                    % params["service"])
        return "go"
    if plain:
        module.fail_json(msg="runner ginkgo: packages of service %s are not Ginkgo suites (%s): ginkgo reports no "
                         "results for plain go tests; list them in a service of their own, or use runner: go"
                         % (params["service"], ", ".join(plain)))
    return "ginkgo"


def ginkgo_run(module, go, test_packages):
    """(argv, facts) of O(runner=ginkgo): ginkgo built (or found in the cache), the converter installed."""
    params = module.params
    version, error = ginkgo_cli.required_version(module.run_command, go, params["repo_dir"])
    if error:
        module.fail_json(msg="runner ginkgo of service %s: the Go module in %s does not require %s (%s): add it "
                         "(go get %s) or use runner: go" % (params["service"], params["repo_dir"],
                                                            ginkgo_cli.GINKGO_MODULE, error, ginkgo_cli.GINKGO_MODULE))
    wrong = ginkgo_cli.refused(params["go_test_flags"])
    if wrong:
        module.fail_json(msg="runner ginkgo of service %s: %s (go test flags in testinfra_go_test_flags or the service's "
                         "go_test_flags that ginkgo does not have)" % (params["service"], "; ".join(wrong)))
    cache = params["cache_dir"] or default_cache_dir(os.environ, os.path.expanduser("~"))
    base = params["state_dir"] or default_base_dir()
    report = os.path.join(base, os.path.expanduser(params["report_file"]))
    path = ginkgo_cli.binary_path(cache, version)  # built there by prepare_tests when the cache lacks it
    converter = ginkgo_cli.converter_path(cache)
    procs = params["procs"] or os.cpu_count() or 1
    argv, dropped = ginkgo_cli.ginkgo_argv(sys.executable or "python3", converter, path, report, params["packages"],
                                           params["go_test_flags"], procs, params["race"], params["go_test_timeout"])
    if dropped:
        module.warn("runner ginkgo: %s left out (go test flags the ginkgo runner sets or does not have)"
                    % " ".join(dropped))
    return bounded(module, argv, go_duration_seconds(params["go_test_timeout"])), dict(
        path=path, version=version, report=report, procs=procs, converter=converter, cache_dir=cache)


ARGUMENT_SPEC = dict(
    service=dict(type="str", default="service"),
    repo_dir=dict(type="str", default=""),
    packages=dict(type="list", elements="str", required=True),
    go=dict(type="str", default="go"),
    go_test_flags=dict(type="list", elements="str", default=[]),
    go_test_timeout=dict(type="str", default="5m"),
    build_grace=dict(type="int", default=300),
    podman=dict(type="str", default="podman"),
    ports=dict(type="list", elements="dict", default=[], options=dict(
        backend=dict(type="str", required=True),
        host=dict(type="str", default="127.0.0.1"),
        port=dict(type="int", required=True),
        variable=dict(type="str", default=""),
    )),
    manifests=dict(type="dict", default={}),
    runner=dict(type="str", default="go"),  # go or ginkgo, checked with a message naming the variables
    procs=dict(type="int", default=0),
    race=dict(type="bool", default=False),
    report_file=dict(type="str", default="ginkgo-report.json"),
    cache_dir=dict(type="path"),
    binary_dir=dict(type="str"),
    binaries_in_cache=dict(type="bool", default=False),
    temp_dir=dict(type="str"),
    state_dir=dict(type="path"),
)


def temp_dir(module):
    """The path of O(temp_dir) (made by prepare_tests); '' without it."""
    params = module.params
    if not params["temp_dir"]:
        return ""
    return os.path.join(params["state_dir"] or default_base_dir(), os.path.expanduser(params["temp_dir"]))


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    params = module.params
    if not params["packages"]:
        module.fail_json(msg="service %s lists no packages: set testinfra_services.%s.packages"
                         % (params["service"], params["service"]))
    if go_duration_seconds(params["go_test_timeout"]) is None:
        module.fail_json(msg="timeout %r of service %s is not a Go duration: use a value such as 5m or 90s"
                         % (params["go_test_timeout"], params["service"]))
    if params["runner"] not in ("go", "ginkgo"):
        module.fail_json(msg="runner %r of service %s is neither go nor ginkgo: fix testinfra_runner, or "
                         "testinfra_services.%s.runner" % (params["runner"], params["service"], params["service"]))
    if params["procs"] < 0:
        module.fail_json(msg="procs %d of service %s is negative: use 0 (the host's cores) or a number of processes"
                         % (params["procs"], params["service"]))
    check_repo(module)
    go = find_tool(module, params["go"], "install Go (https://go.dev/dl/) or run `make prepare`, "
                   "or set testinfra_go=/path/to/go")
    if params["podman"]:
        find_tool(module, params["podman"], "install Podman (apt-get install podman) or run `make prepare`")
    dummy, go_version, dummy = module.run_command([go, "version"])
    test_packages = check_packages(module, go)
    manifests = expand_manifests(module)
    check_ports(module)
    if runner_of(module, test_packages) == "ginkgo":
        bin_dir = bin_cache = ""
        argv, ginkgo = ginkgo_run(module, go, test_packages)
    else:
        bin_dir, bin_cache = binary_dir(module, test_packages)
        argv, ginkgo = build_argv(module, go, test_packages, bin_dir), {}
    module.exit_json(changed=False, ginkgo=ginkgo, argv=argv, binary_dir=bin_dir, binary_cache=bin_cache,
                     temp_dir=temp_dir(module),
                     go_version=go_version.strip(), manifests=manifests, test_packages=test_packages,
                     controller=runstate.controller(), state_dir=default_base_dir(), user=pwd.getpwuid(os.getuid()).pw_name,
                     hostname=socket.gethostname(), finished=time.time())


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
