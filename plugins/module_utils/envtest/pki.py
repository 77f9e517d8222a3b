# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throw-away PKI for a local control plane: a CA, the API server's serving certificate, an admin
client certificate (group system:masters) and the service-account signing key pair. EC P-256
keys: generated in milliseconds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import os

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core depends on cryptography
    HAS_CRYPTOGRAPHY = False


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name, organization=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _cert(subject, key, issuer, issuer_key, days, ca=False, server_names=(), client=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        usage = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if server_names:
        alt = []
        for entry in server_names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(entry)))
            except ValueError:
                alt.append(x509.DNSName(entry))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def write_pki(directory, server_names, admin_user="testinfra-admin", days=2):
    """Create the files in ``directory``; return a dict of their paths."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    ca_key = _key()
    ca_name = _name("kubernaut-testinfra-ca")
    ca = _cert(ca_name, ca_key, ca_name, ca_key, days, ca=True)
    srv_key = _key()
    srv = _cert(_name("kube-apiserver"), srv_key, ca_name, ca_key, days, server_names=server_names)
    adm_key = _key()
    adm = _cert(_name(admin_user, "system:masters"), adm_key, ca_name, ca_key, days, client=True)
    sa_key = _key()
    sa_pub = sa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    return {
        "ca_cert": _write(path("ca.crt"), _pem_cert(ca)),
        "server_cert": _write(path("apiserver.crt"), _pem_cert(srv)),
        "server_key": _write(path("apiserver.key"), _pem_key(srv_key)),
        "admin_cert": _write(path("admin.crt"), _pem_cert(adm)),
        "admin_key": _write(path("admin.key"), _pem_key(adm_key)),
        "sa_key": _write(path("sa.key"), _pem_key(sa_key)),
        "sa_pub": _write(path("sa.pub"), sa_pub),
    }
