# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The private apt configuration and what apt says (module_utils/envtest/apt.py), on real captured outputs
(fixtures/envtest/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from envtest_captures import fixture

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.apt import (
    apt_field, carried_acquire_settings, debian_upstream_version, private_apt_config, sources_line)


def test_apt_cache_show_real_output():
    text = fixture("apt-cache-show-etcd-server-trixie.txt")
    assert apt_field(text, "Package") == "etcd-server"
    assert apt_field(text, "Version") == "3.5.16-4"
    assert debian_upstream_version(apt_field(text, "Version")) == "3.5.16"
    assert apt_field(text, "No-Such-Field") is None


@pytest.mark.parametrize("version,upstream", [
    ("3.5.16-4", "3.5.16"), ("3.4.23-4+b4", "3.4.23"), ("1:3.5.16+dfsg-1+b2", "3.5.16"), ("3.5.16", "3.5.16"),
    ("3.6.0~rc1-1", "3.6.0")])
def test_debian_upstream_version(version, upstream):
    assert debian_upstream_version(version) == upstream


def test_carried_acquire_settings_from_real_host_dump():
    dump = fixture("apt-config-dump-bookworm-host.txt")
    carried = carried_acquire_settings(dump)
    assert carried == ['Acquire::Check-Valid-Until "false";', 'Acquire::Check-Date "false";']
    # hooks and index targets of the host (appstream's DEP-11, docker-clean) are never carried
    assert carried_acquire_settings(dump + 'APT::Update::Post-Invoke:: "rm -f x";\n') == carried
    proxy = carried_acquire_settings('Acquire::http::Proxy "http://proxy:3128";\nAcquire::https::Verify-Peer "1";\n')
    assert proxy == ['Acquire::http::Proxy "http://proxy:3128";', 'Acquire::https::Verify-Peer "1";']


def test_private_apt_config_reads_nothing_of_the_host():
    text = private_apt_config("/c/apt", sandbox_root=True, carried=['Acquire::http::Proxy "http://p:3128";'])
    assert 'Dir::Etc::main "/dev/null";' in text
    assert 'Dir::Etc::Parts "/c/apt/empty";' in text
    assert 'Dir::Etc::SourceList "/c/apt/sources.list";' in text
    assert 'Dir::Etc::SourceParts "/c/apt/empty";' in text
    assert 'Dir::State "/c/apt/state";' in text and 'Dir::Cache "/c/apt/cache";' in text
    assert 'Dir::State::status "/c/apt/state/status";' in text
    assert 'APT::Sandbox::User "root";' in text
    assert text.rstrip().endswith('Acquire::http::Proxy "http://p:3128";')
    assert "Sandbox" not in private_apt_config("/c/apt")
    with pytest.raises(ValueError):
        private_apt_config('/c/"apt')


def test_sources_line():
    assert sources_line("http://deb.debian.org/debian", "trixie", ["main"],
                        "/usr/share/keyrings/debian-archive-keyring.gpg") == (
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main")
    assert sources_line("http://m/debian", "trixie", ["main", "contrib"]) == "deb http://m/debian trixie main contrib"
    line = "deb [trusted=yes] http://m/ trixie main"
    assert sources_line(line, "x", ["y"]) == line
