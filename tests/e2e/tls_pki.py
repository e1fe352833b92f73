"""Certificates for the TLS tests, made at test time with python3-cryptography:
CAs, server and client certificates (valid, expired), CRLs, PEM files in a
directory the test owns. Elliptic-curve keys (P-256): fast to make."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


class Issued:
    def __init__(self, cert, key, cert_file, key_file):
        self.cert = cert
        self.key = key
        self.cert_file = cert_file
        self.key_file = key_file
        self.serial = cert.serial_number


class Pki:
    def __init__(self, directory):
        self.dir = directory

    def _write(self, name, cert, key):
        cert_file = os.path.join(self.dir, name + ".pem")
        key_file = os.path.join(self.dir, name + ".key")
        with open(cert_file, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_file, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
        return Issued(cert, key, cert_file, key_file)

    def make_ca(self, name):
        return self.make_cert(None, name, f"{name} CA", ca=True)

    def make_cert(self, issuer, name, common_name, ca=False, server=False,
                  not_before=NOW - datetime.timedelta(hours=1),
                  not_after=NOW + datetime.timedelta(days=1)):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tern tests"),
                             x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        builder = (x509.CertificateBuilder()
                   .subject_name(subject)
                   .issuer_name(issuer.cert.subject if issuer else subject)
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before)
                   .not_valid_after(not_after)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(digital_signature=True, content_commitment=False,
                              key_encipherment=False, data_encipherment=False,
                              key_agreement=False, key_cert_sign=True, crl_sign=True,
                              encipher_only=False, decipher_only=False), critical=True)
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        signer = issuer.key if issuer else key
        cert = builder.sign(signer, hashes.SHA256())
        return self._write(name, cert, key)

    def make_crl(self, issuer, name, revoked):
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(issuer.cert.subject)
                   .last_update(NOW - datetime.timedelta(minutes=1))
                   .next_update(NOW + datetime.timedelta(days=1)))
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(NOW - datetime.timedelta(minutes=1)).build())
        crl = builder.sign(issuer.key, hashes.SHA256())
        path = os.path.join(self.dir, name + ".pem")
        with open(path, "wb") as f:
            f.write(crl.public_bytes(serialization.Encoding.PEM))
        return path
