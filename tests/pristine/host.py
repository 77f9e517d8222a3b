#!/usr/bin/env python3
"""A brand-new Debian 12 machine in a privileged Podman container, to prove the README quick start on it.

The collection's own tests run on a machine that already has Podman, Go, a virtual environment and
warm caches, so they cannot show that `make test-integration-datastorage` works on a machine that has
none of that. This module builds a Debian 12 (bookworm) root filesystem with what a new cloud machine
has (Python, git, make, CA certificates, an SSH server; no Podman, no Go), runs it as a privileged
container with its own network, hostname and /var/lib/containers volume so that Podman runs nested
inside, copies in a clean clone of the repository plus the two host settings the network here needs
(the extra CA certificates and /etc/pip.conf), runs the quick start as root and removes the container,
its network and its volume again, whatever happened.

Used by tests/integration/test_pristine_host.py, and by hand:

    python3 tests/pristine/host.py image                      # build (or reuse) the image, print its reference
    python3 tests/pristine/host.py quickstart                 # the quick start on a pristine machine
    python3 tests/pristine/host.py quickstart --go-preinstalled --working-tree
"""

import argparse
import contextlib
import glob
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE_REPO = "localhost/kubernaut/pristine-bookworm"
# Deliberately not io.kubernaut.testinfra.collection: the collection's reaper removes whatever carries that.
LABEL_TEST = "io.kubernaut.testinfra.test"
LABEL_TEST_VALUE = "pristine-host"
LABEL_RECIPE = "io.kubernaut.testinfra.pristine.recipe"
# When a machine is to be gone (epoch seconds): a run killed before it could remove its machine leaves this for the
# next run to act on, and a live run's machine is left alone.
LABEL_EXPIRES = "io.kubernaut.testinfra.pristine.expires"
OURS_INSIDE = "label=io.kubernaut.testinfra.collection"
REPO_INSIDE = "/root/kubernaut-testinfra"
QUICK_START = "make test-integration-datastorage"
HOST_GO = "/usr/local/go"
HOST_CA_GLOB = "/usr/local/share/ca-certificates/*.crt"
HOST_PIP_CONF = "/etc/pip.conf"

# Bump when the way the image is built changes in a way the recipe below does not show.
RECIPE_VERSION = 1
SUITE = "bookworm"
# What a new Debian cloud machine has that the quick start may rely on; nothing the collection installs itself.
PACKAGES = ["python3", "git", "make", "ca-certificates", "openssh-server", "procps"]
CUSTOMIZE_HOOKS = [
    # Podman provides both at run time; the build host's must not end up in the image.
    'rm -f "$1/etc/resolv.conf" "$1/etc/hostname" && touch "$1/etc/resolv.conf" "$1/etc/hostname"',
    # A cloud machine gets its SSH host keys at first boot; an image shared by many runs must not carry them.
    'rm -f "$1"/etc/ssh/ssh_host_*',
]


def log(msg):
    print("pristine: %s" % msg, file=sys.stderr, flush=True)


def podman(*args, check=True, timeout=300, **kwargs):
    """Run podman on the host; return the CompletedProcess (text mode, output captured)."""
    kwargs.setdefault("capture_output", True)
    proc = subprocess.run(["podman", *args], text=True, timeout=timeout, check=False, **kwargs)
    if check and proc.returncode != 0:
        raise RuntimeError("podman %s failed (rc=%s): %s" % (" ".join(args[:3]), proc.returncode,
                                                             (proc.stderr or "").strip()[-2000:]))
    return proc


# -- the image ------------------------------------------------------------------------------------------------------
def apt_entries(text):
    """(URI, suites) of each source in a sources.list (one-line style) or a .sources (deb822) text."""
    entries = [(uri, suite) for uri, suite in re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", text, re.M)]
    for stanza in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"^(URIs|Suites):\s*(.+)$", stanza, re.M))
        if "URIs" in fields and "Suites" in fields:
            entries += [(uri, fields["Suites"]) for uri in fields["URIs"].split()]
    return entries


