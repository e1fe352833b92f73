"""TLS listeners, driven by mosquitto_pub / mosquitto_sub and openssl s_client.

Certificates are made at test time (tls_pki.py). Every refusal (wrong CA,
expired, revoked, no client certificate, plain MQTT to the TLS port) is
checked twice: the client fails, and tern's log says why. Also: PSK,
TLS 1.2 and 1.3, the certificate's CN as user name under an ACL, and a
certificate reload on SIGHUP that new connections see while an old one
keeps working.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from broker import Broker, BrokerTestCase, broker_executable, needs
from limits import TIMEOUT
from test_ws import WsPaho
from tls_pki import NOW, Pki
import datetime

IS_MOSQUITTO = os.path.basename(broker_executable()).startswith("mosquitto")


@needs("tls")
class TlsCase(BrokerTestCase):
    """A broker with one TLS listener; `tls_settings` lists its directives
    (paths relative to the PKI directory are made absolute)."""

    tls_settings = []

    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="tern-tls-")
        pki = Pki(cls.pki_dir)
        cls.ca = pki.make_ca("ca")
        cls.server = pki.make_cert(cls.ca, "server", "localhost", server=True)
        cls.client = pki.make_cert(cls.ca, "client", "dev1")
        cls.other_client = pki.make_cert(cls.ca, "client2", "dev2")
        cls.other_ca = pki.make_ca("other-ca")
        cls.stranger = pki.make_cert(cls.other_ca, "stranger", "stranger")
        cls.expired = pki.make_cert(cls.ca, "expired", "old-device",
                                    not_before=NOW - datetime.timedelta(days=10),
                                    not_after=NOW - datetime.timedelta(days=1))
        cls.revoked = pki.make_cert(cls.ca, "revoked", "stolen-device")
        cls.crl = pki.make_crl(cls.ca, "crl", [cls.revoked.serial])
        cls.pki = pki

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def setUp(self):
        self.broker_settings = [line.format(**self.paths()) for line in self.tls_settings]
        super().setUp()

    def paths(self):
        return {"ca": self.ca.cert_file, "cert": self.server.cert_file,
                "key": self.server.key_file, "crl": self.crl, "dir": self.pki_dir}

    def tls_args(self, cert=None, version=None):
        args = ["--cafile", self.ca.cert_file]
        if cert is not None:
            args += ["--cert", cert.cert_file, "--key", cert.key_file]
        if version is not None:
            args += ["--tls-version", version]
        return args

    def wait_log(self, pattern, timeout=TIMEOUT):
        """The first broker log line matching the regex; fails after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.broker._read_log()
            for line in text.splitlines():
                if re.search(pattern, line):
                    return line
            if time.monotonic() > deadline:
                self.fail(f"no log line matching {pattern!r} within {timeout}s; log:\n{text}")
            time.sleep(0.05)

    def assert_pub_refused(self, *args):
        res = self.pub("-t", "t", "-m", "x", *args, check=False)
        self.assertNotEqual(res.returncode, 0, f"{args} was let in: {res.stdout!r} {res.stderr!r}")
        return res

    def s_client(self, *args):
        cmd = ["openssl", "s_client", "-connect", f"{self.broker.host}:{self.broker.port}",
               "-CAfile", self.ca.cert_file, "-verify_return_error", *args]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT)

    def served_serial(self):
        """The serial of the certificate the listener presents now."""
        res = self.s_client()
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        serial = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=res.stdout,
                                capture_output=True, timeout=TIMEOUT)
        return int(serial.stdout.decode().strip().split("=")[1], 16)


