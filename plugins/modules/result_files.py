#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: result_files
short_description: Write JUnit XML, a JSON summary and backend logs of a go test run for CI
version_added: "0.1.0"
description:
  - Runs on the controller after C(go test -json) and writes into O(dest) the files a CI system
    picks up. The counting is the one of the printed summary (the P(kubernaut.testinfra.go_test_summary#filter)
    filter).
  - C(junit.xml) is JUnit XML in the Ant/Jenkins schema read by GitHub Actions reporters
    (for example mikepenz/action-junit-report, dorny/test-reporter), GitLab and Jenkins. It has one
    C(<testsuite>) per Go package (name = import path) and one C(<testcase>) per counted test
    (classname = import path). Plain C(testing) packages have one per leaf test or subtest
    (C(TestX/sub); a parent that only holds subtests is not counted). Ginkgo suites have one per spec,
    named by the spec's full text (containers and leaf, labels at the end, without the C([It]) marker
    of Ginkgo's failure reports), plus one per failed suite node such as C([BeforeSuite]).
  - >-
    Ginkgo prints the names of passed specs only with C(-ginkgo.v) (skipped ones only with C(-ginkgo.v) and
    a C(Skip) message, specs filtered out never). Without it, failed and pending specs are named and the
    others are written as anonymous test cases C(<suite> spec #N (name not reported; add -ginkgo.v)) or
    C(<suite> spec #N (skipped; name not reported)), so that the counts still match Ginkgo's. Add
    C(-ginkgo.v) to the service's C(go_test_flags) for a test case per spec name.
  - A failure carries its one-line reason as C(message) and the failed name plus the output excerpt as text;
    a test cut off by the go test timeout (and a package that timed out) is an C(<error>); a package that
    did not compile is one C(<error>) test case C(build failed) holding the compiler lines. JUnit's tests
    therefore equal the summary's total plus one per package that failed to build.
  - C(summary.json) holds service, run_id, ok, state, counts, failed names, failures (name, package,
    message), packages, build_errors, non_json (output lines that were not C(go test -json) events, such as
    errors of the C(go) command), durations (O(phases)), backends, go_version, hostname, logs, and started and
    finished (the first and last C(go test) event times, UTC).
  - When the run did not pass (see O(save_logs)), the logs of the backends in O(logs) are written to
    C(logs/<name>.log).
  - Every secret in O(redact), values of C(password=...) and C(REDIS_PASSWORD=...) (any key ending in C(password), also with a colon), the password of
    C(scheme://user:password@host) URLs and anything that looks like a JWT are replaced by C(********)
    in everything written.
author:
  - kubernaut.testinfra contributors
options:
  dest:
    description:
      - Directory the files are written to; created with mode 0700 if missing. Files are written with mode 0600.
      - An empty string writes nothing (C(testinfra_artifacts_dir=none)); the counts, state and RV(phases) are
        still returned.
    type: path
    required: true
  service:
    description: Service name, written to C(summary.json) and as a JUnit property.
    type: str
    default: ""
  run_id:
    description: The run's id, written to C(summary.json) and as a JUnit property.
    type: str
    default: ""
  go_test_output:
    description:
      - The output of C(go test -json), for example C(go_test.stdout_lines + go_test.stderr_lines).
        Lines that are not JSON (compiler errors of old Go versions) are tolerated.
    type: list
    elements: str
    required: true
  rc:
    description: The exit code of C(go test) (a non-zero code means the run did not pass).
    type: int
  phases:
    description: 'Seconds per phase of the run, for example C({provision: 1.2, ready: 0.9, test: 3.1, cleanup: 0.6}).'
    type: dict
    default: {}
  test_started:
    description:
      - When the tests started (seconds since the epoch). The C(test) phase is then the time from it until this
        module starts, added to O(phases); RV(started) tells when that was, the start of the run's cleanup.
    type: float
  backends:
    description: 'Facts about the backends, for example C({pgvector: {server_version: "17.2", extension_version: "0.8.0"}}).'
    type: dict
    default: {}
  logs:
    description: Backend logs to save; each item names a Podman container or a file.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: File name of the log (C(logs/<name>.log)); characters other than letters, digits, C(.), C(_) and C(-) become C(_).
        type: str
        required: true
      container:
        description:
          - Podman container whose last O(log_lines) lines (C(podman logs --tail)) are saved. A container that
            is gone already is recorded as C((container gone)).
        type: str
      path:
        description: A log file whose last O(log_lines) lines are saved, for example an envtest C(kube-apiserver.log).
        type: path
  save_logs:
    description: When to save O(logs) - when the run did not pass, always, or never.
    type: str
    choices: [on_failure, always, never]
    default: on_failure
  redact:
    description: Secrets to replace by C(********) in everything written (XML, JSON, logs).
    type: list
    elements: str
    default: []
  log_lines:
    description: How many lines to keep from the end of each log.
    type: int
    default: 200
  go_version:
    description: Output of C(go version), written to C(summary.json) and as a JUnit property.
    type: str
    default: ""
attributes:
  check_mode:
    support: full
    description: Writes nothing and returns the paths that would be written.
  diff_mode:
    support: none
notes:
  - Files whose content would not change are not rewritten; RV(changed) tells whether a file was written.
  - Runs where it is called; run it on the controller (C(delegate_to=localhost)) after C(go test).
seealso:
  - plugin: kubernaut.testinfra.go_test_summary
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Write the results for CI
  kubernaut.testinfra.result_files:
    dest: "{{ playbook_dir }}/../results/{{ service }}"
    service: "{{ service }}"
    run_id: "{{ run_id }}"
    go_test_output: "{{ go_test.stdout_lines + go_test.stderr_lines }}"
    rc: "{{ go_test.rc }}"
    go_version: "{{ preflight.go_version }}"
    phases: {provision: 1.2, ready: 0.9, test: 3.1, cleanup: 0.6}
    backends:
      pgvector: {server_version: "17.2", extension_version: "0.8.0"}
    logs:
      - {name: pgvector, container: "testinfra-pgvector-{{ run_id }}"}
      - {name: kube-apiserver, path: "{{ state_dir }}/kube-apiserver.log"}
    redact: ["{{ pgvector_password }}"]
  delegate_to: localhost
  register: results
"""

RETURN = r"""
files:
  description: Absolute paths of the files written (in check mode, that would be written).
  returned: always
  type: list
  elements: str
  sample: [/ci/results/ai/junit.xml, /ci/results/ai/summary.json, /ci/results/ai/logs/redis.log]
junit:
  description: Path of C(junit.xml).
  returned: always
  type: str
  sample: /ci/results/ai/junit.xml
summary:
  description: Path of C(summary.json).
  returned: always
  type: str
  sample: /ci/results/ai/summary.json
logs:
  description: Paths of the backend logs written (or that would be written).
  returned: always
  type: list
  elements: str
counts:
  description: The run's numbers, as printed in the summary.
  returned: always
  type: dict
  sample: {passed: 11, failed: 1, skipped: 0, total: 12}
state:
  description: PASSED, FAILED, BUILD FAILED, TIMED OUT or NO TESTS.
  returned: always
  type: str
ok:
  description: Whether the run passed.
  returned: always
  type: bool
phases:
  description: O(phases), with the C(test) phase when O(test_started) is set.
  returned: always
  type: dict
  sample: {provision: 1.2, ready: 0.9, test: 3.1}
started:
  description: When the module started (seconds since the epoch), the end of the C(test) phase.
  returned: always
  type: float
"""

import json
import os
import socket
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kubernaut.testinfra.plugins.module_utils.gotest.parse import parse_go_test_results
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.backend_logs import collect_logs, log_file_name
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.junit import junit_xml
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.redact import Redactor
from ansible_collections.kubernaut.testinfra.plugins.module_utils.report.run_summary import build_summary

FILE_MODE = 0o600
DIR_MODE = 0o700


def unchanged(path, content):
    try:
        with open(path, "rb") as handle:
            return handle.read() == content
    except (IOError, OSError):
        return False


def write_file(path, content):
    """Write ``content`` (bytes) atomically with mode 0600."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, FILE_MODE)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def make_dir(path):
    if not os.path.isdir(path):
        os.makedirs(path, DIR_MODE)
        os.chmod(path, DIR_MODE)


def check_logs(module):
    for item in module.params["logs"]:
        if bool(item.get("container")) == bool(item.get("path")):
            module.fail_json(msg="logs item %r needs exactly one of container (a Podman container name) or path "
                             "(a log file)" % item.get("name"))
        if not item.get("name"):
            module.fail_json(msg="every logs item needs a name (the file is logs/<name>.log)")


ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    service=dict(type="str", default=""),
    run_id=dict(type="str", default=""),
    go_test_output=dict(type="list", elements="str", required=True),
    rc=dict(type="int"),
    phases=dict(type="dict", default={}),
    test_started=dict(type="float"),
    backends=dict(type="dict", default={}),
    logs=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        container=dict(type="str"),
        path=dict(type="path"),
    )),
    save_logs=dict(type="str", choices=["on_failure", "always", "never"], default="on_failure"),
    redact=dict(type="list", elements="str", default=[], no_log=True),
    log_lines=dict(type="int", default=200),
    go_version=dict(type="str", default=""),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    started = time.time()
    params = module.params
    check_logs(module)
    phases = dict(params["phases"])
    if params["test_started"] is not None:
        phases["test"] = round(started - params["test_started"], 2)
    dest = os.path.abspath(params["dest"]) if params["dest"] else ""
    if dest and os.path.exists(dest) and not os.path.isdir(dest):
        module.fail_json(msg="dest %s exists and is not a directory" % dest)
    redact = Redactor(params["redact"])
    hostname = socket.gethostname() or "localhost"

    summary, suites = parse_go_test_results(params["go_test_output"], params["rc"])
    ok = bool(summary["ok"])
    save = params["save_logs"] == "always" or (params["save_logs"] == "on_failure" and not ok)
    log_names = []
    for item in params["logs"] if save else []:
        if log_file_name(item["name"]) not in log_names:
            log_names.append(log_file_name(item["name"]))

    properties = [("service", params["service"]), ("run_id", params["run_id"]),
                  ("go_version", params["go_version"]), ("state", summary["state"])]
    junit = junit_xml(suites, hostname=hostname, properties=properties, redact=redact)
    document = build_summary(summary, suites, service=params["service"], run_id=params["run_id"],
                             phases=phases, backends=params["backends"], go_version=params["go_version"],
                             hostname=hostname, logs=["logs/" + name for name in log_names])
    document = redact.data(document)
    document["durations"] = redact.data(document["durations"], keys=True)
    document["backends"] = redact.data(document["backends"], keys=True)

    outputs = [
        (os.path.join(dest, "junit.xml"), junit.encode("utf-8")),
        (os.path.join(dest, "summary.json"),
         (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")),
    ]
    log_paths = [os.path.join(dest, "logs", name) for name in log_names]
    counts = document["counts"]
    result = dict(junit=outputs[0][0], summary=outputs[1][0], logs=log_paths, counts=counts,
                  state=summary["state"], ok=ok, phases=phases, started=started)
    if not dest:  # testinfra_artifacts_dir=none
        result.update(junit="", summary="", logs=[])
        module.exit_json(changed=False, files=[], **result)

    if module.check_mode:
        files = [path for path, content in outputs if not unchanged(path, content)] + log_paths
        module.exit_json(changed=bool(files), files=files, **result)

    if save and params["logs"]:
        outputs += [(os.path.join(dest, "logs", name), redact(text).encode("utf-8"))
                    for name, text in collect_logs(module).items()]
    files = []
    try:
        make_dir(dest)
        for path, content in outputs:
            make_dir(os.path.dirname(path))
            if not unchanged(path, content):
                write_file(path, content)
                files.append(path)
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot write the results to %s: %s" % (dest, exc), files=files, **result)
    module.exit_json(changed=bool(files), files=files, **result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
