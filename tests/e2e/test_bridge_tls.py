"""Bridges over TLS: tern bridged to a TLS listener of Debian's mosquitto
(with a client certificate required) and of a second tern, the remote's
certificate checked against bridge_cafile and the address, unless
bridge_insecure.
"""

import os
import shutil
import signal
import tempfile
import unittest

from broker import Broker, broker_executable, needs
from clients import MosquittoSub, mosquitto_pub
from limits import TIMEOUT
from test_bridge import MOSQUITTO, UNDER_TEST, wait_for
from tls_pki import Pki


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as a remote")
@needs("tls")
class BridgeOverTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tern-bridge-tls-")
        pki = Pki(cls.dir)
        cls.ca = pki.make_ca("ca")
        cls.server = pki.make_cert(cls.ca, "server", "localhost", server=True)
        cls.unnamed = pki.make_cert(cls.ca, "unnamed", "somewhere-else")  # no SAN for us
        cls.bridge_cert = pki.make_cert(cls.ca, "bridge", "tern-bridge")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def start_remote(self, executable, server_cert):
        lines = [f"certfile {server_cert.cert_file}", f"keyfile {server_cert.key_file}",
                 f"cafile {self.ca.cert_file}", "require_certificate true"]
        if executable == MOSQUITTO:
            lines.insert(0, "user root")
        remote = Broker(lines)
        remote.executable = executable
        remote.start()
        self.addCleanup(remote.stop)
        return remote

    def start_local(self, remote, *extra):
        local = Broker(["persistence false", "connection cloud",
                        f"address 127.0.0.1:{remote.port}", "remote_clientid tern-bridge",
                        "restart_timeout 1", 'topic out/# out 1 "" site/',
                        f"bridge_cafile {self.ca.cert_file}",
                        f"bridge_certfile {self.bridge_cert.cert_file}",
                        f"bridge_keyfile {self.bridge_cert.key_file}", *extra]).start()
        self.addCleanup(local.stop)
        return local

    def remote_sub(self, remote, topic):
        sub = MosquittoSub(remote, "-t", topic, "-q", "1", "--cafile", self.ca.cert_file,
                           "--cert", self.bridge_cert.cert_file, "--key",
                           self.bridge_cert.key_file)
        self.addCleanup(sub.stop)
        return sub.wait_subscribed()

    def wait_log(self, broker, text):
        wait_for(lambda: text in broker._read_log(), 3 * TIMEOUT, f"{text!r} in the log")

    def check_messages_cross(self, remote, *extra):
        local = self.start_local(remote, *extra)
        self.wait_log(local, "bridge cloud: connected to 127.0.0.1")
        sub = self.remote_sub(remote, "site/#")
        mosquitto_pub(local, "-t", "out/a", "-m", "over tls", "-q", "1")
        got = sub.expect(1)[0]
        self.assertEqual((got.topic, got.payload), ("site/out/a", b"over tls"))

    def test_to_mosquitto_with_a_client_certificate(self):
        self.check_messages_cross(self.start_remote(MOSQUITTO, self.server))

    def test_to_another_tern(self):
        self.check_messages_cross(self.start_remote(broker_executable(), self.server))

    def test_remote_certificate_not_naming_the_address_is_refused_unless_insecure(self):
        remote = self.start_remote(MOSQUITTO, self.unnamed)
        local = self.start_local(remote)
        self.wait_log(local, f"bridge cloud: TLS handshake with 127.0.0.1:{remote.port} failed: "
                             "the remote's certificate: IP address mismatch")
        local.stop()
        local = self.start_local(remote, "bridge_insecure true")
        self.wait_log(local, "bridge cloud: connected to 127.0.0.1")

    def test_remote_from_another_ca_is_refused(self):
        other = Pki(self.dir).make_ca("other-ca")
        remote = self.start_remote(MOSQUITTO, self.server)
        local = Broker(["persistence false", "connection cloud",
                        f"address 127.0.0.1:{remote.port}", "restart_timeout 1",
                        f"bridge_cafile {other.cert_file}"]).start()
        self.addCleanup(local.stop)
        # mosquitto sends its CA along: OpenSSL finds a root it does not trust.
        self.wait_log(local, f"bridge cloud: TLS handshake with 127.0.0.1:{remote.port} failed: "
                             "the remote's certificate: self-signed certificate in certificate "
                             "chain (depth 1, subject 'CN=ca CA,O=tern tests')")

    def test_sighup_reads_the_bridge_certificates_again(self):
        # The bridge trusts another CA at first and is refused; the right CA
        # is then written to the same file and SIGHUP makes the next attempt
        # use it, without a restart.
        cafile = os.path.join(self.dir, "rotated-ca.pem")
        shutil.copyfile(Pki(self.dir).make_ca("old-ca").cert_file, cafile)
        remote = self.start_remote(broker_executable(), self.server)
        local = Broker(["persistence false", "connection cloud",
                        f"address 127.0.0.1:{remote.port}", "remote_clientid tern-bridge",
                        "restart_timeout 1", f"bridge_cafile {cafile}",
                        f"bridge_certfile {self.bridge_cert.cert_file}",
                        f"bridge_keyfile {self.bridge_cert.key_file}"]).start()
        self.addCleanup(local.stop)
        self.wait_log(local, f"bridge cloud: TLS handshake with 127.0.0.1:{remote.port} failed")
        self.assertNotIn("bridge cloud: connected", local._read_log())
        shutil.copyfile(self.ca.cert_file, cafile)
        local.proc.send_signal(signal.SIGHUP)
        self.wait_log(local, "SIGHUP: bridge cloud: certificate files read again")
        self.wait_log(local, "bridge cloud: connected to 127.0.0.1")


if __name__ == "__main__":
    unittest.main()
