# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host ports: binding one to see whether a server could listen there, or to let the kernel pick a free one. The
port checks and pickers of the modules (preflight, backend_container, kind_preflight, the envtest control plane)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import socket


def bind_port(address, port=0, reuse=False):
    """Bind ``address``:``port`` (port 0: the kernel picks a free one; address '': every address) and let it go;
    returns the port bound, free a moment ago. Raises OSError when it cannot be bound. ``reuse`` binds with
    SO_REUSEADDR, as PostgreSQL, Redis and Go servers do: a connection left in TIME_WAIT on the port is then no
    obstacle, while a socket listening there still is."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address or ("::" if family == socket.AF_INET6 else "0.0.0.0"), port))
        return sock.getsockname()[1]


def free_port(address):
    """A port of ``address`` that nothing uses (the kernel's pick)."""
    return bind_port(address, 0)


def in_use(exc):
    """Whether an OSError of bind_port() means the port is taken (rather than, say, the address not being ours)."""
    return exc.errno == errno.EADDRINUSE
