#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: go_toolchain
short_description: Go toolchain as new as a Go module needs - found, else installed from Debian or the Go module proxy
version_added: "0.1.0"
description:
  - Reads the Go version a Go module needs from its C(go.mod) (the C(toolchain) line, else the C(go) line), or
    takes O(version), and looks for a Go that satisfies it - O(go) on C(PATH), then C(<prefix>/bin/go). When one
    does, nothing changes.
  - Otherwise installs one into O(prefix). With O(source=auto), Debian's C(golang-1.N-go) package when the
    host's apt sources have one new enough (C(<prefix>) then becomes a symbolic link to C(/usr/lib/go-1.N)),
    else the Go toolchain module C(golang.org/toolchain@v0.0.1-go<version>.linux-<arch>) from the Go module
    proxy, the way C(GOTOOLCHAIN) fetches toolchains - no registry or mirror of our own.
  - The toolchain zip is verified against the Go checksum database C(sum.golang.org), read through the proxy
    (C(<proxy>/sumdb/sum.golang.org/...), else from sum.golang.org directly) - its C(h1:) hash
    (golang.org/x/mod/sumdb/dirhash) must equal the database record, the record must be in the signed tree
    (inclusion proof from the database's tiles), and the tree head's ed25519 signature must verify with the
    database's public key (when the C(cryptography) Python package is importable; otherwise a warning says
    it was not checked).
  - Verified zips are kept in O(cache_dir), so installing the same version again (another prefix, a host
    rebuilt) needs no network. The toolchain is unpacked next to O(prefix) and renamed into place only after
    its C(bin/go version) reports the right version; a Go installation already at O(prefix) is replaced then.
    A lock file in O(cache_dir) serialises concurrent runs.
author:
  - kubernaut.testinfra contributors
requirements:
  - write access to the directory holding O(prefix) (root for C(/usr/local/go))
  - root and apt for the Debian package
  - access to the Go module proxy (O(proxy)) when the toolchain must be downloaded
