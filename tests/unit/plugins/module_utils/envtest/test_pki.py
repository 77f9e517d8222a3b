"""The control plane's throw-away PKI: what kube-apiserver and its clients need from each certificate."""

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.kubernaut.testinfra.plugins.module_utils.envtest.pki import write_pki


def load(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


def test_certificates(tmp_path):
    files = write_pki(str(tmp_path), ["127.0.0.1", "localhost"])
    ca, server, admin = load(files["ca_cert"]), load(files["server_cert"]), load(files["admin_cert"])
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert server.issuer == ca.subject and admin.issuer == ca.subject
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ExtendedKeyUsageOID.SERVER_AUTH in server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    # RBAC: the admin is in group system:masters
    assert admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    for key in ("server_key", "admin_key", "sa_key"):
        assert (tmp_path / files[key].rsplit("/", 1)[1]).stat().st_mode & 0o777 == 0o600
