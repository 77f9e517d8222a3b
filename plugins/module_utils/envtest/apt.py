# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private apt configuration that downloads etcd from a Debian mirror without reading or changing the
host's apt state, and what apt-cache and the Debian version say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.commands import PROBE_TIMEOUT, run

DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def debian_upstream_version(debian_version):
    """Upstream part of a Debian version: '3.5.16-4' -> '3.5.16', '1:3.5.16+dfsg-1+b2' -> '3.5.16'."""
    text = str(debian_version or "").strip()
    text = text.split(":", 1)[1] if ":" in text else text
    if "-" in text:
        text = text.rsplit("-", 1)[0]
    return re.split(r"[+~]", text, 1)[0]


def apt_field(apt_cache_show_output, field):
    """First value of ``field`` in `apt-cache show` output, or None."""
    match = re.search(r"^%s:\s*(.+)$" % re.escape(field), str(apt_cache_show_output or ""), re.M)
    return match.group(1).strip() if match else None


# Host apt settings worth keeping in the private configuration: how to reach a mirror, not what to
# fetch or which hooks to run (the host's APT::Update::Post-Invoke hooks must not run for us).
_CARRIED_ACQUIRE = re.compile(r"^Acquire::(https?|ftp|socks|Retries|ForceIPv4|ForceIPv6|Check-Valid-Until|"
                              r"Check-Date|Max-ValidTime|Queue-Mode)(::|\s)", re.I)


def carried_acquire_settings(apt_config_dump):
    """Lines of `apt-config dump` (host configuration) to copy into the private apt configuration:
    proxies, TLS and retry settings of Acquire::*."""
    return [line for line in str(apt_config_dump or "").splitlines()
            if _CARRIED_ACQUIRE.match(line) and line.rstrip().endswith(";")]


def apt_quote(value):
    if '"' in value or "\n" in value:
        raise ValueError("cannot put %r in an apt configuration" % value)
    return '"%s"' % value


def private_apt_config(root, sandbox_root=False, carried=()):
    """An APT_CONFIG file that reads no host configuration part, sources list, preferences or
    state: everything lives under ``root`` (the host's trusted keys and auth.conf are still used)."""
    conf = [
        "Dir::Etc::main \"/dev/null\";",
        "Dir::Etc::Parts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::Etc::SourceList %s;" % apt_quote(os.path.join(root, "sources.list")),
        "Dir::Etc::SourceParts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::Etc::Preferences \"/dev/null\";",
        "Dir::Etc::PreferencesParts %s;" % apt_quote(os.path.join(root, "empty")),
        "Dir::State %s;" % apt_quote(os.path.join(root, "state")),
        "Dir::State::status %s;" % apt_quote(os.path.join(root, "state", "status")),
        "Dir::Cache %s;" % apt_quote(os.path.join(root, "cache")),
        "Dir::Cache::pkgcache \"\";",
        "Dir::Cache::srcpkgcache \"\";",
        "Dir::Log %s;" % apt_quote(os.path.join(root, "log")),
        "Acquire::Languages \"none\";",
        "Acquire::GzipIndexes \"true\";",
    ]
    if sandbox_root:
        # apt drops to _apt for downloads when run as root; _apt cannot enter a home directory.
        conf.append("APT::Sandbox::User \"root\";")
    return "\n".join(conf + list(carried)) + "\n"


def sources_line(mirror, suite, components, keyring=None):
    """The one-line sources.list entry of the private apt configuration."""
    if mirror.startswith("deb "):
        return mirror
    options = " [signed-by=%s]" % keyring if keyring else ""
    return "deb%s %s %s %s" % (options, mirror, suite, " ".join(components))


def apt_env(root, mirror, suite):
    """Write the private apt configuration under ``root`` (sources.list of ``mirror`` ``suite`` main, the host's
    proxy and retry settings); the environment that makes apt-get and apt-cache use it."""
    rc, dump = run(["apt-config", "dump"], timeout=PROBE_TIMEOUT)
    carried = carried_acquire_settings(dump if rc == 0 else "")
    for sub in ("empty", "state/lists/partial", "cache/archives/partial", "log"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    status = os.path.join(root, "state", "status")
    if not os.path.exists(status):
        open(status, "w").close()
    keyring = DEBIAN_KEYRING if os.path.exists(DEBIAN_KEYRING) else None
    with open(os.path.join(root, "sources.list"), "w") as handle:
        handle.write(sources_line(mirror, suite, ["main"], keyring) + "\n")
    with open(os.path.join(root, "apt.conf"), "w") as handle:
        handle.write(private_apt_config(root, sandbox_root=os.geteuid() == 0, carried=carried))
    return dict(os.environ, APT_CONFIG=os.path.join(root, "apt.conf"), LC_ALL="C", DEBIAN_FRONTEND="noninteractive")