def host_mirrors():
    """(debian, debian-security) mirror URIs from the host's apt sources, so that the image uses the host's
    mirror (a proxy or a local mirror where deb.debian.org is not reachable); Debian's own otherwise."""
    main, security = None, None
    paths = ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list")),
             *sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))]
    for path in filter(os.path.isfile, paths):
        with open(path, encoding="utf-8") as handle:
            for uri, suites in apt_entries(handle.read()):
                if "-security" in suites:
                    security = security or uri.rstrip("/")
                elif uri.rstrip("/").endswith("/debian"):
                    main = main or uri.rstrip("/")
    main = main or "http://deb.debian.org/debian"
    return main, security or main + "-security"


def recipe():
    """Everything that determines the image's content; its hash names and labels the image."""
    main, security = host_mirrors()
    return {
        "v": RECIPE_VERSION,
        "suite": SUITE,
        "variant": "minbase",
        "packages": PACKAGES,
        "sources": ["deb %s %s main" % (main, SUITE), "deb %s %s-updates main" % (main, SUITE),
                    "deb %s %s-security main" % (security, SUITE)],
        "customize_hooks": CUSTOMIZE_HOOKS,
    }


def recipe_hash(spec=None):
    doc = json.dumps(spec or recipe(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(doc.encode()).hexdigest()


def image_ref(spec=None):
    return "%s:%s" % (IMAGE_REPO, recipe_hash(spec)[:16])


def image_labels(ref):
    """Labels of the image ref, or None when there is no such image."""
    proc = podman("image", "inspect", "--format", "{{json .Labels}}", ref, check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout or "null") or {}


def ensure_image(rebuild=False):
    """Build the pristine image unless one with this recipe exists; return (ref, seconds spent building or 0.0).

    mmdebstrap streams the root filesystem straight into `podman import` (as the collection's local_image
    module does); the image is imported under a temporary tag and only tagged once complete, because
    `podman import` also imports a truncated stream."""
    spec = recipe()
    digest = recipe_hash(spec)
    ref = image_ref(spec)
    if not rebuild and (image_labels(ref) or {}).get(LABEL_RECIPE) == digest:
        return ref, 0.0
    tmp_ref = "%s:build-%s" % (IMAGE_REPO, uuid.uuid4().hex[:12])
    start = time.monotonic()
    log("building %s (mmdebstrap %s %s)" % (ref, spec["suite"], ",".join(spec["packages"])))
    replaced = podman("image", "inspect", "--format", "{{.Id}}", ref, check=False).stdout.strip()
    try:
        build(spec, digest, tmp_ref)
        podman("tag", tmp_ref, ref)
    except BaseException:
        podman("rmi", "--force", tmp_ref, check=False)
        raise
    podman("untag", tmp_ref, tmp_ref)
    if replaced:
        podman("rmi", replaced, check=False)
    remove_old_images(keep=ref)
    return ref, round(time.monotonic() - start, 1)


def build(spec, digest, tmp_ref):
    """mmdebstrap | podman import into tmp_ref; both processes are ended should anything go wrong."""
    cmd = ["mmdebstrap", "--variant=%s" % spec["variant"], "--mode=root", "--format=tar",
           "--include=%s" % ",".join(spec["packages"])]
    cmd += ["--customize-hook=%s" % hook for hook in spec["customize_hooks"]]
    cmd += [spec["suite"], "-", *spec["sources"]]
    changes = ['CMD ["/bin/bash"]', "LABEL %s=%s" % (LABEL_RECIPE, digest),
               "LABEL %s=%s" % (LABEL_TEST, LABEL_TEST_VALUE), "LABEL io.kubernaut.testinfra.suite=%s" % SUITE]
    procs = []
    try:
        mm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))
        procs.append(mm)
        imp = subprocess.Popen(["podman", "import", "--quiet", *[a for c in changes for a in ("--change", c)],
                                "-", tmp_ref], stdin=mm.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append(imp)
        mm.stdout.close()  # podman import owns the pipe now: mmdebstrap gets SIGPIPE should it die
        imp_err = imp.communicate(timeout=1800)[1]
        mm_err = mm.communicate(timeout=120)[1]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()  # mmdebstrap then unmounts and removes its temporary directory
                proc.wait()
    if mm.returncode != 0:
        raise RuntimeError("mmdebstrap failed (rc=%s): %s" % (mm.returncode, mm_err.decode(errors="replace")[-3000:]))
    if imp.returncode != 0:
        raise RuntimeError("podman import failed: %s" % imp_err.decode(errors="replace")[-2000:])
    if (image_labels(tmp_ref) or {}).get(LABEL_RECIPE) != digest:
        raise RuntimeError("the imported image %s lacks its recipe label" % tmp_ref)


def remove_old_images(keep):
    """Images of earlier recipes: rebuilt once the recipe changed, they are nothing but disk space now."""
    proc = podman("images", "--filter", "reference=%s" % IMAGE_REPO, "--format", "{{.Repository}}:{{.Tag}}",
                  check=False)
    for ref in sorted(set(proc.stdout.split()) - {keep}):
        if ref.startswith(IMAGE_REPO + ":"):
            podman("rmi", ref, check=False)


# -- the machine ----------------------------------------------------------------------------------------------------
def repo_files(working_tree):
    """Paths (relative to ROOT) to copy in: None for committed HEAD (what a clean clone has, copied as a git clone);
    with working_tree, the tracked and untracked-but-not-ignored files as they are on disk (what `git add -A` would
    commit), for trying out changes before committing them."""
    if not working_tree:
        return None
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout.decode()
    return sorted({p for p in out.split("\0") if p and os.path.lexists(os.path.join(ROOT, p))})


def reap_expired(now=None):
    """Remove the machines, networks and volumes of runs that were killed before they could (SIGKILL, a power cut)
    and whose time is up."""
    now = time.time() if now is None else now
    for kind in ("container", "network", "volume"):  # a network or volume in use goes with its container first
        listing = podman(kind, "ls", *(["--all"] if kind == "container" else []), "--filter",
                         "label=%s=%s" % (LABEL_TEST, LABEL_TEST_VALUE), "--format", "json").stdout
        for item in json.loads(listing or "[]") or []:
            name = item.get("Names", item.get("Name", item.get("name")))  # Podman spells it three ways
            name = name[0] if isinstance(name, list) else name
            labels = item.get("Labels", item.get("labels")) or {}
            try:
                expired = float(labels[LABEL_EXPIRES]) <= now
            except (KeyError, ValueError):
                continue
            if expired:
                log("removing %s %s of a run that did not end" % (kind, name))
                podman(kind, "rm", "--force", name, check=False, timeout=120)


class PristineHost:
    """A running pristine machine; a context manager that removes it, its network and its volume on exit,
    whatever happens (after a SIGKILL, reap_expired does once lifetime seconds are over)."""

    def __init__(self, image, go_preinstalled=False, lifetime=3600):
        self.image = image
        self.go_preinstalled = go_preinstalled
        self.name = "kubernaut-pristine-%s" % uuid.uuid4().hex[:8]
        self.volume = self.name + "-containers"
        self.network = self.name + "-net"
        self.labels = ["--label", "%s=%s" % (LABEL_TEST, LABEL_TEST_VALUE),
                       "--label", "%s=%d" % (LABEL_EXPIRES, time.time() + lifetime)]

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc):
        self.remove()

    def start(self):
        # The nested Podman's overlay storage cannot live on the container's own overlay root: a volume holds it.
        podman("volume", "create", *self.labels, self.volume)
        # A network of its own, on a subnet Podman picks from its pool (10.89.x.0/24...): on Podman's default
        # network the machine would sit in 10.88.0.0/16, the subnet the nested Podman gives its own default
        # network, and ports the nested containers publish would not answer. Not the host's network either: the
        # quick start's fixed port 5432 would collide with the host's runs, and the nested Podman's bridge and
        # iptables rules would mix with the host's.
        podman("network", "create", *self.labels, self.network)
        # Its own hostname too: the collection's reaper on the host sees the nested run's go test in /proc, and with
        # the host's hostname it would take it for a process of a dead run on the host and kill it.
        args = ["run", "--detach", "--name", self.name, "--hostname", self.name, *self.labels, "--privileged",
                "--network", self.network, "--volume", "%s:/var/lib/containers" % self.volume]
        if self.go_preinstalled:
            args += ["--volume", "%s:%s:ro" % (HOST_GO, HOST_GO)]
        podman(*args, self.image, "sleep", "infinity")
        self.copy_host_settings()

    def exists(self):
        """Which of the machine, its network and its volume exist on the host."""
        return [name for kind, name in (("container", self.name), ("network", self.network),
                                        ("volume", self.volume))
                if podman(kind, "exists", name, check=False).returncode == 0]

    def preinstalled(self):
        """Which of the tools the quick start must install itself are already there: none, on a pristine machine
        (Go only with go_preinstalled)."""
        proc = self.exec("bash", "-lc", "for tool in podman runc mmdebstrap ansible-playbook go kind; do "
                         "command -v $tool || ls /usr/local/go/bin/$tool 2>/dev/null; done", check=False)
        return proc.stdout.split()

    def copy_host_settings(self):
        """The two things of the host the network here needs: the egress proxy's CA certificates (for pip, git and
        the Go module proxy) and pip's configuration. Nothing else of the host goes in."""
        for cert in sorted(glob.glob(HOST_CA_GLOB)):
            podman("cp", cert, "%s:/usr/local/share/ca-certificates/%s" % (self.name, os.path.basename(cert)))
        if glob.glob(HOST_CA_GLOB):
            self.exec("update-ca-certificates", check=True)
        if os.path.exists(HOST_PIP_CONF):
            podman("cp", HOST_PIP_CONF, "%s:%s" % (self.name, HOST_PIP_CONF))

    def exec(self, *cmd, check=False, timeout=300):
        return podman("exec", self.name, *cmd, check=check, timeout=timeout)

    def copy_repo(self, working_tree=False):
        """Copy the repository in: a git clone of HEAD by default (a bundle cloned inside with the image's git, so
        the copy is what `git clone` gives a user), or the working tree's files with working_tree."""
        files = repo_files(working_tree)
        if files is None:
            bundle = subprocess.run(["git", "-C", ROOT, "bundle", "create", "-", "HEAD"], capture_output=True,
                                    check=True).stdout
            put = subprocess.run(["podman", "exec", "-i", self.name, "sh", "-c",
                                  "cat > /tmp/repo.bundle && git clone -q /tmp/repo.bundle %s && rm /tmp/repo.bundle"
                                  % REPO_INSIDE], input=bundle, capture_output=True, timeout=300, check=False)
        else:
            archive = io.BytesIO()  # a few MB: the repository without .git
            with tarfile.open(fileobj=archive, mode="w") as tar:
                for path in files:
                    tar.add(os.path.join(ROOT, path), arcname=path, recursive=False)
            put = subprocess.run(["podman", "exec", "-i", self.name, "sh", "-c", "mkdir -p %s && tar -x -C %s"
                                  % (REPO_INSIDE, REPO_INSIDE)], input=archive.getvalue(), capture_output=True,
                                 timeout=300, check=False)
        if put.returncode != 0:
            raise RuntimeError("copying the repository in failed: %s" % put.stderr.decode(errors="replace"))

    def run_streamed(self, command, timeout, echo=None):
        """Run a shell command inside as root in the repository, in a login shell as a user would; return
        (exit code, [(seconds since the start, output line)], wall seconds). Each line also goes to echo, if
        given. After timeout seconds the command is killed (what it started inside goes with the machine)."""
        cmd = ["podman", "exec", "--workdir", REPO_INSIDE, "--env", "ANSIBLE_FORCE_COLOR=0",
               "--env", "ANSIBLE_NOCOLOR=1", self.name, "bash", "-lc", command]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        lines = []
        try:
            for line in proc.stdout:
                lines.append((round(time.monotonic() - start, 1), line))
                if echo:
                    echo(lines[-1])
            proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        seconds = round(time.monotonic() - start, 1)
        if seconds >= timeout:
            lines.append((seconds, "pristine: killed %r after %d s\n" % (command, timeout)))
        return proc.returncode, lines, seconds

    def leftovers(self):
        """What of the collection still exists inside: containers, volumes and networks with its label, and
        control-plane processes (etcd, kube-apiserver)."""
        found = []
        for kind, fmt in (("container", "{{.Names}}"), ("volume", "{{.Name}}"), ("network", "{{.Name}}")):
            proc = self.exec("podman", kind, "ls", *(["--all"] if kind == "container" else []),
                             "--filter", OURS_INSIDE, "--format", fmt)
            if proc.returncode == 127:
                break  # no Podman inside: the quick start failed before installing it, and started nothing
            if proc.returncode != 0:
                raise RuntimeError("podman %s ls inside failed: %s" % (kind, proc.stderr.strip()))
            found += ["%s %s" % (kind, name) for name in proc.stdout.split()]
        procs = self.exec("ps", "-eo", "pid=,comm=", check=True).stdout.splitlines()
        found += ["process " + p.strip() for p in procs if re.search(r"\s(etcd|kube-apiserver)", p)]
        return found

    def remove(self):
        """Remove the machine, its network and its volume. What the nested Podman ran goes with them: its processes
        live in the machine's PID namespace, its storage on the volume, its bridge and iptables rules in the
        machine's network namespace."""
        if podman("container", "exists", self.name, check=False).returncode == 0:
            podman("rm", "--force", "--time", "0", self.name, check=False, timeout=120)
        podman("network", "rm", "--force", self.network, check=False, timeout=120)
        podman("volume", "rm", "--force", self.volume, check=False, timeout=120)


