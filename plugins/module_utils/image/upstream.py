# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry image a local image stands in for (module local_image, source auto or registry): used when it is
present or can be pulled; without a registry, the local image is used instead."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.kubernaut.testinfra.plugins.module_utils.image.build import stderr_tail

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
    stand_in = params.get('stand_in_for') or ''
    if params['source'] == 'auto' and UNREACHABLE.search(err or '') and not upstream.startswith('localhost/'):
        if not stand_in or upstream == stand_in:
            module._upstream_error = reason  # no registry: build or reuse the local image
            return None
    if params['source'] == 'auto' and stand_in and upstream != stand_in:
        module.fail_json(msg="Image %s is not available: it is not on this host and no registry answered (or none has "
                             "it): %s. The local image %s stands in for %s only, never for an image you name. Provide "
                             "it: podman load -i <archive> (then podman tag <image id> %s), or podman build -t "
                             "localhost/<name> . and set the image to localhost/<name>. %s"
                             % (upstream, reason, params['name'], stand_in, upstream, params['fix_hint']))
    module.fail_json(msg="Image %s is not available: %s. %s" % (upstream, reason, params['fix_hint']))
