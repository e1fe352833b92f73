"""A tern built without a feature (README "Edge targets": TERN_WITH_TLS=OFF,
TERN_WITH_WEBSOCKET=OFF) has none of its code, and refuses its settings at
start-up: exit status 2 and FILE:LINE: naming the setting and the CMake
option, never a listener that quietly serves something else.

These run only against such a build ($TERN_E2E_LEFT_OUT, set by CTest from
the options); against one with everything, the same settings work, as
test_tls, test_ws and test_ops show."""

import os
import shutil
import subprocess
import tempfile
import unittest

from broker import BROKER_ENV, free_port, left_out
from limits import TIMEOUT


def refusal(*lines):
    """Starts the broker on a config of a plain listener and `lines`
    (from line 3 of tern.conf on); returns its exit status and stderr."""
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "tern.conf")
        with open(conf, "w") as f:
            f.write("\n".join([f"listener {free_port()} 127.0.0.1", "allow_anonymous true",
                               *lines]) + "\n")
        res = subprocess.run([os.environ[BROKER_ENV], "-c", conf], capture_output=True,
                             text=True, timeout=TIMEOUT, cwd=d)
    return res.returncode, res.stderr


class RefusalCase(unittest.TestCase):
    option = ""

    def assert_refused(self, line, *lines):
        """`lines` start the broker's config at line 3; the one at `line`
        must be the one refused."""
        code, err = refusal(*lines)
        self.assertEqual(code, 2, err)
        self.assertIn(f"tern.conf:{line}: ", err)
        self.assertIn(f"{self.option}=OFF", err)


@unittest.skipUnless("websocket" in left_out(), "the broker under test has WebSocket")
class WithoutWebSocket(RefusalCase):
    option = "TERN_WITH_WEBSOCKET"

    def test_websockets_listener_is_refused(self):
        self.assert_refused(4, f"listener {free_port()} 127.0.0.1", "protocol websockets")

    def test_http_listener_is_refused(self):
        # Metrics and the status page: Beast's HTTP server, left out too.
        self.assert_refused(4, f"listener {free_port()} 127.0.0.1", "protocol http")

    def test_websockets_setting_is_refused_at_its_line(self):
        self.assert_refused(3, "websockets_path /mqtt")

    def test_binary_has_no_beast_code(self):
        nm = shutil.which("nm")
        if nm is None:
            self.skipTest("nm is not installed (binutils)")
        symbols = subprocess.run([nm, "-C", os.environ[BROKER_ENV]], capture_output=True,
                                 text=True, timeout=TIMEOUT).stdout
        if not symbols:
            self.skipTest("the binary is stripped")
        self.assertNotIn("boost::beast", symbols)


@unittest.skipUnless("tls" in left_out(), "the broker under test has TLS")
class WithoutTls(RefusalCase):
    option = "TERN_WITH_TLS"

    def test_certificate_listener_is_refused(self):
        self.assert_refused(3, "certfile /etc/tern/server.pem", "keyfile /etc/tern/server.key")

    def test_psk_listener_is_refused(self):
        self.assert_refused(3, "psk_hint tern")

    def test_bridge_tls_is_refused_at_its_line(self):
        self.assert_refused(5, "connection cloud", "address 127.0.0.1:8883",
                            "bridge_cafile /etc/tern/ca.pem")

    def test_binary_does_not_need_libssl(self):
        # libcrypto stays: password hashes and SCRAM (auth/) use it.
        dynamic = subprocess.run(["readelf", "-d", os.environ[BROKER_ENV]], capture_output=True,
                                 text=True, timeout=TIMEOUT, check=True).stdout
        self.assertNotIn("libssl", dynamic)


if __name__ == "__main__":
    unittest.main()
