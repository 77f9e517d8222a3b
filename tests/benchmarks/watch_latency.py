#!/usr/bin/env python3
"""Save -> test start of the watch loop (make watch-<service>), goal <= 0.3 s; prints numbers, asserts nothing.

Run from the checkout after `make venv`:
    .venv/bin/python tests/benchmarks/watch_latency.py [rounds] [--real]

  loop  - module_utils/watch.py's loop on a scratch module with a command that records when it starts
          (`date +%s.%N`): the time from the write of a .go file to that process running (inotify, the 50 ms
          debounce, fork/exec). The same code path as the real loop.
  real  - with --real: playbooks/watch.py on a copy of examples/ (datastorage, isolated): the loop's own
          "started X s after the save" figure and each re-run's wall time (save -> result line). For comparison:
          a keep-mode ansible-playbook re-run costs about 1.5 s of Ansible before go test starts (docs/performance.md);
          not measured here, since a keep run's backends have per-user names that another run of the same user
          on a shared host may hold.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".testinfra", "collections"))
from ansible_collections.kubernaut.testinfra.plugins.module_utils import watch  # noqa: E402

BIN = os.path.join(ROOT, ".venv", "bin")
ENV = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
           PATH=BIN + os.pathsep + os.environ.get("PATH", "") + os.pathsep + "/usr/local/go/bin")


def stats(name, values):
    values = sorted(values)
    print("%-28s n=%d  min %.3f  median %.3f  max %.3f s" % (name, len(values), values[0],
                                                                 statistics.median(values), values[-1]))


def loop_latency(rounds):
    base = tempfile.mkdtemp(prefix="watch-bench-")
    try:
        module, work = os.path.join(base, "module"), os.path.join(base, "work")
        os.makedirs(os.path.join(module, "pkg"))
        os.makedirs(work)
        starts = os.path.join(base, "starts")
        runner = watch.Runner(["/bin/sh", "-c", 'date +%s.%N >> "$0"', starts], module, dict(os.environ))
        saves = []

        def save():
            for number in range(rounds):
                while not os.path.exists(starts) or len(open(starts).read().split()) < number + 1 \
                        or runner.proc is not None:
                    time.sleep(0.01)
                time.sleep(0.2)
                saves.append(time.time())
                with open(os.path.join(module, "pkg", "x_test.go"), "w") as handle:
                    handle.write("package pkg // %d\n" % number)

        threading.Thread(target=save, daemon=True).start()
        with open(os.devnull, "w") as out:
            watch.loop(runner, module, "bench", work, out=out, runs=rounds + 1)
        with open(starts) as handle:
            started = [float(t) for t in handle.read().split()][1:]
        stats("loop: save -> test start", [s - t for s, t in zip(started, saves)])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def real(rounds):
    base = tempfile.mkdtemp(prefix="watch-bench-real-")
    repo = os.path.join(base, "examples")
    shutil.copytree(os.path.join(ROOT, "examples"), repo)
    args = ["-e", "testinfra_isolate=true", "-e", "testinfra_repo_dir=%s" % repo,
            "-e", "testinfra_artifacts_dir=%s" % os.path.join(base, "results")]
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "playbooks", "watch.py"), "datastorage",
                             os.path.join(ROOT, "playbooks", "datastorage.yml")] + args, cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    latencies, walls = [], []
    try:
        for line in proc.stdout:
            match = re.search(r"#(\d+) .*\(([0-9.]+) s(?:, started ([0-9.]+) s after the save)?\)", line)
            if not match:
                continue
            if match.group(3):
                latencies.append(float(match.group(3)))
                walls.append(float(match.group(2)))
            if int(match.group(1)) > rounds:
                break
            time.sleep(0.3)
            with open(os.path.join(repo, "test", "integration", "datastorage", "doc.go"), "a") as handle:
                handle.write("// %d\n" % time.time())
    finally:
        proc.send_signal(2)
        proc.communicate(timeout=300)
    stats("real: save -> go test start", latencies)
    stats("real: save -> result line", [a + b for a, b in zip(latencies, walls)])
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    count = int(numbers[0]) if numbers else 10
    loop_latency(count)
    if "--real" in sys.argv:
        real(min(count, 5))
