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
options:
  source:
    description:
      - V(local) (default) builds or reuses the image O(name) from Debian packages.
      - V(auto) prefers O(upstream) - present, else pulled - and falls back to the local image only when the pull
        fails because no registry is reachable (a missing image or a bad name is an error).
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
notes:
  - Building needs the mirror; reusing an up-to-date image does not.
  - Runs C(podman) as the connecting user; as root the image lands in root's storage.
  - O(files[].src) is read on the managed host; this module has no action plugin.
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
  description: What was done, V(reused), V(built), V(rebuilt), V(removed) or V(none).
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

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

# Bump when the way images are built changes (forces a rebuild of existing images).
SPEC_VERSION = 1
LABEL_KIND = 'io.kubernaut.testinfra.image'
LABEL_SPEC = 'io.kubernaut.testinfra.spec'
LABEL_SUITE = 'io.kubernaut.testinfra.suite'
LABEL_PACKAGES = 'io.kubernaut.testinfra.packages'
STDERR_TAIL_LINES = 20

MISSING_TOOL_HINT = {
    'mmdebstrap': 'mmdebstrap is not installed on this host: install it (apt-get install mmdebstrap) '
                  'or run the kubernaut.testinfra.prepare_host playbook',
    'podman': 'podman is not installed on this host: run the kubernaut.testinfra.prepare_host playbook '
              '(or apt-get install podman)',
}