class TestClientCertificates(TlsCase):
    tls_settings = ["certfile {cert}", "keyfile {key}", "cafile {ca}",
                    "require_certificate true", "crlfile {crl}"]

    def test_pub_sub_over_tls_1_2_and_1_3(self):
        for version in ("tlsv1.2", "tlsv1.3"):
            with self.subTest(version=version):
                sub = self.sub("-t", f"v/{version}", "-q", "1",
                               *self.tls_args(self.client, version)).wait_subscribed()
                self.pub("-t", f"v/{version}", "-m", "hello", "-q", "1",
                         *self.tls_args(self.other_client, version))
                self.assertEqual(sub.expect(1)[0].payload, b"hello")

    def test_openssl_s_client_verifies_the_server(self):
        res = self.s_client("-cert", self.client.cert_file, "-key", self.client.key_file,
                            "-brief")
        out = res.stdout.decode() + res.stderr.decode()
        self.assertEqual(res.returncode, 0, out)
        self.assertIn("Verification: OK", out)
        self.assertIn("Peer certificate: O = tern tests, CN = localhost", out)

    def test_client_from_another_ca_is_refused_and_logged(self):
        self.assert_pub_refused(*self.tls_args(self.stranger))
        self.wait_log(r"TLS client from 127\.0\.0\.1:\d+ refused: certificate verify failed: "
                      r"unable to get local issuer certificate \(depth 0, subject "
                      r"'CN=stranger,O=tern tests'\)")

    def test_expired_certificate_is_refused_and_logged(self):
        self.assert_pub_refused(*self.tls_args(self.expired))
        self.wait_log(r"refused: certificate verify failed: certificate has expired "
                      r"\(depth 0, subject 'CN=old-device,O=tern tests'\)")

    def test_revoked_certificate_is_refused_and_logged(self):
        self.assert_pub_refused(*self.tls_args(self.revoked))
        self.wait_log(r"refused: certificate verify failed: certificate revoked "
                      r"\(depth 0, subject 'CN=stolen-device,O=tern tests'\)")

    def test_missing_client_certificate_is_refused_and_logged(self):
        self.assert_pub_refused(*self.tls_args(None))
        self.wait_log(r"TLS client from 127\.0\.0\.1:\d+ refused: peer did not return a "
                      r"certificate")

    def test_plain_mqtt_to_the_tls_port_is_refused_and_logged(self):
        self.assert_pub_refused()
        self.wait_log(r"refused: .*the client does not speak TLS \(plain MQTT to a TLS port\?\)")

    def test_silent_client_is_dropped_at_the_connect_timeout(self):
        with socket.create_connection((self.broker.host, self.broker.port), timeout=TIMEOUT) as s:
            line = self.wait_log(r"refused: no TLS handshake within the connect timeout",
                                 timeout=20)
            self.assertIn("127.0.0.1", line)
            s.settimeout(TIMEOUT)
            self.assertEqual(s.recv(1), b"")  # closed by tern


class TestIdentityAsUsername(TlsCase):
    tls_settings = ["certfile {cert}", "keyfile {key}", "cafile {ca}",
                    "require_certificate true", "use_identity_as_username true",
                    "acl_file {dir}/acl"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(cls.pki_dir, "acl"), "w") as f:
            f.write("user dev1\ntopic readwrite dev1/#\n\nuser dev2\ntopic readwrite #\n")

    def test_cn_is_the_user_name_for_the_acl(self):
        # -u is replaced by the certificate's CN, and needs no password.
        sub = self.sub("-t", "#", "-q", "1", "-u", "dev2",
                       *self.tls_args(self.client)).wait_subscribed()
        watcher = self.sub("-t", "#", "-q", "1", *self.tls_args(self.other_client))
        watcher.wait_subscribed()
        self.pub("-t", "elsewhere/x", "-m", "no", "-q", "1", *self.tls_args(self.other_client))
        self.pub("-t", "dev1/x", "-m", "yes", "-q", "1", *self.tls_args(self.other_client))
        self.pub("-t", "dev1/y", "-m", "own", "-q", "1", "-u", "dev2",
                 *self.tls_args(self.client))
        # In order from one publisher... and dev1 reads only dev1/#.
        self.assertEqual([m.payload for m in watcher.expect(3)], [b"no", b"yes", b"own"])
        self.assertEqual(sorted(m.payload for m in sub.expect(2)), [b"own", b"yes"])
        self.assertEqual(sub.drain(), [])
        # dev1 may not write outside dev1/# (3.1.1: acknowledged and dropped).
        self.pub("-t", "elsewhere/z", "-m", "denied", "-q", "1", *self.tls_args(self.client))
        self.pub("-t", "dev1/end", "-m", "end", "-q", "1", *self.tls_args(self.other_client))
        self.assertEqual([m.payload for m in watcher.expect(1)], [b"end"])


@needs("websocket")
class TestIdentityOverSecureWebSocket(TestIdentityAsUsername):
    """The same over wss:// (the listener is a websockets one), with paho's
    WebSocket transport and a client certificate."""

    tls_settings = ["protocol websockets", *TestIdentityAsUsername.tls_settings]

    def wss_client(self, cert, client_id):
        c = WsPaho(self.broker, client_id)
        c.client.tls_set(ca_certs=self.ca.cert_file, certfile=cert.cert_file,
                         keyfile=cert.key_file)
        self.addCleanup(c.close)
        c.connect()
        return c

    def test_cn_is_the_user_name_for_the_acl(self):
        dev1 = self.wss_client(self.client, "wss-dev1")  # CN dev1: dev1/# only
        dev2 = self.wss_client(self.other_client, "wss-dev2")  # CN dev2: everything
        self.assertEqual(dev2.subscribe("#", qos=1), (1,))
        self.assertEqual(dev1.subscribe("elsewhere/#", qos=1), (128,))
        dev1.publish("elsewhere/x", b"denied", qos=1)  # 3.1.1: acknowledged and dropped
        dev1.publish("dev1/x", b"allowed", qos=1)
        self.assertEqual([m.payload for m in dev2.expect(1)], [b"allowed"])
        self.assertEqual(dev2.drain(), [])


