"""Password and ACL files (issue 6): files made by Debian's mosquitto_passwd
at test time, mosquitto_pub/mosquitto_sub with -u/-P at protocol 3.1.1 and
5, the CONNACK codes of a refusal, the delay of wrong passwords, denied
publish/subscribe/read, and SIGHUP reloading the files."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from broker import Broker, BrokerStartError, BrokerTestCase, mosquitto_deviation
from limits import QUIET, TIMEOUT
from raw_mqtt import CONNACK, V311, V5, RawClient, connect_packet

VERSIONS = {"311": "mqttv311", "5": "mqttv5"}

ACL = """\
# anonymous clients
topic read public/#

user alice
topic readwrite a/#
topic deny a/secret
topic write public/#

user bob
topic read a/#
pattern readwrite devices/%c/#
"""


def private_dir():
    """A directory for the files of one test. Readable by all: mosquitto,
    started as root to check the suite, reads them as user mosquitto."""
    d = tempfile.mkdtemp(prefix="tern-auth-")
    os.chmod(d, 0o755)
    return d


def mosquitto_passwd(path, user, password, *extra):
    subprocess.run(["mosquitto_passwd", *extra, "-b", path, user, password], check=True,
                   capture_output=True, timeout=TIMEOUT)
    os.chmod(path, 0o644)


class SecuredBroker(BrokerTestCase):
    """A broker with a password file (alice/secret as $7$, bob/hunter2 as
    $6$) and, when acl is set, an ACL file, both in a directory of the
    test's own."""

    allow_anonymous = False
    acl = None

    def setUp(self):
        self.files = private_dir()
        self.addCleanup(shutil.rmtree, self.files, True)
        self.pw_path = os.path.join(self.files, "passwords")
        mosquitto_passwd(self.pw_path, "alice", "secret", "-c")
        mosquitto_passwd(self.pw_path, "bob", "hunter2", "-H", "sha512")
        self.broker_settings = [f"allow_anonymous {str(self.allow_anonymous).lower()}",
                                f"password_file {self.pw_path}"]
        if self.acl is not None:
            self.acl_path = os.path.join(self.files, "acl")
            self.write_acl(self.acl)
            self.broker_settings.append(f"acl_file {self.acl_path}")
        super().setUp()

    def write_acl(self, text):
        with open(self.acl_path, "w") as f:
            f.write(text)
        os.chmod(self.acl_path, 0o644)

    def as_user(self, user, password, version):
        return ["-V", VERSIONS[version], "-u", user, "-P", password]

    def connack_code(self, version, **kwargs):
        """CONNECT on a raw socket; the CONNACK's return/reason code and the
        seconds it took."""
        r = RawClient(self.broker)
        self.addCleanup(r.close)
        start = time.monotonic()
        r.send(connect_packet("raw", version=V5 if version == "5" else V311, **kwargs))
        ack = r.expect_packet(CONNACK, timeout=2 * TIMEOUT)
        return ack.body[1], time.monotonic() - start

    def wait_for_log(self, pattern, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.broker.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            if re.search(pattern, text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r} within {timeout}s")

    def sighup(self):
        self.broker.proc.send_signal(signal.SIGHUP)

    def wait_reloaded(self):
        # tern's line, or mosquitto's when checking the suite against it.
        self.wait_for_log(r"SIGHUP: password and ACL files reloaded|Reloading config")
        time.sleep(0.2)  # mosquitto logs before it has reloaded


class Passwords(SecuredBroker):
    def test_right_passwords_publish_and_subscribe(self):
        for version in ("311", "5"):
            with self.subTest(version=version):
                topic = f"auth/{version}"
                sub = self.sub(*self.as_user("alice", "secret", version), "-q", "1", "-t", topic,
                               "-C", "1").wait_subscribed()
                # bob's hash is $6$ (mosquitto_passwd -H sha512).
                self.pub(*self.as_user("bob", "hunter2", version), "-q", "1", "-t", topic,
                         "-m", "hello")
                self.assertEqual([m.payload for m in sub.expect(1)], [b"hello"])
                self.assertEqual(sub.wait_exit(), 0, sub.output())

    # mosquitto_pub exits with the CONNACK code it was refused with.
    @mosquitto_deviation("mosquitto 2.0 answers a wrong password with 5 / 0x87 "
                         "(not authorized), not 4 / 0x86")
    def test_wrong_or_unknown_user_gets_bad_user_name_or_password(self):
        for version, code in (("311", 4), ("5", 0x86)):
            for user, password in (("alice", "wrong"), ("carol", "secret"), ("alice", "hunter2")):
                with self.subTest(version=version, user=user, password=password):
                    res = self.pub(*self.as_user(user, password, version), "-t", "x", "-m", "1",
                                   check=False)
                    self.assertEqual(res.returncode, code, res.stderr)

    def test_anonymous_refused_with_not_authorized(self):
        for version, code in (("311", 5), ("5", 0x87)):
            with self.subTest(version=version):
                res = self.pub("-V", VERSIONS[version], "-t", "x", "-m", "1", check=False)
                self.assertEqual(res.returncode, code, res.stderr)

    @mosquitto_deviation("mosquitto logs refusals in its own words")
    def test_each_refusal_is_logged_with_client_and_reason(self):
        self.pub("-V", "mqttv5", "-i", "anon-1", "-t", "x", "-m", "1", check=False)
        self.pub("-V", "mqttv311", "-i", "guess-1", "-u", "carol", "-P", "x", "-t", "x", "-m", "1",
                 check=False)
        self.wait_for_log(r"Client anon-1 from 127\.0\.0\.1:\d+ refused: Not authorized "
                          r"\(anonymous clients are not allowed\)")
        self.wait_for_log(r"Client guess-1 from 127\.0\.0\.1:\d+ refused: Bad User Name or "
                          r"Password \(user 'carol', answered after \d+ ms\)")

    @mosquitto_deviation("mosquitto answers every wrong password at once")
    def test_wrong_passwords_are_answered_later_and_later(self):
        took = []
        for _ in range(4):
            code, seconds = self.connack_code("5", username="alice", password="wrong")
            self.assertEqual(code, 0x86)
            took.append(seconds)
        # 100, 200, 400, 800 ms: lower bounds only, the machine may be slow.
        self.assertGreaterEqual(took[0], 0.09, took)
        self.assertGreaterEqual(took[3], 0.75, took)
        self.assertGreater(took[3], took[0], took)
        # A success resets the delay for this address.
        code, _ = self.connack_code("5", username="alice", password="secret")
        self.assertEqual(code, 0)
        code, seconds = self.connack_code("311", username="alice", password="wrong")
        self.assertEqual(code, 4)
        self.assertLess(seconds, 0.75, "the delay was not reset by the successful login")


class AnonymousAllowed(SecuredBroker):
    allow_anonymous = True

    def test_anonymous_gets_in_but_a_user_needs_the_password(self):
        code, _ = self.connack_code("5")
        self.assertEqual(code, 0)
        res = self.pub("-V", "mqttv311", "-u", "alice", "-P", "wrong", "-t", "x", "-m", "1",
                       check=False)
        self.assertNotEqual(res.returncode, 0, "a wrong password passed with allow_anonymous")


class Acl(SecuredBroker):
    allow_anonymous = True
    acl = ACL

    def publish_acks(self, version, topic, user="alice", password="secret"):
        """Publishes QoS 1 and returns the PUBACK reason code mosquitto_pub saw."""
        res = self.pub(*self.as_user(user, password, version), "-d", "-q", "1", "-t", topic,
                       "-m", "m")
        found = re.search(r"received PUBACK \(Mid: \d+, RC:(\d+)\)", res.stdout.decode())
        if found is None:
            raise AssertionError(f"no PUBACK in: {res.stdout!r}")
        return int(found.group(1))

    def granted(self, sub):
        """The SUBACK codes mosquitto_sub prints (just after "received
        SUBACK", which wait_subscribed() waits for)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = re.search(r"Subscribed \(mid: \d+\): ([\d, ]+)\n", sub.output() + "\n")
            if found:
                return [int(x) for x in found.group(1).split(",")]
            time.sleep(0.02)
        raise AssertionError(f"no SUBACK codes printed:\n{sub.output()}")

    def test_denied_publish_is_dropped(self):
        # bob may read a/# but not write it: v5 hears 0x87, 3.1.1 a plain
        # PUBACK; neither reaches the subscriber.
        sub = self.sub(*self.as_user("alice", "secret", "5"), "-q", "1", "-t", "a/#")
        sub.wait_subscribed()
        self.assertEqual(self.publish_acks("5", "a/x", "bob", "hunter2"), 0x87)
        self.assertEqual(self.publish_acks("311", "a/x", "bob", "hunter2"), 0)
        self.assertEqual(sub.drain(QUIET), [])
        self.assertEqual(self.publish_acks("5", "a/x"), 0)  # alice may
        self.assertEqual([m.payload for m in sub.expect(1)], [b"m"])

    @mosquitto_deviation("mosquitto 2.0 grants every subscription and only filters deliveries")
    def test_denied_subscribe_gets_failure_in_suback(self):
        for version, code in (("311", 0x80), ("5", 0x87)):
            with self.subTest(version=version):
                sub = self.sub(*self.as_user("bob", "hunter2", version), "-t", "b/#", "-t", "a/+")
                sub.wait_subscribed()
                self.assertEqual(self.granted(sub), [code, 0])
                sub.stop()

    def test_reads_are_filtered_at_delivery(self):
        for version in ("311", "5"):
            with self.subTest(version=version):
                sub = self.sub(*self.as_user("alice", "secret", version), "-t", "#", "-q", "1")
                sub.wait_subscribed()
                self.publish_acks("5", "a/secret")
                self.publish_acks("5", "a/open")
                self.publish_acks("5", "public/news")  # alice may write, not read
                self.assertEqual([m.topic for m in sub.expect(1)], ["a/open"])
                self.assertEqual(sub.drain(QUIET), [])
                sub.stop()

    def test_anonymous_section_and_patterns(self):
        anon = self.sub("-V", "mqttv5", "-t", "public/#").wait_subscribed()
        self.publish_acks("5", "public/news")
        self.assertEqual([m.topic for m in anon.expect(1)], ["public/news"])
        # %c: bob may use devices/<his client id>/#, nobody else's.
        own = self.pub(*self.as_user("bob", "hunter2", "5"), "-i", "dev7", "-d", "-q", "1", "-t",
                       "devices/dev7/t", "-m", "1")
        self.assertRegex(own.stdout.decode(), r"RC:(0|16)\)")  # mosquitto: 16, no subscribers
        other = self.pub(*self.as_user("bob", "hunter2", "5"), "-i", "dev7", "-d", "-q", "1",
                         "-t", "devices/dev8/t", "-m", "1")
        self.assertIn("RC:135)", other.stdout.decode())

    def test_sighup_reloads_the_rules_for_connected_clients(self):
        sub = self.sub(*self.as_user("bob", "hunter2", "5"), "-t", "a/#", "-q", "1")
        sub.wait_subscribed()
        self.publish_acks("5", "a/x")
        self.assertEqual([m.payload for m in sub.expect(1)], [b"m"])

        self.write_acl("user alice\ntopic readwrite a/#\nuser bob\ntopic read b/#\n")
        self.sighup()
        self.wait_reloaded()
        self.publish_acks("5", "a/x")
        self.assertEqual(sub.drain(QUIET), [], "bob still reads a/# after the reload")
        self.assertTrue(self.broker.alive())

    @mosquitto_deviation("mosquitto logs the error and is left without ACL rules")
    def test_sighup_with_a_broken_file_keeps_the_old_rules(self):
        sub = self.sub(*self.as_user("bob", "hunter2", "5"), "-t", "a/#", "-q", "1")
        sub.wait_subscribed()
        self.write_acl("user bob\ntopic read b/#\ntopic rw a/#\n")
        self.sighup()
        self.wait_for_log(re.escape(self.acl_path) + r":3: unknown access 'rw'.*previous")
        self.publish_acks("5", "a/x")
        self.assertEqual([m.payload for m in sub.expect(1)], [b"m"])

    def test_sighup_reloads_passwords(self):
        mosquitto_passwd(self.pw_path, "carol", "new")
        res = self.pub(*self.as_user("carol", "new", "5"), "-t", "x", "-m", "1", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.sighup()
        self.wait_reloaded()
        self.pub(*self.as_user("carol", "new", "5"), "-t", "public/x", "-m", "1")


class BrokenFiles(unittest.TestCase):
    def start_with(self, name, text):
        d = private_dir()
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        setting = "password_file" if name == "passwords" else "acl_file"
        broker = Broker([f"{setting} {path}"])
        with self.assertRaises(BrokerStartError) as caught:
            broker.start()
        broker.stop()
        return path, str(caught.exception)

    @mosquitto_deviation("mosquitto logs a bad password line, drops it and starts")
    def test_bad_password_line_stops_start_up_with_file_and_line(self):
        path, error = self.start_with("passwords", "# users\nalice:secret\n")
        self.assertIn(f"{path}:2: the password is not hashed", error)
        self.assertIn("exited at start-up with status 2", error)

    @mosquitto_deviation("mosquitto names the file but not the line")
    def test_bad_acl_line_stops_start_up_with_file_and_line(self):
        path, error = self.start_with("acl", "user a\ntopic read a/#\nwhatever x\n")
        self.assertIn(f"{path}:3: unknown line 'whatever'", error)


if __name__ == "__main__":
    unittest.main()