def split_reference(name):
    """Return (repository, tag) of an image reference; tag defaults to latest."""
    if '@' in name:
        raise ValueError('digest references cannot be built: %s' % name)
    last = name.rsplit('/', 1)[-1]
    if ':' in last:
        repo, tag = name.rsplit(':', 1)
    else:
        repo, tag = name, 'latest'
    if not re.match(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', tag):
        raise ValueError('invalid tag %r in %s' % (tag, name))
    return repo, tag


def stderr_tail(text, lines=STDERR_TAIL_LINES):
    return '\n'.join(to_text(text, errors='surrogate_or_replace').rstrip().splitlines()[-lines:])


class LocalImage(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.podman = None
        self.name = self.params['name']
        try:
            self.repo, self.tag = split_reference(self.name)
        except ValueError as e:
            module.fail_json(msg=to_native(e))
        # podman lists "localhost/x:y" for "x:y"; keep the user's spelling for tagging.
        self.ref = '%s:%s' % (self.repo, self.tag)

    # -- helpers ---------------------------------------------------------------------------
    def bin(self, name):
        path = self.module.get_bin_path(name)
        if not path:
            self.module.fail_json(msg=MISSING_TOOL_HINT[name])
        return path

    def run(self, args, check=True, **kwargs):
        rc, out, err = self.module.run_command(args, **kwargs)
        if check and rc != 0:
            self.module.fail_json(msg='%s failed (rc=%s): %s' % (' '.join(args[:3]), rc, stderr_tail(err)),
                                  rc=rc, stdout=out, stderr=err, cmd=args)
        return rc, out, err

    def inspect(self, ref):
        """Inspect data of ref, or None if there is no such image (one podman call, not exists + inspect)."""
        rc, out, err = self.run([self.podman, 'image', 'inspect', ref], check=False)
        if rc != 0 and re.search(r'image not known|no such image', err or '', re.I):
            return None
        if rc != 0:
            self.module.fail_json(msg='podman image inspect %s failed (rc=%s): %s' % (ref, rc, stderr_tail(err)))
        try:
            return json.loads(out)[0]
        except (ValueError, IndexError) as e:
            self.module.fail_json(msg='cannot parse podman image inspect %s: %s' % (ref, to_native(e)), stdout=out)

    @staticmethod
    def summary(data):
        if not data:
            return {}
        return {
            'id': data.get('Id'),
            'size': data.get('Size'),
            'created': data.get('Created'),
            'names': data.get('RepoTags') or [],
            'config': data.get('Config') or {},
        }

    # -- spec ------------------------------------------------------------------------------
    def load_files(self):
        """[(entry, bytes)] for all files, validated."""
        loaded = []
        for i, f in enumerate(self.params['files']):
            dest = f['dest']
            if not dest.startswith('/') or re.search(r'\s', dest) or dest.endswith('/'):
                self.module.fail_json(msg='files[%d].dest must be an absolute file path without whitespace: %r' % (i, dest))
            if isinstance(f['mode'], int):
                # YAML 0755 arrives as the int 493
                f['mode'] = '%04o' % f['mode']
            f['mode'] = to_text(f['mode'])
            if not re.match(r'^[0-7]{3,4}$', f['mode']):
                self.module.fail_json(msg='files[%d].mode must be an octal string like "0755": %r' % (i, f['mode']))
            if (f.get('src') is None) == (f.get('content') is None):
                self.module.fail_json(msg='files[%d] needs exactly one of src and content' % i)
            if f.get('src') is not None:
                try:
                    with open(f['src'], 'rb') as fh:
                        data = fh.read()
                except (IOError, OSError) as e:
                    self.module.fail_json(msg='files[%d].src: cannot read %s: %s' % (i, f['src'], to_native(e)))
            else:
                data = to_bytes(f['content'], errors='surrogate_or_strict')
            loaded.append((f, data))
        return loaded

    def normalized_config(self):
        c = dict((k, v) for k, v in (self.params['config'] or {}).items() if v not in (None, [], {}, ''))
        if 'env' in c:
            c['env'] = dict((to_text(k), to_text(v)) for k, v in c['env'].items())
        if 'labels' in c:
            c['labels'] = dict((to_text(k), to_text(v)) for k, v in c['labels'].items())
        return c

    def spec(self, files):
        p = self.params
        doc = {
            'v': SPEC_VERSION,
            'suite': p['suite'],
            'components': p['components'],
            'variant': p['variant'],
            'packages': sorted(set(p['packages'])),
            'dpkg_options': p['dpkg_options'],
            'apt_options': p['apt_options'],
            'setup_hooks': p['setup_hooks'],
            'essential_hooks': p['essential_hooks'],
            'customize_hooks': p['customize_hooks'],
            'files': [{'dest': f['dest'], 'mode': f['mode'], 'owner': f.get('owner'),
                       'sha256': hashlib.sha256(data).hexdigest()} for f, data in files],
            'config': self.normalized_config(),
        }
        return hashlib.sha256(to_bytes(json.dumps(doc, sort_keys=True, separators=(',', ':')))).hexdigest()

    def changes(self, spec_hash):
        c = self.normalized_config()
        out = []
        for k in sorted(c.get('env', {})):
            v = c['env'][k]
            if '\n' in v or not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', k):
                self.module.fail_json(msg='config.env: invalid variable %r' % k)
            out.append('ENV %s=%s' % (k, v))
        if c.get('entrypoint'):
            out.append('ENTRYPOINT %s' % json.dumps(c['entrypoint']))
        if c.get('cmd'):
            out.append('CMD %s' % json.dumps(c['cmd']))
        for port in c.get('expose', []):
            out.append('EXPOSE %s' % port)
        for vol in c.get('volumes', []):
            out.append('VOLUME %s' % json.dumps([vol]))
        if c.get('workdir'):
            out.append('WORKDIR %s' % c['workdir'])
        if c.get('user'):
            out.append('USER %s' % c['user'])
        if c.get('stop_signal'):
            out.append('STOPSIGNAL %s' % c['stop_signal'])
        labels = dict(c.get('labels', {}))
        labels.update({
            LABEL_KIND: 'local',
            LABEL_SPEC: spec_hash,
            LABEL_SUITE: self.params['suite'],
            LABEL_PACKAGES: ','.join(self.params['packages']),
        })
        for k in sorted(labels):
            if '\n' in labels[k] or '=' in k:
                self.module.fail_json(msg='config.labels: invalid label %r' % k)
            out.append('LABEL %s=%s' % (k, labels[k]))
        return out

    # -- build -----------------------------------------------------------------------------
    def mmdebstrap_cmd(self, mmdebstrap, files, tmpdir):
        p = self.params
        cmd = [mmdebstrap, '--variant=%s' % p['variant'], '--mode=%s' % p['mode'], '--format=tar',
               '--components=%s' % ','.join(p['components'])]
        if p['packages']:
            cmd.append('--include=%s' % ','.join(p['packages']))
        cmd += ['--dpkgopt=%s' % o for o in p['dpkg_options']]
        cmd += ['--aptopt=%s' % o for o in p['apt_options']]
        cmd += ['--setup-hook=%s' % h for h in p['setup_hooks']]
        cmd += ['--essential-hook=%s' % h for h in p['essential_hooks']]
        for i, (f, data) in enumerate(files):
            local = os.path.join(tmpdir, 'file%d' % i)
            with open(local, 'wb') as fh:
                fh.write(data)
            dest = f['dest']
            cmd.append('--customize-hook=mkdir -p "$1"%s' % shlex.quote(os.path.dirname(dest) or '/'))
            cmd.append('--customize-hook=upload %s %s' % (local, dest))
            cmd.append('--customize-hook=chmod %s "$1"%s' % (f['mode'], shlex.quote(dest)))
            if f.get('owner'):
                cmd.append('--customize-hook=chroot "$1" chown %s %s' % (shlex.quote(f['owner']), shlex.quote(dest)))
        cmd += ['--customize-hook=%s' % h for h in p['customize_hooks']]
        # build-host specifics that must not end up in the image (Podman provides both)
        cmd.append('--customize-hook=rm -f "$1/etc/resolv.conf" "$1/etc/hostname" && '
                   'touch "$1/etc/resolv.conf" "$1/etc/hostname"')
        cmd += [p['suite'], '-', p['mirror']]
        return cmd

    def build(self, spec_hash, files):
        mmdebstrap = self.bin('mmdebstrap')
        tmp_ref = '%s:kubernaut-build-%s' % (self.repo, uuid.uuid4().hex[:12])
        tmpdir = tempfile.mkdtemp(prefix='kubernaut-local-image-')
        procs = []
        imported = False
        done = False
        start = time.time()

        def terminated(signum, frame):
            # ansible's task timeout / a killed play: still clean up below
            raise SystemExit(128 + signum)

        previous_handler = signal.signal(signal.SIGTERM, terminated)
        try:
            cmd = self.mmdebstrap_cmd(mmdebstrap, files, tmpdir)
            import_cmd = [self.podman, 'import', '--quiet',
                          '--message', 'kubernaut.testinfra.local_image %s' % spec_hash]
            for change in self.changes(spec_hash):
                import_cmd += ['--change', change]
            import_cmd += ['-', tmp_ref]

            mm_err = tempfile.TemporaryFile(dir=tmpdir)
            mm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=mm_err,
                                  env=dict(os.environ, LC_ALL='C.UTF-8'), cwd=tmpdir)
            procs.append(mm)
            imp = subprocess.Popen(import_cmd, stdin=mm.stdout, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
            procs.append(imp)
            mm.stdout.close()  # podman import owns the pipe now (SIGPIPE reaches mmdebstrap)
            imp_out, imp_err = imp.communicate()
            mm_rc = mm.wait()
            imported = imp.returncode == 0
            mm_err.seek(0)
            mm_stderr = mm_err.read()
            mm_err.close()
            seconds = round(time.time() - start, 1)

            if mm_rc != 0:
                self.module.fail_json(
                    msg='mmdebstrap failed (rc=%s) building %s from %s %s; last lines of its output:\n%s'
                        % (mm_rc, self.name, self.params['suite'], self.params['mirror'], stderr_tail(mm_stderr)),
                    rc=mm_rc, cmd=cmd, stderr_lines=stderr_tail(mm_stderr).splitlines())
            if imp.returncode != 0:
                self.module.fail_json(msg='podman import failed (rc=%s): %s' % (imp.returncode, stderr_tail(imp_err)),
                                      rc=imp.returncode, cmd=import_cmd)
            new = self.inspect(tmp_ref)
            labels = ((new or {}).get('Config') or {}).get('Labels') or {}
            if not new or labels.get(LABEL_SPEC) != spec_hash:
                self.module.fail_json(msg='imported image %s is missing or lacks its spec label' % tmp_ref)
            if (new.get('Size') or 0) < 1024 * 1024:
                self.module.fail_json(msg='imported image is implausibly small (%s bytes)' % new.get('Size'))

            old = self.inspect(self.ref)
            self.run([self.podman, 'tag', tmp_ref, self.ref])
            self.run([self.podman, 'untag', tmp_ref, tmp_ref])
            imported = False  # tmp_ref is gone, the image now belongs to self.ref
            if old and old.get('Id') != new.get('Id'):
                rc, out, err = self.run([self.podman, 'rmi', old['Id']], check=False)
                if rc != 0:
                    self.module.warn('kept the replaced image %s (still in use?): %s'
                                     % (old['Id'][:12], stderr_tail(err, 2)))
            done = True
            return cmd, seconds
        finally:
            for proc in procs:
                if proc.poll() is None:
                    # SIGTERM first: mmdebstrap then unmounts and removes its own temp dir
                    proc.terminate()
                    try:
                        proc.wait(timeout=120)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            if not done and (imported or self.module.run_command([self.podman, 'image', 'exists', tmp_ref])[0] == 0):
                self.module.run_command([self.podman, 'rmi', '--force', tmp_ref])
            shutil.rmtree(tmpdir, ignore_errors=True)
            signal.signal(signal.SIGTERM, previous_handler)

    # -- states ----------------------------------------------------------------------------
    def present(self):
        files = self.load_files()
        spec_hash = self.spec(files)
        result = dict(changed=False, spec_hash=spec_hash, image={})
        self.podman = self.bin('podman')
        existing = self.inspect(self.ref)
        old_spec = (((existing or {}).get('Config') or {}).get('Labels') or {}).get(LABEL_SPEC)
        if existing and old_spec == spec_hash and not self.params['force']:
            result.update(action='reused', reason='image exists with the same spec', image=self.summary(existing))
            return result
        if not existing:
            reason, action = 'image does not exist', 'built'
        elif self.params['force']:
            reason, action = 'force=true', 'rebuilt'
        elif old_spec is None:
            reason, action = 'existing image has no %s label' % LABEL_SPEC, 'rebuilt'
        else:
            reason, action = 'spec label differs (old %s, new %s)' % (old_spec[:12], spec_hash[:12]), 'rebuilt'
        result.update(changed=True, action=action, reason=reason)
        if self.module.check_mode:
            self.bin('mmdebstrap')
            result['image'] = self.summary(existing)
            return result
        if os.geteuid() != 0 and self.params['mode'] in ('auto', 'root'):
            self.module.warn('mmdebstrap mode %s as non-root will most likely fail; use mode=unshare' % self.params['mode'])
        cmd, seconds = self.build(spec_hash, files)
        result.update(cmd=cmd, build_seconds=seconds, image=self.summary(self.inspect(self.ref)))
        return result

    def absent(self):
        self.podman = self.bin('podman')
        existing = self.inspect(self.ref)
        if not existing:
            return dict(changed=False, action='none', reason='image does not exist', image={})
        if not self.module.check_mode:
            self.run([self.podman, 'rmi', self.ref])
        return dict(changed=True, action='removed', reason='state=absent', image=self.summary(existing))


# A pull that failed for one of these reasons means "no registry here", not "no such image".
UNREACHABLE = re.compile(r"no such host|dial tcp|connection refused|i/o timeout|network is unreachable|"
                         r"TLS handshake timeout|server misbehaving", re.I)


def resolve_upstream(module):
    """source auto|registry: the upstream image when present or pullable; None to fall back to the local one."""
    params = module.params
    upstream = params['upstream']
    if not upstream:
        module.fail_json(msg="source=%s needs upstream (the registry image to prefer)" % params['source'])
    rc, dummy, dummy = module.run_command(['podman', 'image', 'exists', upstream])
    if rc == 0:
        return dict(changed=False, ref=upstream, source_used='upstream', action='none')
    if module.check_mode:
        return dict(changed=True, ref=upstream, source_used='upstream', action='pull')
    rc, dummy, err = module.run_command(['podman', 'pull', '--quiet', upstream])
    if rc == 0:
        return dict(changed=True, ref=upstream, source_used='upstream', action='pulled')
    reason = stderr_tail(err, 1) or 'podman pull failed'
    if params['source'] == 'auto' and UNREACHABLE.search(err or '') and not upstream.startswith('localhost/'):
        module._upstream_error = reason  # no registry: build or reuse the local image
        return None
    module.fail_json(msg="Image %s is not available: %s. %s" % (upstream, reason, params['fix_hint']))


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
    upstream=dict(type='str'),
    source=dict(type='str', default='local', choices=['auto', 'registry', 'local']),
    fix_hint=dict(type='str', default=''),
)


def run_module(module):
    """The module's work; ``module`` is an AnsibleModule, or a LocalModule when run in process."""
    image = LocalImage(module)
    if module.params['state'] == 'present' and module.params['source'] != 'local':
        upstream = resolve_upstream(module)
        if upstream:
            module.exit_json(**upstream)
    if module.params['state'] == 'present':
        result = image.present()
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
