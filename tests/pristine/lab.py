#!/usr/bin/env python3
"""Lab hosts for the SSH tests: pristine Debian 12 machines (tests/pristine/host.py) that answer SSH on a loopback port.

A lab host is the pristine image run as a privileged Podman container with nested Podman, its own network and
hostname (so that its runs and the host's never share ports, bridges or the reaper's view of /proc), the host's
extra CA certificates and /etc/pip.conf copied in, and sshd listening on a port published on 127.0.0.1 only, with a
key generated for the test. It carries the pristine machines' labels (test label and expiry), so a test that was
killed before it could remove its lab host leaves it for host.reap_expired() to remove later.

    python3 tests/pristine/lab.py up [N]     # start N lab hosts, print an inventory, wait for Ctrl-C, remove them
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location("pristine_host", os.path.join(HERE, "host.py"))
pristine = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(pristine)

LABEL_KIND = "io.kubernaut.testinfra.pristine.kind"


class Keys:
    """An SSH key pair and a ControlPath directory for one test, in a short private temp directory (ControlPath
    names must stay under ~100 characters)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="klab-", dir="/tmp")
        self.private = os.path.join(self.dir, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kubernaut-lab", "-f", self.private],
                       check=True, capture_output=True)
        with open(self.private + ".pub", encoding="utf-8") as handle:
            self.public = handle.read()

    def remove(self):
        # the ControlPersist masters of this test: end them (they would keep the sockets for 60 s otherwise)
        for entry in os.listdir(self.dir):
            if entry.startswith("cp-"):
                subprocess.run(["ssh", "-o", "ControlPath=" + os.path.join(self.dir, entry), "-O", "exit", "x"],
                               capture_output=True, check=False, timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class LabHost(pristine.PristineHost):
    """A pristine machine with sshd on 127.0.0.1:<port> (Podman picks the port), root logging in with keys.public."""

    def __init__(self, image, keys, lifetime=3600):
        super().__init__(image, lifetime=lifetime)
        self.keys = keys
        self.name = "kubernaut-lab-%s" % uuid.uuid4().hex[:8]
        self.volume = self.name + "-containers"
        self.network = self.name + "-net"
        self.labels += ["--label", "%s=lab-host" % LABEL_KIND]
        self.port = None

    def start(self):
        pristine.podman("volume", "create", *self.labels, self.volume)
        pristine.podman("network", "create", *self.labels, self.network)
        pristine.podman("run", "--detach", "--name", self.name, "--hostname", self.name, *self.labels, "--privileged",
                        "--network", self.network, "--volume", "%s:/var/lib/containers" % self.volume,
                        "--publish", "127.0.0.1::22", self.image, "sleep", "infinity")
        self.copy_host_settings()
        self.exec("sh", "-c", "mkdir -p -m 0700 /root/.ssh /run/sshd && "
                  "ssh-keygen -A >/dev/null && /usr/sbin/sshd -o ListenAddress=0.0.0.0 -o PasswordAuthentication=no",
                  check=True)
        put = subprocess.run(["podman", "exec", "-i", self.name, "sh", "-c", "cat > /root/.ssh/authorized_keys"],
                             input=self.keys.public, text=True, capture_output=True, check=False)
        if put.returncode != 0:
            raise RuntimeError("authorized_keys: %s" % put.stderr)
        out = pristine.podman("port", self.name, "22/tcp").stdout.strip()
        self.port = int(out.rsplit(":", 1)[1])
        self.wait_for_ssh()

    def ssh_args(self):
        return ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "IdentitiesOnly=yes", "-i", self.keys.private, "-p", str(self.port)]

    def ssh(self, command, timeout=60):
        return subprocess.run(["ssh", *self.ssh_args(), "root@127.0.0.1", command], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def wait_for_ssh(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            proc = self.ssh("true", timeout=10)
            if proc.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("no SSH on 127.0.0.1:%s of %s: %s" % (self.port, self.name, proc.stderr.strip()))
            time.sleep(0.3)

    def inventory_line(self, alias):
        return ("%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s "
                "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                "-o IdentitiesOnly=yes -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=%s/cp-%%C' "
                "ansible_ssh_pipelining=true" % (alias, self.port, self.keys.private, self.keys.dir))


def write_inventory(path, hosts, extra_lines=()):
    """An INI inventory with the lab hosts as lab1, lab2, ... in group lab, plus extra lines (for example an
    unreachable host)."""
    lines = ["[lab]"] + [host.inventory_line("lab%d" % (i + 1)) for i, host in enumerate(hosts)] + list(extra_lines)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "up":
        print(__doc__)
        return 2
    count = int(argv[1]) if len(argv) > 1 else 1
    pristine.reap_expired()
    image, _ = pristine.ensure_image()
    keys = Keys()
    hosts = []
    try:
        for _ in range(count):
            host = LabHost(image, keys)
            hosts.append(host)
            host.start()
        path = write_inventory(os.path.join(keys.dir, "lab.ini"), hosts)
        print(path, flush=True)
        with open(path, encoding="utf-8") as handle:
            print(handle.read(), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        for host in hosts:
            host.remove()
        keys.remove()


if __name__ == "__main__":
    sys.exit(main())
