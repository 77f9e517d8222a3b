#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2025, kubernaut maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: local_image
short_description: Build a container image from Debian packages with mmdebstrap and podman import
version_added: 0.1.0
description:
  - Builds a Podman image without any container registry, by bootstrapping a minimal Debian
    root filesystem with C(mmdebstrap) and streaming it straight into C(podman import)
    (no temporary tarball).
  - Meant for air-gapped hosts that cannot pull the upstream images
    (C(docker.io/pgvector/pgvector), C(docker.io/library/redis)); only a Debian mirror is needed.
  - The image gets the labels C(io.kubernaut.testinfra.image=local) and
    C(io.kubernaut.testinfra.spec=<sha256>), a hash of everything that determines its content
    (O(suite), O(components), O(variant), O(packages), O(dpkg_options), O(apt_options), the hooks,
    the content, destination, mode and owner of O(files), and O(config)).
    O(mirror) and O(mode) are not part of the hash.
  - An existing image whose spec label matches is reused (C(changed=false)), without
    contacting the mirror. An image with another or no spec label is rebuilt, so that
    changing, for example, an entrypoint script is picked up.
  - The image is imported under a temporary tag and only tagged O(name) after
    C(mmdebstrap) succeeded and the result was inspected, so a failed build never leaves
    a half-built image behind (C(podman import) happily imports a truncated stream).
    The replaced image is removed if nothing else uses it.
  - C(/etc/resolv.conf) and C(/etc/hostname) copied from the build host are emptied
    (Podman provides both at run time).
author:
  - kubernaut maintainers
requirements:
  - mmdebstrap (Debian package C(mmdebstrap)) on the managed host
  - podman on the managed host
  - root, or a O(mode) that works unprivileged (C(unshare)) for mmdebstrap
attributes:
  check_mode:
    support: full
    description: Reports whether the image would be built, rebuilt or removed; builds nothing.
  diff_mode:
    support: none
  action:
    support: full
    description: The action plugin runs the module in process on the controller and copies images to remote hosts.