# The quick start's steps after the first (installing python3-venv), by the first line each prints (the Makefile
# echoes these commands).
STEPS = [("venv and pip", re.compile(r"-m venv ")),
         ("prepare_host.yml", re.compile(r"ansible-playbook playbooks/prepare_host\.yml")),
         ("datastorage.yml", re.compile(r"ansible-playbook playbooks/datastorage\.yml"))]


def steps(lines, end):
    """[(step, seconds)] of the quick start, from the time its first line appeared to the next step's."""
    starts = [("python3-venv", 0.0)]
    for name, pattern in STEPS:
        first = next((t for t, line in lines if pattern.search(line)), None)
        if first is not None:
            starts.append((name, first))
    return [(name, round((starts[i + 1][1] if i + 1 < len(starts) else end) - t, 1))
            for i, (name, t) in enumerate(starts)]


def slowest_tasks(lines, count=5):
    """[(seconds, task name)] of the Ansible tasks that took longest. ansible.cfg hides skipped hosts, so Ansible
    prints a task's header only with its first result: a task took from the previous header (or play banner) to
    its own (a hidden skipped task's time counts to the next shown one)."""
    marks = [(t, line.strip()) for t, line in lines if re.match(r"(TASK|PLAY|RUNNING HANDLER) \[", line)]
    tasks = [(round(t - marks[i - 1][0], 1), re.sub(r"^TASK \[(.*)\] \**$", r"\1", line))
             for i, (t, line) in enumerate(marks) if i and line.startswith("TASK [")]
    return sorted(tasks, reverse=True)[:count]


