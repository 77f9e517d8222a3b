#!/usr/bin/env python3
"""The playbooks side by side with the seed's Makefile recipe (`make test-integration-datastorage`).

Not part of the test suite's pass/fail. Run from the checkout after `make prepare` (stdlib only):
    .venv/bin/python tests/benchmarks/seed_vs_playbook.py [--rounds 5] [--parts a,b,c,d]

Interleaved rounds; in every round the two sides of each comparison run in alternating order.
  a  full cycle: tests/benchmarks/seed_datastorage.sh (the seed's recipe) vs
     `ansible-playbook playbooks/datastorage.yml`. "Cold" means no container running before each run;
     images and the Go build cache are present (warm).                       target: playbook / recipe <= 0.6
     Also the floor: tests/benchmarks/floor_datastorage.sh, the same work hand-written with the playbook's
     container flags (host network, tmpfs data, fsync off, initdb --no-sync; SQL polled every 50 ms; one psql for the
     checks; go test; podman rm -f -t 0): playbook / floor says what Ansible and the checks cost.
  b  time-to-ready, "the database answers SQL with pgvector ready": wall time from starting
     ansible-playbook until its task "Wait for SQL, check versions, create the vector extension and prove
     HNSW" reports its result (stdout read line by line), vs the floor: a bare `podman run -d` of the same
     image and `podman exec ... psql -c 'CREATE EXTENSION IF NOT EXISTS vector; SELECT 1'` every 0.1 s
     until it succeeds.                                                        target: playbook / floor <= 1.5
     The floors run the same image as the playbook, so a faster image shrinks both sides and raises the ratios: the
     playbook's own cost in seconds over the same-flags floors (ready, full cycle) is printed after the table.
  c  keep-mode loop overhead: after one `-e testinfra_keep=true` run has started the backends, a keep run
     (backends reused) minus a bare `go test` of the same packages with the same flags and environment
     against the kept container.                                               target: <= 2 s
  d  `ansible-playbook playbooks/all.yml` (every service concurrently) vs the slowest single-service
     playbook (datastorage, ai, toolset and gateway on envtest).               target: all / max(single) <= 1.2
     Also the CPU-seconds the host was busy during each run (/proc/stat): all.yml cannot take less than its
     CPU-seconds divided by the number of cores, whatever the playbooks do.

The benchmark uses the playbooks' fixed port 5432 and container names (datastorage-postgres, ...): before
each measurement it waits until none of those containers exists and no other ansible-playbook runs.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".venv", "bin")
EXAMPLES = os.path.join(ROOT, "examples")
SEED = os.path.join(ROOT, "tests", "benchmarks", "seed_datastorage.sh")
FLOOR = os.path.join(ROOT, "tests", "benchmarks", "floor_datastorage.sh")
ENV = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1",
           PATH=BIN + os.pathsep + os.environ.get("PATH", "") + os.pathsep + "/usr/local/go/bin")
IMAGE = os.environ.get("IMAGE", "localhost/kubernaut/pgvector:pg17-trixie")
CONTAINER = "datastorage-postgres"
READY_TASK = "Wait for SQL, check versions, create the vector extension and prove HNSW"
DS_PACKAGES = ["./test/integration/datastorage/..."]
# The go test flags datastorage.yml uses (preflight: -json -count=1 -timeout, then the service's -v).
DS_GO_TEST = ["go", "test", "-json", "-count=1", "-timeout=5m", "-v"] + DS_PACKAGES
SINGLES = [("datastorage", []), ("ai", []), ("toolset", ["-e", "testinfra_cluster=envtest"]),
           ("gateway", ["-e", "testinfra_cluster=envtest"])]
ALL_CONTAINERS = [CONTAINER, "ai-redis", "gateway-redis"]
TARGETS = {"a": 0.6, "b": 1.5, "c": 2.0, "d": 1.2}
SEED_FIGURES = "the seed's own figures: PostgreSQL ready in ~15 s, ~30 s total"


class Failed(Exception):
    pass


class Interfered(Failed):
    """A measurement failed while another ansible-playbook was running on the host: repeated, not fatal."""


class Bench:
    def __init__(self, wait_limit, cpu_wait, max_cpu):
        self.wait_limit, self.cpu_wait, self.max_cpu = wait_limit, cpu_wait, max_cpu
        self.cpu_seen = []           # CPU busy fraction in the second before each measurement
        self.child = None            # the running measured process, ours to stop on Ctrl-C
        self.last_cpu = None         # CPU-seconds the host was busy during the last run()
        self.started = None          # wall-clock start of the current measurement
        self.kept_run = None         # run id of our kept backends, for cleanup.yml
        self.kept_id = None

    # ---- helpers -------------------------------------------------------------------------------------
    def podman(self, *args):
        return subprocess.run(["podman"] + list(args), env=ENV, capture_output=True, text=True)

    def container(self, name):
        """Inspect data of a container, or None."""
        proc = self.podman("container", "inspect", name)
        return json.loads(proc.stdout)[0] if proc.returncode == 0 and proc.stdout.strip() else None

    def others_playbooks(self):
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    cmd = handle.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "ansible-playbook" in cmd and "seed_vs_playbook" not in cmd:
                found.append(pid)
        return found

    def wait_idle(self, names=(CONTAINER,), allow_id=None):
        """Wait until none of the named containers exists (except our kept one) and no ansible-playbook runs
        (hard: same port and names), and, for up to --cpu-wait seconds, until the CPUs are mostly idle (soft:
        others' builds and test suites share the cores). Records the CPU load seen just before the measurement."""
        start = time.monotonic()
        said = quiet = False
        while True:
            busy = []
            for name in names:
                proc = self.podman("ps", "-a", "--filter", "name=^%s$" % name, "--format", "{{.ID}}", "--no-trunc")
                ids = [i for i in proc.stdout.split() if i != allow_id]
                if ids:
                    busy.append("container %s" % name)
            pids = self.others_playbooks()
            if pids:
                busy.append("ansible-playbook pid %s" % ",".join(pids))
            if not busy:
                # free twice, 1 s apart (do not start right under someone's starting run); CPU sampled meanwhile
                cpu = cpu_busy(1.0)
                if quiet and (cpu <= self.max_cpu or time.monotonic() - start > self.cpu_wait):
                    self.cpu_seen.append(cpu)
                    return
                quiet = True
                if cpu > self.max_cpu:
                    busy.append("CPUs %.0f%% busy" % (100 * cpu))
                    quiet = time.monotonic() - start > self.cpu_wait
                else:
                    continue
            else:
                quiet = False
            if time.monotonic() - start > self.wait_limit:
                raise Failed("host still busy after %d s (%s); not measuring on top of someone else's run"
                             % (self.wait_limit, "; ".join(busy)))
            if not said:
                print("  waiting for the host to be free (%s) ..." % "; ".join(busy), flush=True)
                said = True
            time.sleep(1)

    def run(self, label, cmd, cwd=ROOT, env=None, on_line=None):
        """Run a measured command; return wall seconds. Stops the benchmark on a non-zero exit."""
        lines = []
        self.started = time.time()
        watch = self.watch_others()
        busy0 = busy_cpu_seconds()
        start = time.monotonic()
        self.child = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, bufsize=1, start_new_session=True)
        for line in self.child.stdout:
            if on_line:
                on_line(line, time.monotonic() - start)
            lines.append(line)
        rc = self.child.wait()
        elapsed = time.monotonic() - start
        self.last_cpu = busy_cpu_seconds() - busy0
        self.child = None
        seen = watch()
        if rc != 0:  # self.started stays set: the caller's cleanup removes what this run left behind
            msg = "%s exited %d: %s\n--- output tail ---\n%s" % (label, rc, " ".join(cmd), "".join(lines[-40:]))
            if seen:
                raise Interfered("%s failed while ansible-playbook pid %s ran too" % (label, ",".join(sorted(seen))))
            raise Failed(msg)
        self.started = None
        return elapsed

    def watch_others(self):
        """Poll for foreign ansible-playbook processes in the background; the returned call stops and reports them."""
        seen, stop = set(), threading.Event()

        def poll():
            while not stop.is_set():
                seen.update(self.others_playbooks())
                stop.wait(0.5)
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()

        def done():
            stop.set()
            thread.join()
            return seen
        return done

    def measure(self, fn, *args, **kwargs):
        """One measurement; repeated (up to 3 times) when someone else's run got in the way."""
        for attempt in range(3):
            try:
                return fn(*args, **kwargs)
            except Interfered as exc:
                if attempt == 2:
                    raise
                print("  %s; repeating the measurement" % exc, flush=True)
                self.remove_our_leftover()
                self.started = None

    def playbook(self, name, *extra, **kwargs):
        return self.run(name, [os.path.join(BIN, "ansible-playbook"), "playbooks/%s" % name] + list(extra), **kwargs)

    def remove_our_leftover(self, names=ALL_CONTAINERS):
        """After an interrupted or failed measurement: remove the containers it created (after it started)."""
        if self.started is None:
            return
        for name in names:
            info = self.container(name)
            if info and info.get("Id") != self.kept_id:
                created = info.get("Created", "")
                proc = self.podman("inspect", "--format", "{{.Created.Unix}}", name)
                try:
                    mine = int(proc.stdout.strip()) >= int(self.started) - 1
                except ValueError:
                    mine = False
                if mine:
                    print("  removing %s (%s), left by the interrupted measurement" % (name, created[:19]))
                    self.podman("rm", "-f", "-v", "-t", "2", name)

    def cleanup_kept(self):
        if self.kept_run:
            subprocess.run([os.path.join(BIN, "ansible-playbook"), "playbooks/cleanup.yml",
                            "-e", "testinfra_cleanup_run=%s" % self.kept_run], cwd=ROOT, env=ENV, capture_output=True)
        if self.kept_id:
            info = self.container(CONTAINER)
            if info and info.get("Id") == self.kept_id:
                self.podman("rm", "-f", "-v", "-t", "2", self.kept_id)
        self.kept_run = self.kept_id = None

    def stop_child(self):
        if self.child and self.child.poll() is None:
            try:
                os.killpg(self.child.pid, signal.SIGINT)   # let the playbook / script run its own cleanup
                self.child.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.child.pid, signal.SIGKILL)
                self.child.wait()
        self.child = None

    # ---- (a) full cycle ------------------------------------------------------------------------------
    def seed_cycle(self):
        self.wait_idle()
        return self.run("seed_datastorage.sh", ["bash", SEED], env=dict(ENV, IMAGE=IMAGE))

    def playbook_cycle(self):
        self.wait_idle()
        return self.playbook("datastorage.yml")

    def floor_cycle(self):
        self.wait_idle()
        return self.run("floor_datastorage.sh", ["bash", FLOOR], env=dict(ENV, IMAGE=IMAGE))

    # ---- (b) time-to-ready ---------------------------------------------------------------------------
    def playbook_ready(self):
        """Seconds from process start until the readiness task reports ok/changed; also profile_tasks' own clock."""
        self.wait_idle()
        state = {"in_task": False, "ready": None, "clock": None, "await_clock": False}

        def on_line(line, t):
            if line.startswith("TASK ["):
                state["in_task"] = READY_TASK in line
            elif state["in_task"] and state["ready"] is None and re.match(r"(ok|changed): \[", line):
                state["ready"], state["await_clock"] = t, True
            elif state["await_clock"]:
                m = re.search(r"\)\s+(\d+):(\d+):([\d.]+) \*", line)
                if m:
                    state["clock"] = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
                    state["await_clock"] = False

        env = dict(ENV, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")
        total = self.playbook("datastorage.yml", env=env, on_line=on_line)
        if state["ready"] is None:
            raise Failed("datastorage.yml ran, but its task %r never reported a result (renamed?)" % READY_TASK)
        return state["ready"], state["clock"], total

    def floor_ready(self, playbook_flags=False):
        """Bare podman run of the same image, psql poll every 0.1 s until CREATE EXTENSION + SELECT 1 works."""
        self.wait_idle()
        flags = ["-p", "5432:5432"]
        cmd_args = []
        if playbook_flags:  # what datastorage.yml gives its container: the host's network (PostgreSQL listening on
            # 127.0.0.1:5432 itself), tmpfs data dir, no fsync, no initdb sync
            flags = ["--network", "host", "--tmpfs", "/var/lib/postgresql/data:rw,mode=0700",
                     "-e", "POSTGRES_INITDB_ARGS=--no-sync --auth-host=scram-sha-256"]
            cmd_args = ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                        "-c", "port=5432", "-c", "listen_addresses=127.0.0.1"]
        probe = ["podman", "exec", "-e", "PGPASSWORD=postgres", CONTAINER, "psql", "-h", "127.0.0.1", "-U", "postgres",
                 "-qtAX", "-c", "CREATE EXTENSION IF NOT EXISTS vector; SELECT 1"]
        self.started = time.time()
        watch = self.watch_others()
        start = time.monotonic()
        try:
            proc = subprocess.run(["podman", "run", "-d", "--name", CONTAINER,
                                   "-e", "POSTGRES_PASSWORD=postgres"] + flags + [IMAGE] + cmd_args,
                                  env=ENV, capture_output=True, text=True)
            if proc.returncode != 0:
                raise Failed("podman run failed: %s" % proc.stderr.strip()[-2000:])
            while True:
                if subprocess.run(probe, env=ENV, capture_output=True).returncode == 0:
                    elapsed = time.monotonic() - start
                    watch()
                    self.podman("rm", "-f", "-v", "-t", "2", CONTAINER)
                    self.started = None
                    return elapsed
                if time.monotonic() - start > 60:
                    raise Failed("floor: no SQL answer within 60 s:\n" + self.podman("logs", CONTAINER).stderr[-2000:])
                time.sleep(0.1)
        except Failed as exc:
            seen = watch()
            if seen:
                raise Interfered("floor failed while ansible-playbook pid %s ran too (%s)"
                                 % (",".join(sorted(seen)), str(exc).splitlines()[0]))
            raise

    # ---- (c) keep mode -------------------------------------------------------------------------------
    def keep_round(self, order):
        """Returns (keep run seconds, bare go test seconds) or a string saying why keep mode is unavailable."""
        self.wait_idle()
        self.started = time.time()
        try:
            self.playbook("datastorage.yml", "-e", "testinfra_keep=true")
            info = self.container(CONTAINER)
            labels = (info or {}).get("Config", {}).get("Labels") or {}
            if not info or not info.get("State", {}).get("Running") or labels.get("io.kubernaut.testinfra.keep") != "true":
                return "keep mode: not available yet (no running %s labelled keep after -e testinfra_keep=true)" % CONTAINER
            self.kept_id, self.kept_run = info["Id"], labels.get("io.kubernaut.testinfra.run")
            env = self.kept_env(info)
            times = {}
            for side in order:
                self.wait_idle(allow_id=self.kept_id)
                if side == "keep":
                    times[side] = self.playbook("datastorage.yml", "-e", "testinfra_keep=true")
                    now = self.container(CONTAINER)
                    if not now or now.get("Id") != self.kept_id:
                        return "keep mode: not available yet (the keep run did not reuse the kept container)"
                else:
                    times[side] = self.run("bare go test", DS_GO_TEST, cwd=EXAMPLES, env=env)
            return times["keep"], times["bare"]
        finally:
            self.cleanup_kept()

    def kept_env(self, info):
        """The environment the playbook gives the tests, rebuilt from the kept container."""
        cfg_env = dict(item.split("=", 1) for item in info.get("Config", {}).get("Env", []) if "=" in item)
        labels = info.get("Config", {}).get("Labels") or {}
        port = (labels.get("io.kubernaut.testinfra.host-port.5432/tcp")  # on the host's network
                or self.podman("port", info["Id"], "5432/tcp").stdout.strip().rsplit(":", 1)[-1] or "5432")
        user = cfg_env.get("POSTGRES_USER", "postgres")
        password = cfg_env.get("POSTGRES_PASSWORD", "postgres")
        db = cfg_env.get("POSTGRES_DB", user)
        return dict(ENV, PGHOST="127.0.0.1", PGPORT=port, PGUSER=user, PGPASSWORD=password, PGDATABASE=db,
                    PGSSLMODE="disable", TESTINFRA_SERVICE="datastorage",
                    DATABASE_URL="postgres://%s:%s@127.0.0.1:%s/%s?sslmode=disable" % (user, password, port, db))

    # ---- (d) all services ----------------------------------------------------------------------------
    def all_round(self, all_first):
        """all.yml's and each single's wall seconds, and the CPU-seconds the host was busy during each."""
        singles, cpu = {}, {}
        def run_singles():
            for name, extra in SINGLES:
                self.wait_idle(ALL_CONTAINERS)
                singles[name] = self.playbook("%s.yml" % name, *extra)
                cpu[name] = self.last_cpu
        def run_all():
            self.wait_idle(ALL_CONTAINERS)
            wall = self.playbook("all.yml", "-e", "testinfra_cluster=envtest")
            cpu["all"] = self.last_cpu
            return wall
        if all_first:
            total = run_all()
            run_singles()
        else:
            run_singles()
            total = run_all()
        return total, singles, cpu


