#!/usr/bin/env python3
"""Time-to-ready of the envtest backend, next to the seed's Kind figure (2-5 minutes per cluster start).

Not part of the test suite's pass/fail. Run from the checkout after `make prepare`:
    .venv/bin/python tests/benchmarks/envtest_ready.py [rounds]

Measures, interleaved in one session:
  ready   - envtest_control_plane: etcd start to the first successful API call (the module's own clock)
  module  - the whole `ansible -m envtest_control_plane` call: certificates, both processes, the API call
  cycle   - `ansible-playbook playbooks/toolset.yml -e testinfra_cluster=envtest`: start, setup, go test, cleanup
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".venv", "bin")
ENV = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
           PATH=BIN + os.pathsep + os.environ.get("PATH", "") + os.pathsep + "/usr/local/go/bin")
SEED_KIND = (120.0, 300.0)  # seconds, the seed's "2-5 minutes" per Kind start


def ansible(module, args):
    cmd = [os.path.join(BIN, "ansible"), "localhost", "-m", module, "-a", args,
           "-e", "ansible_python_interpreter=%s" % os.path.join(BIN, "python"), "-o"]
    out = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, check=True).stdout
    return json.loads(out.split("=>", 1)[1])


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    binaries = ansible("kubernaut.testinfra.envtest_binaries", "")
    print("binaries: kube-apiserver %s (%s), etcd %s (%s)" % (
        binaries["kube_apiserver_version"], binaries["sources"]["kube-apiserver"],
        binaries["etcd_version"], binaries["sources"]["etcd"]))
    ready, module, cycle, cycle_ready = [], [], [], []
    for i in range(rounds):
        state = tempfile.mkdtemp(prefix="envtest-bench-")
        start = time.monotonic()
        result = ansible("kubernaut.testinfra.envtest_control_plane", "state_dir=%s/cp kube_apiserver=%s etcd=%s"
                         % (state, binaries["kube_apiserver"], binaries["etcd"]))
        module.append(time.monotonic() - start)
        ready.append(result["ready_seconds"])
        ansible("kubernaut.testinfra.envtest_control_plane", "state=stopped state_dir=%s/cp" % state)
        os.rmdir(state)

        start = time.monotonic()
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "playbooks/toolset.yml",
                               "-e", "testinfra_cluster=envtest"], cwd=ROOT, env=ENV, capture_output=True, text=True)
        cycle.append(time.monotonic() - start)
        if proc.returncode != 0:
            sys.exit("toolset.yml failed:\n" + proc.stdout[-3000:])
        cycle_ready.append(float(re.search(r"API answered ([\d.]+) s", proc.stdout).group(1)))
        print("round %d: ready %.2f s, module call %.2f s, toolset.yml cycle %.2f s (ready %.2f s inside it)"
              % (i + 1, ready[-1], module[-1], cycle[-1], cycle_ready[-1]))
    med = statistics.median
    print("\nmedians of %d rounds (%s, %d cores):" % (rounds, os.uname().nodename, os.cpu_count()))
    print("  envtest ready (etcd start -> first API call):   %6.2f s" % med(ready))
    print("  envtest module call (certs, processes, check):  %6.2f s" % med(module))
    print("  toolset.yml full cycle on envtest:              %6.2f s" % med(cycle))
    print("  seed's Kind start: %d-%d s -> envtest ready is %.3f-%.3f of it (%.0f-%.0fx faster)" % (
        SEED_KIND[0], SEED_KIND[1], med(ready) / SEED_KIND[1], med(ready) / SEED_KIND[0],
        SEED_KIND[0] / med(ready), SEED_KIND[1] / med(ready)))
    print("  full toolset cycle vs Kind start alone: %.3f-%.3f" % (med(cycle) / SEED_KIND[1], med(cycle) / SEED_KIND[0]))


if __name__ == "__main__":
    main()