@contextlib.contextmanager
def sigterm_unwinds():
    """SIGTERM (a CI job's timeout, kill) raises SystemExit while in this block, so that the clean-ups run."""
    def terminated(signum, frame):
        raise SystemExit(128 + signum)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@sigterm_unwinds()
def quickstart(go_preinstalled=False, working_tree=False, timeout=1800, echo=None):
    """The README quick start on a pristine machine. Returns a dict: image, image build seconds, what was
    installed before, exit code, output, wall seconds, its steps and slowest tasks, and what of ours was left
    running inside."""
    reap_expired()
    image, build_seconds = ensure_image()
    with PristineHost(image, go_preinstalled=go_preinstalled, lifetime=timeout + 600) as host:
        preinstalled = host.preinstalled()
        host.copy_repo(working_tree=working_tree)
        rc, lines, seconds = host.run_streamed(QUICK_START, timeout=timeout, echo=echo)
        leftovers = host.leftovers()
        nested = host.exec("podman", "info", "--format", "runtime {{.Host.OCIRuntime.Name}}, storage "
                           "{{.Store.GraphDriverName}}, cgroups {{.Host.CgroupsVersion}}").stdout.strip()
    return dict(image=image, image_build_seconds=build_seconds, preinstalled=preinstalled, rc=rc, seconds=seconds,
                machine=host.name, left_on_host=host.exists(), nested_podman=nested or "not installed",
                output="".join(line for t, line in lines), steps=steps(lines, seconds),
                slowest_tasks=slowest_tasks(lines), leftovers=leftovers, go_preinstalled=go_preinstalled,
                working_tree=working_tree)