def busy_cpu_seconds():
    """CPU-seconds all CPUs of the host have been busy since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)) / float(os.sysconf("SC_CLK_TCK"))


def cpu_busy(seconds):
    """Fraction of all CPUs busy over the next `seconds` (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def machine():
    try:
        podman = subprocess.run(["podman", "version", "--format", "{{.Client.Version}}"], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        podman = "?"
    osname = "?"
    try:
        with open("/etc/os-release") as handle:
            osname = re.search(r'^PRETTY_NAME="?([^"\n]*)', handle.read(), re.M).group(1)
    except (OSError, AttributeError):
        pass
    go = subprocess.run(["go", "version"], env=ENV, capture_output=True, text=True).stdout.split()
    return "%s: %s, %d cores, kernel %s, Podman %s, %s" % (socket.gethostname(), osname, os.cpu_count(),
                                                           os.uname().release, podman, go[2] if len(go) > 2 else "go ?")


def verdict(value, target):
    return "PASS" if value <= target else "MISS"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--parts", default="a,b,c,d", help="comma-separated subset of a,b,c,d")
    parser.add_argument("--wait", type=int, default=300,
                        help="seconds to wait for the playbooks' containers and other ansible-playbook runs to be gone")
    parser.add_argument("--cpu-wait", type=int, default=60,
                        help="seconds to wait, before each measurement, for the CPUs to be mostly idle")
    parser.add_argument("--max-cpu", type=float, default=25, help="'mostly idle': at most this %% busy")
    args = parser.parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, interrupted)
    parts = set(args.parts.split(","))
    bench = Bench(args.wait, args.cpu_wait, args.max_cpu / 100.0)
    med = statistics.median
    m = machine()
    print("machine  %s" % m)
    print("image    %s; runs are cold (no container before each run), images and Go build cache present (warm)"
          % IMAGE, flush=True)

    res = {k: [] for k in ("seed", "pb", "floor_cycle", "pb_ready", "pb_clock", "pb_total_b", "floor", "floor_pf",
                           "keep", "bare", "all", "max_single", "all_cpu", "max_single_cpu")}
    notes = []
    keep_note = None
    all_yml = os.path.exists(os.path.join(ROOT, "playbooks", "all.yml"))
    if "d" in parts and not all_yml:
        notes.append("all.yml: not available yet (playbooks/all.yml does not exist)")
    try:
        for i in range(args.rounds):
            flip = i % 2 == 1
            line = []
            bench.cpu_seen = []
            if "a" in parts:
                order = [("pb", bench.playbook_cycle), ("seed", bench.seed_cycle), ("floor_cycle", bench.floor_cycle)]
                for key, fn in (order[::-1] if flip else order):
                    res[key].append(bench.measure(fn))
                line.append("a: recipe %.2f s, playbook %.2f s, floor (same flags) %.2f s"
                            % (res["seed"][-1], res["pb"][-1], res["floor_cycle"][-1]))
            if "b" in parts:
                steps = ["pb", "floor", "floor_pf"]
                for key in (steps[::-1] if flip else steps):
                    if key == "pb":
                        ready, clock, total = bench.measure(bench.playbook_ready)
                        res["pb_ready"].append(ready)
                        res["pb_total_b"].append(total)
                        if clock is not None:
                            res["pb_clock"].append(clock)
                    else:
                        res[key].append(bench.measure(bench.floor_ready, playbook_flags=key == "floor_pf"))
                line.append("b: playbook ready %.2f s (profile_tasks clock %s), floor %.2f s (with the playbook's "
                            "container flags %.2f s)" % (res["pb_ready"][-1],
                                                          "%.2f s" % res["pb_clock"][-1] if res["pb_clock"] else "?",
                                                          res["floor"][-1], res["floor_pf"][-1]))
            if "c" in parts and keep_note is None:
                got = bench.measure(bench.keep_round, ["bare", "keep"] if flip else ["keep", "bare"])
                if isinstance(got, str):
                    keep_note = got
                    notes.append(got)
                    line.append("c: " + got)
                else:
                    res["keep"].append(got[0])
                    res["bare"].append(got[1])
                    line.append("c: keep run %.2f s, bare go test %.2f s, overhead %.2f s" % (got[0], got[1],
                                                                                             got[0] - got[1]))
            if "d" in parts and all_yml:
                total, singles, cpu = bench.measure(bench.all_round, all_first=flip)
                slowest = max(singles, key=singles.get)
                res["all"].append(total)
                res["max_single"].append(singles[slowest])
                res["all_cpu"].append(cpu["all"])
                res["max_single_cpu"].append(cpu[slowest])
                line.append("d: all.yml %.2f s (%.1f CPU-s), singles %s" % (total, cpu["all"], ", ".join(
                    "%s %.2f s (%.1f CPU-s)" % (name, singles[name], cpu[name]) for name in singles)))
            line.append("CPUs busy before the measurements (others' work): %s" % " ".join(
                "%.0f%%" % (100 * c) for c in bench.cpu_seen))
            print("round %d  %s" % (i + 1, "\n         ".join(line)), flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        raise SystemExit(130)
    except Failed as exc:
        print("\nSTOPPED: %s" % exc, file=sys.stderr)
        raise SystemExit(1)
    finally:
        bench.stop_child()
        bench.remove_our_leftover()
        bench.cleanup_kept()

    n = args.rounds
    rows = []
    if res["seed"]:
        ratio = med(res["pb"]) / med(res["seed"])
        rows.append(("full cycle, datastorage (cold container, warm images and Go cache)",
                     "recipe %.2f s" % med(res["seed"]), "%.2f s" % med(res["pb"]),
                     "playbook / recipe %.2f" % ratio, "<= %.1f" % TARGETS["a"], verdict(ratio, TARGETS["a"])))
    if res["floor_cycle"]:
        rows.append(("full cycle, datastorage, vs the same work hand-written with the playbook's container flags",
                     "floor %.2f s" % med(res["floor_cycle"]), "%.2f s" % med(res["pb"]),
                     "playbook / floor %.2f" % (med(res["pb"]) / med(res["floor_cycle"])), "(none)", ""))
    if res["pb_ready"]:
        ratio = med(res["pb_ready"]) / med(res["floor"])
        rows.append(("start to SQL answered with pgvector ready (playbook: from ansible-playbook start)",
                     "floor %.2f s (same container flags as the playbook: %.2f s)" % (med(res["floor"]),
                                                                                     med(res["floor_pf"])),
                     "%.2f s" % med(res["pb_ready"]), "playbook / floor %.2f (same flags: %.2f)"
                     % (ratio, med(res["pb_ready"]) / med(res["floor_pf"])), "<= %.1f" % TARGETS["b"],
                     verdict(ratio, TARGETS["b"])))
    if res["keep"]:
        over = med([k - b for k, b in zip(res["keep"], res["bare"])])
        rows.append(("keep-mode run vs bare go test (backends kept)", "go test %.2f s" % med(res["bare"]),
                     "%.2f s" % med(res["keep"]), "overhead %.2f s" % over, "<= %.0f s" % TARGETS["c"],
                     verdict(over, TARGETS["c"])))
    if res["all"]:
        ratio = med(res["all"]) / med(res["max_single"])
        rows.append(("all services concurrently vs slowest single service", "max single %.2f s" % med(res["max_single"]),
                     "%.2f s" % med(res["all"]), "all / max(single) %.2f" % ratio, "<= %.1f" % TARGETS["d"],
                     verdict(ratio, TARGETS["d"])))

    print("\nMedians of %d interleaved rounds, `.venv/bin/python tests/benchmarks/seed_vs_playbook.py --rounds %d "
          "--parts %s`\n(%s; %s; seed recipe = tests/benchmarks/seed_datastorage.sh, %s):\n"
          % (n, n, args.parts, m, IMAGE, SEED_FIGURES))
    print("| | baseline | this collection | ratio | target | |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %s |" % " | ".join(row))
    # Seconds, not ratios: the floors run the same image, so whatever makes the image faster shrinks both sides and
    # raises a ratio while the playbook's own cost stays; this is that cost.
    adds = []
    if res["pb_ready"] and res["floor_pf"]:
        adds.append("ready +%.2f s" % med([p - f for p, f in zip(res["pb_ready"], res["floor_pf"])]))
    if res["pb"] and res["floor_cycle"]:
        adds.append("full cycle +%.2f s" % med([p - f for p, f in zip(res["pb"], res["floor_cycle"])]))
    if adds:
        print("\nwhat the playbook adds to the same work hand-written with its container flags (medians of the rounds' "
              "differences): %s" % ", ".join(adds))
    if res["pb_clock"]:
        print("\nplaybook readiness on profile_tasks' own clock (from the play's start, without ansible-playbook's "
              "own start-up): %.2f s; whole datastorage.yml run in (b): %.2f s"
              % (med(res["pb_clock"]), med(res["pb_total_b"])))
    if res["all"]:
        cores = os.cpu_count() or 1
        all_cpu, single_cpu, slowest = med(res["all_cpu"]), med(res["max_single_cpu"]), med(res["max_single"])
        print("\nCPU (host busy, CPU-seconds, medians): all.yml %.1f, so at least %.2f s on %d cores even if every core "
              "were busy all the time; the slowest single service %.1f in %.2f s (%.1f cores busy on average). At "
              "this CPU use, all / max(single) <= %.1f needs at least %.1f cores."
              % (all_cpu, all_cpu / cores, cores, single_cpu, slowest, single_cpu / slowest,
                 TARGETS["d"], all_cpu / (TARGETS["d"] * slowest)))
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
