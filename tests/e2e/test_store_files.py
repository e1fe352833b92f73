"""The store file at start-up: a damaged one stops tern with a message that
names it and says what to do, never a silent empty start; with
--move-damaged-store it is kept aside and tern starts empty."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from broker import BROKER_ENV, broker_executable, free_port, mosquitto_deviation
from limits import TIMEOUT


@mosquitto_deviation("mosquitto has no SQLite store and no --move-damaged-store")
class DamagedStore(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tern-e2e-store-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.port = free_port()
        os.mkdir(os.path.join(self.dir, "data"))
        self.db = os.path.join(self.dir, "data", "tern.db")
        self.garbage = os.urandom(20000)
        with open(self.db, "wb") as f:
            f.write(self.garbage)
        self.conf = os.path.join(self.dir, "tern.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                    f"persistence true\npersistence_location data/\n")

    def test_damaged_store_stops_startup_and_says_what_to_do(self):
        r = subprocess.run([broker_executable(), "-c", self.conf], cwd=self.dir,
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotEqual(r.returncode, 0, "tern started on a damaged store")
        self.assertIn("data/tern.db", r.stderr)
        self.assertIn("damaged", r.stderr)
        self.assertIn("mv data/tern.db", r.stderr)
        self.assertIn("--move-damaged-store", r.stderr)
        with open(self.db, "rb") as f:
            self.assertEqual(f.read(), self.garbage, "the damaged file was changed")

    def test_move_damaged_store_keeps_it_aside_and_starts_empty(self):
        proc = subprocess.Popen([broker_executable(), "-c", self.conf, "--move-damaged-store"],
                                cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(proc.wait, TIMEOUT)
        self.addCleanup(proc.terminate)
        deadline = time.monotonic() + TIMEOUT
        while True:
            self.assertIsNone(proc.poll(), "tern exited instead of starting")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline, "tern never listened")
                time.sleep(0.05)
        moved = glob.glob(self.db + ".damaged-*")
        self.assertEqual(len(moved), 1, os.listdir(os.path.dirname(self.db)))
        with open(moved[0], "rb") as f:
            self.assertEqual(f.read(), self.garbage)
        r = subprocess.run(["mosquitto_pub", "-p", str(self.port), "-t", "t", "-m", "x",
                            "-q", "1", "-r"], capture_output=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