def report(result):
    """Lines that say how the run went and where its time went."""
    return [
        "image %s (%s)" % (result["image"], "built in %.1f s" % result["image_build_seconds"]
                           if result["image_build_seconds"] else "reused"),
        "installed before the quick start: %s" % (", ".join(result["preinstalled"]) or "nothing"),
        "`%s` exited %s after %.1f s (%s, %s)" % (
            QUICK_START, result["rc"], result["seconds"], "Go preinstalled" if result["go_preinstalled"] else "no Go",
            "working tree" if result["working_tree"] else "clone of HEAD"),
        "steps: %s" % ", ".join("%s %.1f s" % step for step in result["steps"]),
        "slowest tasks: %s" % "; ".join("%s %.1f s" % (name, t) for t, name in result["slowest_tasks"]),
        "nested Podman: %s" % result["nested_podman"],
        "left inside: %s" % (", ".join(result["leftovers"]) or "nothing"),
        "left on the host: %s" % (", ".join(result["left_on_host"]) or "nothing"),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    image = sub.add_parser("image", help="build the pristine image unless it is current; print its reference")
    image.add_argument("--rebuild", action="store_true", help="build even if an image of this recipe exists")
    qs = sub.add_parser("quickstart", help="run `%s` on a pristine machine" % QUICK_START)
    qs.add_argument("--go-preinstalled", action="store_true",
                    help="bind-mount the host's %s (read-only), for the 'Go already installed' figure" % HOST_GO)
    qs.add_argument("--working-tree", action="store_true",
                    help="copy the working tree's files (uncommitted changes included) instead of a clone of HEAD")
    qs.add_argument("--timeout", type=int, default=1800, help="seconds the quick start may take (default 1800)")
    args = parser.parse_args(argv)
    if args.command == "image":
        with sigterm_unwinds():
            ref, seconds = ensure_image(rebuild=args.rebuild)
        log("image %s (%s)" % (ref, "built in %.1f s" % seconds if seconds else "reused"))
        print(ref)
        return 0
    result = quickstart(go_preinstalled=args.go_preinstalled, working_tree=args.working_tree, timeout=args.timeout,
                        echo=lambda timed: print("[%6.1f] %s" % timed, end="", flush=True))
    for line in report(result):
        log(line)
    return 0 if result["rc"] == 0 and not result["leftovers"] and not result["left_on_host"] else 1


if __name__ == "__main__":
    sys.exit(main())