attributes:
  check_mode:
    support: full
    description:
      - Installs, downloads and writes nothing; reads C(go.mod), runs C(go version) and asks the proxy for the
        versions it has (or apt-cache for Debian's packages), and reports what a real run would install.
  diff_mode:
    support: full
    description:
      - Returns the Go version at O(prefix) before and after (C(absent) when there was none).
options:
  go_mod:
    description:
      - The C(go.mod) of the Go module that must build, or the directory holding it. Relative to the current
        directory.
      - Ignored when O(version) is set. With neither, O(min_version) alone decides.
    type: path
  version:
    description:
      - The Go version to require instead of the one from O(go_mod), for example V(1.24) (any 1.24.x; installs
        the newest 1.24 release) or V(1.24.3) (1.24.3 or newer; installs exactly 1.24.3). A leading C(go) is allowed.
    type: str
  min_version:
    description: The lowest version accepted whatever O(go_mod) or O(version) say.
    type: str
  prefix:
    description:
      - Where to install Go; C(<prefix>/bin/go) is the executable. An existing directory there must be a Go
        installation (it has C(bin/go) or C(VERSION)) or empty; it is replaced.
    type: path
    default: /usr/local/go
  go:
    description: The Go executable to look for first, on C(PATH) unless it is a path.
    type: str
    default: go
  source:
    description:
      - V(auto) - Debian's C(golang-1.N-go) (the lowest N with a candidate version that satisfies the requirement)
        when apt-cache lists one and no exact version is asked for (a go.mod C(toolchain) line or O(version) with
        a patch level), else the proxy.
      - V(proxy) - only the Go module proxy.
      - V(debian) - only the Debian package; fails when apt has none new enough.
    type: str
    choices: [auto, proxy, debian]
    default: auto
  install:
    description: Install when no Go satisfies the requirement. With V(false) the module only checks, and fails then.
    type: bool
    default: true
  proxy:
    description:
      - The Go module proxy URL, or a C(GOPROXY)-style list whose first entry is used. Default the first entry of
        the C(GOPROXY) environment variable, else U(https://proxy.golang.org).
    type: str
  arch:
    description: The GOARCH of the toolchain. Default the host's (C(uname -m) mapped to Go's names, e.g. C(amd64)).
    type: str
  cache_dir:
    description:
      - Where verified toolchain zips are kept. Default C($XDG_CACHE_HOME/kubernaut-testinfra/go), else
        C(~/.cache/kubernaut-testinfra/go).
    type: path
  checksum:
    description:
      - Verify the zip against the Go checksum database. C(GOSUMDB=off) in the environment also turns it off.
    type: bool
    default: true
  timeout:
    description: Seconds for each HTTP request to the proxy (the zip download included).
    type: int
    default: 300
notes:
  - Toolchains are Linux only here (C(linux-<arch>)).
  - With O(prefix) other than C(/usr/local/go), put C(<prefix>/bin) on C(PATH) or set C(testinfra_go) to
    C(<prefix>/bin/go) for the service playbooks; C(/usr/local/go/bin/go) is found without that.
  - Credentials in O(proxy) (C(https://user:password@host)) and C(~/.netrc) are used like the go command does;
    C(https_proxy) and friends are honoured.
seealso:
  - name: Go toolchains
    description: How the go command selects and downloads toolchains (GOTOOLCHAIN).
    link: https://go.dev/doc/toolchain
  - name: Go checksum database
    description: The protocol of sum.golang.org and of proxies that serve it.
    link: https://go.dev/ref/mod#checksum-database
"""

EXAMPLES = r"""
- name: Go as the service's go.mod needs, into /usr/local/go when missing or too old
  kubernaut.testinfra.go_toolchain:
    go_mod: "{{ testinfra_repo_dir }}/go.mod"
  become: true
  register: go

- name: Use it
  ansible.builtin.command: "{{ go.go }} test ./..."
  args:
    chdir: "{{ testinfra_repo_dir }}"
  changed_when: false

- name: Exactly Go 1.24.3 from a corporate proxy into a user's prefix
  kubernaut.testinfra.go_toolchain:
    version: 1.24.3
    prefix: ~/sdk/go1.24.3
    go: ~/sdk/go1.24.3/bin/go
    proxy: https://goproxy.example.com
    source: proxy

- name: Only check that Go 1.22 or newer is there
  kubernaut.testinfra.go_toolchain:
    min_version: "1.22"
    install: false
"""

RETURN = r"""
go:
  description: Path of the Go executable that satisfies the requirement (in check mode, where it would be).
  returned: always
  type: str
  sample: /usr/local/go/bin/go
version:
  description: Its Go version (in check mode, of the toolchain that would be installed).
  returned: always
  type: str
  sample: 1.24.13
required:
  description: The lowest Go version accepted.
  returned: always
  type: str
  sample: 1.24.0
required_by:
  description: Where the requirement comes from.
  returned: always
  type: str
  sample: go 1.24.0 in /work/main/examples/go.mod
source:
  description:
    - V(present) (a Go was already there), V(proxy) (downloaded now), V(cache) (a zip downloaded and verified
      earlier), or V(debian) (the package installed now).
  returned: always
  type: str
  sample: proxy
found:
  description: The Go executables looked at and the version each reported (V(null) when it did not run).
  returned: always
  type: list
  elements: dict
  sample: [{path: /usr/bin/go, version: 1.19.8}, {path: /usr/local/go/bin/go, version: null}]
prefix:
  description: The install prefix.
  returned: always
  type: str
  sample: /usr/local/go
url:
  description: URL of the toolchain zip.
  returned: when the toolchain is (or would be) installed from the proxy
  type: str
  sample: https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.24.13.linux-amd64.zip
checksum:
  description: The zip's C(h1:) hash, as the checksum database has it.
  returned: when the toolchain was installed from the proxy or the cache
  type: str
  sample: "h1:oPC9yECkA1xwFfkEB5H9B9GDchhCH79d2Y7l4ybHXF0="
verified:
  description: What was checked about the zip.
  returned: when the toolchain was installed from the proxy or the cache
  type: list
  elements: str
  sample: [h1 hash equals the sum.golang.org record 34531184, record included in the signed tree of 66393050 records,
           tree signature by sum.golang.org]
downloaded_bytes:
  description: Size of the zip downloaded now.
  returned: when the toolchain was downloaded from the proxy
  type: int
  sample: 83058986
package:
  description: The Debian package installed (or to install).
  returned: when the source is (or would be) debian
  type: str
  sample: golang-1.24-go
seconds:
  description: Wall-clock seconds of the download (with verification) and the installation.
  returned: always
  type: dict
  sample: {download: 4.2, install: 3.1}
msg:
  description: One line saying what was found or done.
  returned: always
  type: str
  sample: installed go1.24.13 from https://proxy.golang.org into /usr/local/go (go 1.24.0 in examples/go.mod)
"""

import contextlib
import errno
import fcntl
import hashlib
import os
import platform
import pwd
import shutil
import time
import zipfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

from ansible_collections.kubernaut.testinfra.plugins.module_utils.go_toolchain import (
    DEFAULT_PROXY, GOARCH, SUMDB_KEY, SUMDB_NAME, SUMDB_URL, TOOLCHAIN_MODULE, GoVersionError, ZipHasher, at_least,
    choose_debian, choose_version, go_version_output, listed_versions, parse_apt_policy, parse_lookup, parse_note,
    parse_tree, proxy_from_env, record_hash, requirement, same_minor, toolchain_module_version, tree_root, verify_note)

ARGUMENT_SPEC = dict(
    go_mod=dict(type="path"),
    version=dict(type="str"),
    min_version=dict(type="str"),
    prefix=dict(type="path", default="/usr/local/go"),
    go=dict(type="str", default="go"),
    source=dict(type="str", choices=["auto", "proxy", "debian"], default="auto"),
    install=dict(type="bool", default=True),
    proxy=dict(type="str"),
    arch=dict(type="str"),
    cache_dir=dict(type="path"),
    checksum=dict(type="bool", default=True),
    timeout=dict(type="int", default=300),
)

# How the role names the options, for messages a user acts on.
VARIABLE = dict(go_mod="prepare_host_go_mod", version="prepare_host_go_version", prefix="prepare_host_go_prefix",
                proxy="prepare_host_go_proxy (or GOPROXY)", source="prepare_host_go_source",
                install="prepare_host_go_install")
CHUNK = 1 << 20


class Failed(Exception):
    pass


def option(name):
    return "%s (option %s)" % (VARIABLE[name], name) if name in VARIABLE else name


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".cache")
    return os.path.join(base, "kubernaut-testinfra", "go")


def is_go_root(path):
    """Whether ``path`` may be replaced: absent, a symbolic link, an empty directory or a Go installation."""
    if os.path.islink(path) or not os.path.exists(path):
        return True
    if not os.path.isdir(path):
        return False
    return not os.listdir(path) or any(os.path.exists(os.path.join(path, n)) for n in ("bin/go", "VERSION"))


def remove(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


def executable(relative):
    """Whether a file of a GOROOT gets the execute bits (as cmd/go does after a toolchain download)."""
    parts = relative.split("/")
    return parts[0] == "bin" or relative.startswith("pkg/tool/") or (
        parts[0] == "lib" and parts[-1].startswith("go_") and parts[-1].endswith("_exec"))


class GoToolchain:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.prefix = os.path.abspath(self.params["prefix"])
        self.prefix_go = os.path.join(self.prefix, "bin", "go")
        self.seconds = {}
        self._proxy = None
        self._tiles = {}

    def fail(self, msg, **extra):
        raise Failed(msg, extra)

    # -- what is needed, what is there ---------------------------------------------------------
    def requirement(self):
        params = self.params
        text, path = None, params["go_mod"]
        if path and not params["version"]:
            path = os.path.abspath(path)
            if os.path.isdir(path):
                path = os.path.join(path, "go.mod")
            try:
                with open(path) as handle:
                    text = handle.read()
            except (IOError, OSError) as exc:
                self.fail("cannot read the go.mod of the module under test (%s): %s; set %s to your module's go.mod, "
                          "or %s to a Go version" % (path, to_native(exc.strerror or exc), option("go_mod"),
                                                     option("version")))
        try:
            return requirement(text, path, params["version"], params["min_version"])
        except GoVersionError as exc:
            self.fail("%s: set %s to a Go version such as 1.24, or fix %s" % (exc, option("version"), path or "go.mod"))

    def go_version(self, path):
        if not os.access(path, os.X_OK):
            return None
        env = dict(GOTOOLCHAIN="local", GOFLAGS="")
        rc, out, err = self.module.run_command([path, "version"], environ_update=env, cwd="/")
        return go_version_output(out) if rc == 0 else None

    def candidates(self):
        paths = []
        first = os.path.expanduser(self.params["go"])
        found = first if os.path.isabs(first) else self.module.get_bin_path(first)
        if found and os.access(found, os.X_OK):
            paths.append(found)
        if os.access(self.prefix_go, os.X_OK) and os.path.realpath(self.prefix_go) not in map(os.path.realpath, paths):
            paths.append(self.prefix_go)
        return [dict(path=path, version=self.go_version(path)) for path in paths]

    # -- HTTP ---------------------------------------------------------------------------------
    @property
    def proxy(self):
        if self._proxy is None:
            try:
                self._proxy = (proxy_from_env(self.params["proxy"]) or proxy_from_env(os.environ.get("GOPROXY"))
                               or DEFAULT_PROXY)
            except GoVersionError as exc:
                self.fail("%s: set %s to a module proxy URL" % (exc, option("proxy")))
            self._proxy = self._proxy.rstrip("/")
        return self._proxy

    def get(self, url, what):
        try:
            return open_url(url, timeout=self.params["timeout"], http_agent="kubernaut.testinfra go_toolchain",
                            follow_redirects="safe")
        except HTTPError:
            raise
        except Exception as exc:  # URLError, socket and TLS errors
            self.fail("cannot reach %s for %s: %s; check the network, https_proxy, or %s"
                      % (url, what, to_native(getattr(exc, "reason", exc)), option("proxy")))

    def read(self, url, what):
        response = self.get(url, what)
        try:
            return response.read()
        except (IOError, OSError) as exc:  # a timeout or reset while reading
            self.fail("reading %s for %s failed: %s" % (url, what, to_native(exc)))
        finally:
            response.close()

    # -- the proxy ------------------------------------------------------------------------------
    def arch(self):
        if self.params["arch"]:
            return self.params["arch"]
        machine = platform.machine()
        if machine not in GOARCH:
            self.fail("no Go architecture known for this machine (%s): set arch" % machine)
        return GOARCH[machine]

    def choose(self, need, exact, why):
        arch = self.arch()
        url = "%s/%s/@v/list" % (self.proxy, TOOLCHAIN_MODULE)
        try:
            listing = self.read(url, "the list of Go toolchains").decode("utf-8", "replace")
        except HTTPError as exc:
            self.fail("the Go module proxy %s refuses the list of Go toolchains (%s): HTTP %s; set %s to a proxy that "
                      "serves %s" % (self.proxy, url, exc.code, option("proxy"), TOOLCHAIN_MODULE))
        versions = listed_versions(listing, arch)
        chosen = choose_version(versions, need, exact)
        if not chosen:
            near = [v for v in versions if same_minor(v, need)] or versions[-5:]
            self.fail("the Go module proxy %s has no Go toolchain %s%s for linux-%s (needed by %s); it has %s: set %s "
                      "to one of them (e.g. -e %s=%s), or %s to a proxy that has it"
                      % (self.proxy, "go" + need, "" if exact else " or newer of that minor version", arch, why,
                         ", ".join(near) or "none", option("version"), VARIABLE["version"],
                         near[-1] if near else need, option("proxy")))
        return chosen, toolchain_module_version(chosen, arch)

    def zip_url(self, module_version):
        return "%s/%s/@v/%s.zip" % (self.proxy, TOOLCHAIN_MODULE, module_version)

    def download(self, module_version, dest):
        url = self.zip_url(module_version)
        try:
            response = self.get(url, "the Go toolchain")
        except HTTPError as exc:
            self.fail("the Go module proxy refuses %s@%s (%s): HTTP %s %s; set %s to a version the proxy has "
                      "(https://go.dev/dl lists them), or %s to another proxy"
                      % (TOOLCHAIN_MODULE, module_version, url, exc.code, to_native(exc.reason), option("version"),
                         option("proxy")))
        size = 0
        try:
            with open(dest, "wb") as out:
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    size += len(chunk)
        except (IOError, OSError) as exc:
            self.fail("download of %s failed after %d bytes: %s" % (url, size, to_native(exc)))
        finally:
            response.close()
        return size

    # -- the checksum database -----------------------------------------------------------------
    def sumdb_get(self, path, what):
        """GET <proxy>/sumdb/sum.golang.org/<path>, else <sum.golang.org>/<path> when the proxy does not serve it."""
        bases = ["%s/sumdb/%s" % (self.proxy, SUMDB_NAME), SUMDB_URL]
        for base in bases:
            try:
                return self.read("%s/%s" % (base, path), what)
            except HTTPError as exc:
                if exc.code not in (404, 410) or base == bases[-1]:
                    self.fail("the checksum database refuses %s (%s/%s): HTTP %s; with a proxy that does not serve "
                              "it, set GOSUMDB=off or checksum=false to skip the verification"
                              % (what, base, path, exc.code))
        return None

    def tile(self, path):
        if path not in self._tiles:
            self._tiles[path] = self.sumdb_get(path, "tile " + path)
        return self._tiles[path]

    def expected_hash(self, module_version):
        """The h1: hash of the zip according to sum.golang.org, and what was verified."""
        lookup = self.sumdb_get("lookup/%s@%s" % (TOOLCHAIN_MODULE, module_version),
                                "the checksum of %s@%s" % (TOOLCHAIN_MODULE, module_version))
        try:
            record_id, record, note = parse_lookup(lookup)
            expected = record_hash(record, TOOLCHAIN_MODULE, module_version)
            text, signatures = parse_note(note)
            size, root = parse_tree(text)
        except ValueError as exc:
            self.fail("unexpected answer of the checksum database for %s@%s: %s" % (TOOLCHAIN_MODULE, module_version, exc))
        if not expected:
            self.fail("the checksum database record %d names no zip hash for %s@%s" % (record_id, TOOLCHAIN_MODULE,
                                                                                     module_version))
        verified = ["h1 hash of the zip equals the %s record %d" % (SUMDB_NAME, record_id)]
        if tree_root(record_id, record, size, self.tile) != root:
            self.fail("the checksum database record of %s@%s is not in its signed tree (inclusion proof failed): "
                      "do not trust this proxy (%s)" % (TOOLCHAIN_MODULE, module_version, self.proxy))
        verified.append("record included in the signed tree of %d records" % size)
        signed = verify_note(text, signatures, SUMDB_KEY)
        if signed is False:
            self.fail("the tree head of the checksum database is not signed by %s: do not trust this proxy (%s)"
                      % (SUMDB_NAME, self.proxy))
        if signed is None:
            self.module.warn("the signature of the checksum database's tree head was not verified: the Python "
                             "package cryptography is missing")
        else:
            verified.append("tree signature by %s" % SUMDB_NAME)
        return expected, verified

    # -- unpack -------------------------------------------------------------------------------------
    def unpack(self, zip_path, module_version, dest):
        """Extract the zip into dest without its golang.org/toolchain@<version>/ prefix; return (h1: hash, problem)."""
        top = "%s@%s/" % (TOOLCHAIN_MODULE, module_version)
        hasher, made, go_mods = ZipHasher(), set(), []
        try:
            archive = zipfile.ZipFile(zip_path)
        except (zipfile.BadZipfile, IOError, OSError) as exc:
            return None, "not a zip file (%s)" % to_native(exc)
        with archive:
            for info in archive.infolist():
                name = info.filename
                relative = name[len(top):] if name.startswith(top) else ""
                parts = relative.split("/")
                if not relative or ".." in parts or "" in parts:
                    return None, "unexpected entry %s in the zip" % name
                try:
                    data = archive.read(info)
                except (zipfile.BadZipfile, IOError, OSError, ValueError) as exc:  # CRC errors included
                    return None, "cannot read %s: %s" % (name, to_native(exc))
                hasher.add(name, hashlib.sha256(data).hexdigest())
                target = os.path.join(dest, *parts)
                parent = os.path.dirname(target)
                if parent not in made:
                    os.makedirs(parent, 0o755, exist_ok=True)
                    made.add(parent)
                mode = 0o755 if executable(relative) or (info.external_attr >> 16) & 0o111 else 0o644
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fchmod(fd, mode)  # whatever the umask
                finally:
                    os.close(fd)
                if parts[-1] == "_go.mod":
                    go_mods.append(parent)
        # Module zips cannot hold go.mod files below the root; the toolchain's are named _go.mod. cmd/go copies
        # them back after a download; so do we.
        for parent in go_mods:
            if not os.path.exists(os.path.join(parent, "go.mod")):
                shutil.copy2(os.path.join(parent, "_go.mod"), os.path.join(parent, "go.mod"))
        return hasher.sum(), None

    @contextlib.contextmanager
    def locked(self, cache_dir):
        os.makedirs(cache_dir, exist_ok=True)
        fd = os.open(os.path.join(cache_dir, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def replace_prefix(self, new):
        """Put ``new`` (a directory or a symbolic link next to the prefix) in the prefix's place."""
        old = None
        if os.path.lexists(self.prefix):
            old = os.path.join(os.path.dirname(self.prefix), ".%s.old-%d" % (os.path.basename(self.prefix), os.getpid()))
            remove(old)
            os.rename(self.prefix, old)
        try:
            os.rename(new, self.prefix)
        except OSError:
            if old:
                os.rename(old, self.prefix)
            raise
        if old:
            remove(old)

    def remove_stale(self, cache_dir):
        """What killed runs left: unpacked trees next to the prefix, partial downloads (their PIDs are gone)."""
        parent, base = os.path.split(self.prefix)
        leftovers = [(parent, name) for name in (os.listdir(parent) if os.path.isdir(parent) else [])
                     if name.startswith((".%s.new-" % base, ".%s.old-" % base))]
        leftovers += [(cache_dir, name) for name in os.listdir(cache_dir) if ".zip.partial-" in name]
        for directory, name in leftovers:
            pid = name.rsplit("-", 1)[-1]
            if pid.isdigit() and not os.path.exists("/proc/%s" % pid):
                remove(os.path.join(directory, name))

    def check_prefix(self):
        if not is_go_root(self.prefix):
            self.fail("%s exists and is not a Go installation (no bin/go, no VERSION) and not empty: set %s to "
                      "another directory, or remove it" % (self.prefix, option("prefix")))

    def install_from_proxy(self, chosen, module_version, result):
        params = self.params
        cache_dir = os.path.abspath(params["cache_dir"] or default_cache_dir())
        zip_path = os.path.join(cache_dir, module_version + ".zip")
        hash_path = zip_path[:-4] + ".ziphash"
        checksum = params["checksum"] and os.environ.get("GOSUMDB", "") != "off"
        parent = os.path.dirname(self.prefix)
        with self.locked(cache_dir):
            self.remove_stale(cache_dir)
            if self.go_version(self.prefix_go) == chosen:  # installed meanwhile by a concurrent run
                result.update(changed=False, source="present",
                              msg="go%s was installed into %s meanwhile" % (chosen, self.prefix))
                return
            expected, verified, source = None, [], "cache"
            if os.path.isfile(zip_path) and os.path.isfile(hash_path):
                with open(hash_path) as handle:
                    expected = handle.read().strip()
                verified = ["h1 hash of the zip equals the one verified when it was downloaded (%s)" % hash_path]
            else:
                source, start = "proxy", time.time()
                remove(zip_path)
                partial = "%s.partial-%d" % (zip_path, os.getpid())
                try:
                    size = self.download(module_version, partial)
                    if checksum:
                        expected, verified = self.expected_hash(module_version)
                    else:
                        self.module.warn("%s@%s is not verified against the checksum database (checksum=false or "
                                         "GOSUMDB=off)" % (TOOLCHAIN_MODULE, module_version))
                    os.rename(partial, zip_path)
                finally:
                    remove(partial)
                self.seconds["download"] = round(time.time() - start, 2)
                result["downloaded_bytes"] = size
            start = time.time()
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o755)
            new = os.path.join(parent, ".%s.new-%d" % (os.path.basename(self.prefix), os.getpid()))
            remove(new)
            try:
                got, problem = self.unpack(zip_path, module_version, new)
                if problem or (expected and got != expected):
                    remove(zip_path)
                    remove(hash_path)
                    self.fail("the Go toolchain zip %s is damaged or forged (%s): removed it; run again to download "
                              "it again" % (zip_path, problem or "its hash %s is not %s" % (got, expected)))
                reported = self.go_version(os.path.join(new, "bin", "go"))
                if reported != chosen:
                    self.fail("the unpacked toolchain's go version reports %s, not %s" % (reported, chosen))
                if got != expected:  # not verified (checksum off): remember what we unpacked
                    expected = got
                with open(hash_path, "w") as handle:
                    handle.write(expected + "\n")
                self.replace_prefix(new)
            finally:
                remove(new)
            self.seconds["install"] = round(time.time() - start, 2)
        result.update(source=source, checksum=expected, verified=verified,
                      msg="installed go%s %s into %s" % (chosen, "from " + self.proxy if source == "proxy"
                                                         else "from the cache (%s)" % zip_path, self.prefix))

    # -- Debian ---------------------------------------------------------------------------------
    def debian_choice(self, need):
        apt_cache = self.module.get_bin_path("apt-cache")
        if not apt_cache:
            return None
        rc, out, err = self.module.run_command([apt_cache, "pkgnames", "golang-1."])
        names = sorted(n for n in out.split() if n.startswith("golang-1.") and n.endswith("-go"))
        if rc != 0 or not names:
            return None
        rc, out, err = self.module.run_command([apt_cache, "policy"] + names)
        return choose_debian(parse_apt_policy(out), need) if rc == 0 else None

    def install_from_debian(self, package, upstream, goroot, result):
        if os.geteuid() != 0:
            self.fail("installing %s needs root: run the task with become" % package)
        start = time.time()
        rc, out, err = self.module.run_command(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
            environ_update=dict(DEBIAN_FRONTEND="noninteractive"))
        if rc != 0:
            self.fail("apt-get install %s failed: %s; or set %s=proxy" % (package, (err or out).strip()[-2000:],
                                                                         VARIABLE["source"]))
        reported = self.go_version(os.path.join(goroot, "bin", "go"))
        if not reported or not at_least(reported, result["required"]):
            self.fail("%s installed, but %s/bin/go reports %s" % (package, goroot, reported))
        if os.path.realpath(self.prefix) != os.path.realpath(goroot):
            parent = os.path.dirname(self.prefix)
            if not os.path.isdir(parent):
                os.makedirs(parent, 0o755)
            link = os.path.join(parent, ".%s.new-%d" % (os.path.basename(self.prefix), os.getpid()))
            remove(link)
            os.symlink(goroot, link)
            try:
                self.replace_prefix(link)
            finally:
                remove(link)
        self.seconds["install"] = round(time.time() - start, 2)
        result.update(source="debian", version=reported,
                      msg="installed %s (go%s) and linked %s to %s" % (package, reported, self.prefix, goroot))

    def path_hint(self, found, use):
        """Warn when the service playbooks (first go on PATH, else /usr/local/go/bin/go) would not use this go."""
        same = os.path.realpath(self.prefix_go)
        first = found[0] if found and os.path.realpath(found[0]["path"]) != same else None
        if first and os.path.realpath(first["path"]) != os.path.realpath(use["path"]):
            self.module.warn("the go first on PATH (%s, go%s) is older than needed: the service playbooks use the first "
                             "go on PATH; put %s first on PATH or set testinfra_go=%s"
                             % (first["path"], first["version"], os.path.dirname(use["path"]), use["path"]))
        elif not first and use["path"] == self.prefix_go and self.prefix != "/usr/local/go":
            self.module.warn("go is in %s, not on PATH: put %s on PATH or set testinfra_go=%s for the service playbooks"
                             % (self.prefix, os.path.dirname(self.prefix_go), self.prefix_go))

    # -- the whole ------------------------------------------------------------------------------------
    def run(self):
        params = self.params
        need, exact, why = self.requirement()
        found = self.candidates()
        result = dict(changed=False, required=need, required_by=why, found=found, prefix=self.prefix,
                      seconds=self.seconds)
        good = [c for c in found if c["version"] and at_least(c["version"], need)]
        if good:
            use = good[0]
            result.update(go=use["path"], version=use["version"], source="present",
                          msg="go%s at %s satisfies %s" % (use["version"], use["path"], why))
            self.path_hint(found, use)
            return result
        if not params["install"]:
            self.fail("Go %s or newer is needed (%s); found %s: install it, or set %s=true"
                      % (need, why, ", ".join("%s (go%s)" % (c["path"], c["version"]) for c in found) or "none",
                         VARIABLE["install"]))
        self.check_prefix()
        before = self.go_version(self.prefix_go)
        result.update(changed=True, go=self.prefix_go)
        debian = None
        if params["source"] in ("auto", "debian") and not exact:
            debian = self.debian_choice(need)
        if params["source"] == "debian" and not debian:
            self.fail("apt has no golang-1.N-go package with Go %s or newer (%s%s): add a suite that has one (e.g. "
                      "backports), or set %s=proxy" % (need, why, "; an exact version is asked for" if exact else "",
                                                      VARIABLE["source"]))
        if debian:
            package, upstream, goroot = debian
            result.update(package=package, version=upstream)
            if self.check_mode:
                result.update(source="debian", msg="would install %s (go%s) and link %s to %s (%s)"
                              % (package, upstream, self.prefix, goroot, why))
            else:
                self.install_from_debian(package, upstream, goroot, result)
        else:
            chosen, module_version = self.choose(need, exact, why)
            result.update(version=chosen, url=self.zip_url(module_version))
            if self.check_mode:
                result.update(source="proxy", msg="would install go%s from %s into %s (%s)"
                              % (chosen, self.proxy, self.prefix, why))
            else:
                self.install_from_proxy(chosen, module_version, result)
        result["msg"] += "" if self.check_mode else " (%s)" % why
        result["diff"] = dict(before="go%s\n" % before if before else "absent\n",
                              after="go%s\n" % result["version"], before_header=self.prefix_go,
                              after_header=self.prefix_go)
        self.path_hint(found, dict(path=self.prefix_go))
        return result


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    try:
        result = GoToolchain(module).run()
    except Failed as exc:
        msg, extra = exc.args
        module.fail_json(msg=msg, **extra)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            module.fail_json(msg="%s: %s; run the task with become, or set %s to a directory you may write"
                             % (to_native(exc.strerror), exc.filename, option("prefix")))
        raise
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == "__main__":
    main()
