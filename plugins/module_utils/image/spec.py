# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a local image is made of (module local_image): its reference, the files put into it, its configuration,
and the spec hash (a label on the image) that tells whether an existing image was built from the same."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

# Bump when the way images are built changes (forces a rebuild of existing images).
SPEC_VERSION = 1
LABEL_KIND = 'io.kubernaut.testinfra.image'
LABEL_SPEC = 'io.kubernaut.testinfra.spec'
LABEL_SUITE = 'io.kubernaut.testinfra.suite'
LABEL_PACKAGES = 'io.kubernaut.testinfra.packages'


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


class ImageSpec(object):
    """The image the module's options describe. ``module`` is an AnsibleModule, or a LocalModule when run in
    process."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = self.params['name']
        try:
            self.repo, self.tag = split_reference(self.name)
        except ValueError as e:
            module.fail_json(msg=to_native(e))
        # podman lists "localhost/x:y" for "x:y"; keep the user's spelling for tagging.
        self.ref = '%s:%s' % (self.repo, self.tag)

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
