# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local image built from Debian packages (module local_image): mmdebstrap's tarball imported by podman import,
tagged under the image's name in place of the image it replaces; or the image removed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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

from ansible.module_utils.common.text.converters import to_native, to_text

from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.spec import LABEL_SPEC, ImageSpec

STDERR_TAIL_LINES = 20

MISSING_TOOL_HINT = {
    'mmdebstrap': 'mmdebstrap is not installed on this host: install it (apt-get install mmdebstrap) '
                  'or run the kubernaut.testinfra.prepare_host playbook',
    'podman': 'podman is not installed on this host: run the kubernaut.testinfra.prepare_host playbook '
              '(or apt-get install podman)',
}


def stderr_tail(text, lines=STDERR_TAIL_LINES):
    return '\n'.join(to_text(text, errors='surrogate_or_replace').rstrip().splitlines()[-lines:])


class LocalImage(ImageSpec):
    """The image made present (reused when its spec label matches, else built) or absent."""

    def __init__(self, module):
        super(LocalImage, self).__init__(module)
        self.podman = None

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

    def inspect(self, ref, answer=None):
        """Inspect data of ref, or None if there is no such image (one podman call, not exists + inspect). ``answer``:
        the (rc, out, err) of that call made already (run_module asks it while the upstream image is looked up)."""
        rc, out, err = answer if answer is not None else self.run([self.podman, 'image', 'inspect', ref], check=False)
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
    def present(self, inspected=None):
        """``inspected``: the answer of ``podman image inspect`` of the image, when the caller has it already."""
        files = self.load_files()
        spec_hash = self.spec(files)
        result = dict(changed=False, spec_hash=spec_hash, image={})
        self.podman = self.bin('podman')
        existing = self.inspect(self.ref, inspected)
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
        if not self.params.get('build', True) and not self.module.check_mode:
            # the action plugin brings the controller's image first (copy_from_controller)
            result.update(changed=False, action='missing', image=self.summary(existing))
            return result
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