class TestPsk(TlsCase):
    tls_settings = ["psk_hint tern", "psk_file {dir}/psk", "use_identity_as_username true",
                    "acl_file {dir}/psk-acl"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(cls.pki_dir, "psk"), "w") as f:
            f.write("# identity:key\nsensor1:00112233445566778899aabbccddeeff\n")
        with open(os.path.join(cls.pki_dir, "psk-acl"), "w") as f:
            f.write("user sensor1\ntopic readwrite sensors/#\n")

    def psk_args(self, key="00112233445566778899aabbccddeeff", version=None):
        args = ["--psk", key, "--psk-identity", "sensor1"]
        return args + (["--tls-version", version] if version else [])

    def test_psk_clients_over_tls_1_2_and_1_3(self):
        for version in ("tlsv1.2", "tlsv1.3"):
            with self.subTest(version=version):
                sub = self.sub("-t", "sensors/#", "-q", "1",
                               *self.psk_args(version=version)).wait_subscribed()
                self.pub("-t", "sensors/t", "-m", version, "-q", "1",
                         *self.psk_args(version=version))
                self.assertEqual(sub.expect(1)[0].payload, version.encode())
                sub.stop()

    def test_wrong_key_is_refused(self):
        self.assert_pub_refused(*self.psk_args(key="ffffffffffffffffffffffffffffffff"))
        self.wait_log(r"TLS client from 127\.0\.0\.1:\d+ refused: ")


class TestReload(TlsCase):
    """certfile/keyfile are copies the test replaces, then SIGHUP."""

    tls_settings = ["certfile {dir}/live.pem", "keyfile {dir}/live.key"]

    def setUp(self):
        shutil.copy(self.server.cert_file, os.path.join(self.pki_dir, "live.pem"))
        shutil.copy(self.server.key_file, os.path.join(self.pki_dir, "live.key"))
        super().setUp()

    def test_sighup_serves_the_new_certificate_and_keeps_old_connections(self):
        self.assertEqual(self.served_serial(), self.server.serial)
        old = self.sub("-t", "r/#", "-q", "1", *self.tls_args()).wait_subscribed()

        renewed = self.pki.make_cert(self.ca, "renewed", "localhost", server=True)
        shutil.copy(renewed.cert_file, os.path.join(self.pki_dir, "live.pem"))
        shutil.copy(renewed.key_file, os.path.join(self.pki_dir, "live.key"))
        self.broker.proc.send_signal(signal.SIGHUP)
        self.wait_log(r"SIGHUP: listener \d+ .*: certificate, key and CRL reloaded")
        self.assertEqual(self.served_serial(), renewed.serial)
        self.pub("-t", "r/1", "-m", "after reload", "-q", "1", *self.tls_args())
        self.assertEqual(old.expect(1)[0].payload, b"after reload")

        # A broken file: the reload is refused, the last good certificate stays.
        with open(os.path.join(self.pki_dir, "live.key"), "w") as f:
            f.write("half written\n")
        self.broker.proc.send_signal(signal.SIGHUP)
        self.wait_log(r"SIGHUP: listener \d+ .*keyfile .* holds no usable private key.*keeps "
                      r"its previous certificate")
        self.assertEqual(self.served_serial(), renewed.serial)


@needs("tls")
class TestStartUpErrors(unittest.TestCase):
    def test_key_not_matching_certificate_names_the_listener_line(self):
        d = tempfile.mkdtemp(prefix="tern-tls-")
        self.addCleanup(shutil.rmtree, d, True)
        pki = Pki(d)
        ca = pki.make_ca("ca")
        a = pki.make_cert(ca, "a", "localhost")
        b = pki.make_cert(ca, "b", "localhost")
        broker = Broker([f"certfile {a.cert_file}", f"keyfile {b.key_file}"])
        with self.assertRaises(Exception) as raised:
            broker.start()
        message = str(raised.exception)
        if not IS_MOSQUITTO:
            self.assertRegex(message, r"broker\.conf:1: TLS listener \d+: keyfile '.*b\.key' does "
                                      r"not match certfile '.*a\.pem'")


if __name__ == "__main__":
    unittest.main()