options:
  source:
    description:
      - V(local) (default) builds or reuses the image O(name) from Debian packages.
      - V(auto) prefers O(upstream) - present, else pulled - and falls back to the local image only when the pull
        fails because no registry is reachable (a missing image or a bad name is an error), and only when
        O(upstream) is the image the local one stands in for (O(stand_in_for), when set).
      - V(registry) uses O(upstream) only.
    type: str
    choices: [auto, registry, local]
    default: local
  upstream:
    description: The registry image to prefer with O(source=auto) or O(source=registry).
    type: str
  fix_hint:
    description: Appended to the error when O(upstream) cannot be had, to name the role variable that fixes it.
    type: str
    default: ""
  stand_in_for:
    description:
      - The upstream image the local image O(name) replaces, for example C(docker.io/pgvector/pgvector:pg16).
      - With O(source=auto), any other O(upstream) (a user's own image) is never replaced by the local image
        when no registry answers; the module fails, saying how to provide the image.
      - Empty - any O(upstream) may be replaced.
    type: str
    default: ""
  name:
    description:
      - Image reference to build, for example C(localhost/kubernaut/pgvector:pg17-trixie).
      - Without a tag, C(latest) is used (as by Podman).
    type: str
    required: true
  state:
    description:
      - V(present) builds the image unless an up-to-date one exists.
      - V(absent) removes the image O(name) (only the tag if other tags point to it).
    type: str
    choices: [present, absent]
    default: present
  packages:
    description:
      - Debian packages to install in addition to the package set of O(variant).
      - Dependencies (not recommends) are installed too.
    type: list
    elements: str
    default: []
  suite:
    description: Debian suite or codename to bootstrap.
    type: str
    default: trixie
  mirror:
    description:
      - Debian mirror URL, or a complete C(deb ...) sources.list line.
      - For an air-gapped host, point this at the local mirror.
    type: str
    default: http://deb.debian.org/debian
  components:
    description: Archive components.
    type: list
    elements: str
    default: [main]
  variant:
    description:
      - mmdebstrap package set. V(essential) (only C(Essential:yes) packages, no apt) is the
        smallest that can run maintainer scripts and the entrypoints; V(custom) installs only
        O(packages) and their dependencies (you must include dpkg and everything the maintainer
        scripts need).
    type: str
    choices: [essential, custom, apt, required, minbase, buildd, important, standard]
    default: essential
  mode:
    description: mmdebstrap C(--mode). V(auto) uses V(root) when run as root.
    type: str
    choices: [auto, root, unshare, fakeroot, fakechroot, chrootless, sudo]
    default: auto
  dpkg_options:
    description:
      - mmdebstrap C(--dpkgopt) values, for example C(path-exclude=/usr/share/doc/*) to keep
        documentation out of the image.
    type: list
    elements: str
    default: []
  apt_options:
    description: mmdebstrap C(--aptopt) values.
    type: list
    elements: str
    default: []
  setup_hooks:
    description:
      - mmdebstrap C(--setup-hook) commands, run before any package is unpacked; the root
        directory is C($1). Use them for configuration that package maintainer scripts read,
        for example C(/etc/postgresql-common/createcluster.conf).
    type: list
    elements: str
    default: []
  essential_hooks:
    description: mmdebstrap C(--essential-hook) commands (after the essential set, before O(packages)).
    type: list
    elements: str
    default: []
  customize_hooks:
    description:
      - mmdebstrap C(--customize-hook) commands, run after all packages are installed and after
        O(files) were copied in; the root directory is C($1), use C(chroot "$1" ...) to run
        commands inside it.
    type: list
    elements: str
    default: []
  files:
    description:
      - Files to copy into the image (before O(customize_hooks) run). Missing parent
        directories are created.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description:
          - Path of the file on the managed host. Mutually exclusive with O(files[].content).
          - To ship a file from the controller, use O(files[].content) with a
            C(lookup('ansible.builtin.file', ...)).
        type: path
      content:
        description: Content of the file. Mutually exclusive with O(files[].src).
        type: str
      dest:
        description: Absolute path inside the image. No whitespace.
        type: str
        required: true
      mode:
        description: Octal mode, preferably quoted such as C('0755') (an unquoted YAML C(0755) works too).
        type: raw
        default: '0644'
      owner:
        description: C(user[:group]) inside the image (resolved in the image). Default root.
        type: str
  config:
    description: Image configuration, applied with C(podman import --change).
    type: dict
    default: {}
    suboptions:
      entrypoint:
        description: ENTRYPOINT, exec form.
        type: list
        elements: str
      cmd:
        description: CMD, exec form.
        type: list
        elements: str
      env:
        description: Environment variables. Give the complete C(PATH) if you set it.
        type: dict
      expose:
        description: Ports, such as C(5432/tcp) or C(6379).
        type: list
        elements: str
      volumes:
        description: VOLUME paths.
        type: list
        elements: str
      stop_signal:
        description: STOPSIGNAL, for example C(SIGINT).
        type: str
      workdir:
        description: WORKDIR.
        type: str
      user:
        description: USER.
        type: str
      labels:
        description: Additional labels (the module adds its own C(io.kubernaut.testinfra.*) labels).
        type: dict
  force:
    description: Rebuild even if an up-to-date image exists.
    type: bool
    default: false
  build:
    description:
      - V(false) builds nothing when the image is missing or outdated; the module answers C(action=missing) (with
        RV(spec_hash) and RV(reason)) instead. The action plugin uses it on a remote host to copy the controller's image
        there first (O(copy_from_controller)).
    type: bool
    default: true
  copy_from_controller:
    description:
      - On a remote host (any connection but C(local)), an image the host lacks is not built there but copied from the
        controller's Podman (C(podman save), compressed with C(zstd -1) when the controller has it, sent over the
        connection, C(podman load) on the host), after the controller built it once if it lacked it (under a lock, so
        that the hosts of one run share one build). A host that has the image with the same spec label gets nothing.
      - The host builds the image itself (as with V(false)) when the controller has no Podman, lacks the image and
        mmdebstrap, its build fails or yields another spec hash (O(files[].src) read on each machine); RV(origin)
        and RV(origin_reason) say so.
      - Not used with O(force=true), O(state=absent), in check mode, or on the controller itself.
    type: bool
    default: true
notes:
  - Building needs the mirror; reusing an up-to-date image does not.
  - Runs C(podman) as the connecting user; as root the image lands in root's storage.
  - O(files[].src) is read on the managed host (and on the controller when it builds the image for a remote host;
    the spec hashes must match, else the host builds its own).
seealso:
  - name: mmdebstrap manual
    description: Variants, hooks and options passed through by this module.
    link: https://manpages.debian.org/mmdebstrap
  - name: podman-import
    description: The C(--change) instructions used for O(config).
    link: https://docs.podman.io/en/latest/markdown/podman-import.1.html
"""

EXAMPLES = r"""
- name: Build PostgreSQL 17 + pgvector like pgvector/pgvector
  kubernaut.testinfra.local_image:
    name: localhost/kubernaut/pgvector:pg17-trixie
    suite: trixie
    packages: [postgresql-17, postgresql-17-pgvector, util-linux]
    dpkg_options:
      - path-exclude=/usr/share/doc/*
      - path-include=/usr/share/doc/*/copyright
      - path-exclude=/usr/share/man/*
      - path-exclude=/usr/share/locale/*
    setup_hooks:
      - >-
        mkdir -p "$1/etc/postgresql-common" &&
        echo 'create_main_cluster = false' > "$1/etc/postgresql-common/createcluster.conf"
    files:
      - content: "{{ lookup('ansible.builtin.file', 'image/docker-entrypoint.sh') }}"
        dest: /usr/local/bin/docker-entrypoint.sh
        mode: '0755'
    config:
      entrypoint: [docker-entrypoint.sh]
      cmd: [postgres]
      env:
        PATH: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/17/bin
        PGDATA: /var/lib/postgresql/data
      expose: [5432/tcp]
      volumes: [/var/lib/postgresql/data]
      stop_signal: SIGINT

- name: On a lab host, the same task copies the controller's image there when the host lacks it
  kubernaut.testinfra.local_image:
    name: localhost/kubernaut/redis:trixie
    packages: [redis-server]
    copy_from_controller: true  # the default; false builds it on the host
  register: redis_image  # redis_image.origin: copied from the controller; redis_image.copy.bytes, .seconds

- name: Remove it again
  kubernaut.testinfra.local_image:
    name: localhost/kubernaut/pgvector:pg17-trixie
    state: absent
"""

RETURN = r"""
image:
  description: Subset of C(podman image inspect) of the resulting image (empty when absent or in check mode before a build).
  returned: always
  type: dict
  sample:
    id: 3f1c0c5b1d8e...
    size: 186123456
    created: "2025-11-23T21:30:00.123456789Z"
    config:
      Entrypoint: [docker-entrypoint.sh]
      Cmd: [postgres]
      Labels: {io.kubernaut.testinfra.image: local}
ref:
  description: The image reference to run, O(upstream) or O(name).
  returned: when O(state=present)
  type: str
source_used:
  description: V(upstream) or V(local).
  returned: when O(state=present)
  type: str
upstream_error:
  description: Why O(upstream) could not be pulled when the local image was used instead.
  returned: when the local image was used
  type: str
action:
  description:
    - What was done, V(reused), V(built), V(rebuilt), V(copied) (from the controller, see O(copy_from_controller)),
      V(removed) or V(none); V(missing) with O(build=false) when the image would have been built.
  returned: always
  type: str
  sample: reused
reason:
  description: Why the image was (or would be) built.
  returned: always
  type: str
  sample: spec label differs (old 1a2b..., new 3c4d...)
spec_hash:
  description: sha256 of the build inputs, stored as label C(io.kubernaut.testinfra.spec).
  returned: when O(state=present)
  type: str
origin:
  description:
    - On a remote host, how the image got there, V(host) (it was there, or came from a registry), V(copied from the
      controller), V(built on the controller and copied), or V(built on the host).
  returned: on a remote host, with O(state=present)
  type: str
  sample: copied from the controller
origin_reason:
  description: Why the host built the image itself instead of getting it from the controller.
  returned: when RV(origin) is V(built on the host)
  type: str
  sample: the controller has no Podman
copy:
  description:
    - The copy from the controller, V(bytes) sent (the compressed archive), V(compression) (V(zstd) or V(none)),
      V(save_seconds) (podman save and compression), V(transfer_seconds), V(load_seconds) and the total V(seconds).
  returned: when RV(action) is V(copied)
  type: dict
  sample: {bytes: 70165319, compression: zstd, save_seconds: 6.6, transfer_seconds: 0.9, load_seconds: 4.1, seconds: 11.8}
build_seconds:
  description: Wall-clock seconds of mmdebstrap + podman import.
  returned: when built
  type: float
  sample: 31.2
cmd:
  description: The mmdebstrap command line (temporary paths included).
  returned: when built
  type: list
  elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.build import LocalImage
from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.upstream import resolve_upstream


ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    packages=dict(type='list', elements='str', default=[]),
    suite=dict(type='str', default='trixie'),
    mirror=dict(type='str', default='http://deb.debian.org/debian'),
    components=dict(type='list', elements='str', default=['main']),
    variant=dict(type='str', default='essential',
                 choices=['essential', 'custom', 'apt', 'required', 'minbase', 'buildd', 'important', 'standard']),
    mode=dict(type='str', default='auto',
              choices=['auto', 'root', 'unshare', 'fakeroot', 'fakechroot', 'chrootless', 'sudo']),
    dpkg_options=dict(type='list', elements='str', default=[]),
    apt_options=dict(type='list', elements='str', default=[]),
    setup_hooks=dict(type='list', elements='str', default=[]),
    essential_hooks=dict(type='list', elements='str', default=[]),
    customize_hooks=dict(type='list', elements='str', default=[]),
    files=dict(type='list', elements='dict', default=[], options=dict(
        src=dict(type='path'),
        content=dict(type='str'),
        dest=dict(type='str', required=True),
        mode=dict(type='raw', default='0644'),
        owner=dict(type='str'),
    )),
    config=dict(type='dict', default={}, options=dict(
        entrypoint=dict(type='list', elements='str'),
        cmd=dict(type='list', elements='str'),
        env=dict(type='dict'),
        expose=dict(type='list', elements='str'),
        volumes=dict(type='list', elements='str'),
        stop_signal=dict(type='str'),
        workdir=dict(type='str'),
        user=dict(type='str'),
        labels=dict(type='dict'),
    )),
    force=dict(type='bool', default=False),
    build=dict(type='bool', default=True),
    copy_from_controller=dict(type='bool', default=True),
    upstream=dict(type='str'),
    source=dict(type='str', default='local', choices=['auto', 'registry', 'local']),
    fix_hint=dict(type='str', default=''),
    stand_in_for=dict(type='str', default=''),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    image = LocalImage(module)
    inspected = None
    if module.params['state'] == 'present' and module.params['source'] != 'local':
        podman = module.get_bin_path('podman')
        # the local image is inspected while the upstream one is looked up: one Podman call less to wait for
        with ThreadPoolExecutor(max_workers=1) as pool:
            local = pool.submit(module.run_command, [podman, 'image', 'inspect', image.ref]) if podman else None
            upstream = resolve_upstream(module)
            if upstream:
                module.exit_json(**upstream)
            inspected = local.result() if local else None
    if module.params['state'] == 'present':
        result = image.present(inspected)
        result['ref'] = module.params['name']
        result['source_used'] = 'local'
        result.update(upstream_error=getattr(module, '_upstream_error', ''))
    else:
        result = image.absent()
    module.exit_json(**result)


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True))


if __name__ == '__main__':
    main()
