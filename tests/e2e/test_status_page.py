"""The live status page, in a real browser: headless Chromium (Debian's
`chromium`) loads it from the `protocol http` listener while paho clients
publish, and the test reads the page through the DevTools protocol (a
websocket, python3-websocket): the figures and the plotted line change as
the load runs. A screenshot is saved for people to look at, under
$TERN_E2E_ARTIFACTS (CTest: BUILD/e2e-artifacts) or the temp directory."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import websocket

from broker import BrokerTestCase, free_port, needs
from clients import MQTTv311
from limits import TIMEOUT, scaled
from ops_http import http_get, http_listener_settings

CHROMIUM = shutil.which("chromium")
PAGE_TIMEOUT = scaled(20.0)  # a cold browser on a loaded 2-core machine


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Chromium:
    """A headless Chromium with its DevTools endpoint on a free port."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="tern-e2e-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run",
             "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", "--window-size=800,760", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        # Chromium writes its port to DevToolsActivePort once it listens.
        active = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + PAGE_TIMEOUT
        while not read_text(active).strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise AssertionError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(read_text(active).split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=TIMEOUT)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:  # skip events until our answer
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg["result"]

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return r["result"].get("value")

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
            shutil.rmtree(self.profile, ignore_errors=True)


READ_PAGE = """JSON.stringify({
  state: document.getElementById('state').textContent,
  connected: document.getElementById('connected').textContent,
  subscriptions: document.getElementById('subscriptions').textContent,
  rate_in: document.getElementById('rate-in').textContent,
  points: document.getElementById('line-in').getAttribute('points')})"""


@unittest.skipIf(CHROMIUM is None, "chromium is not installed (scripts/install-deps.sh)")
@needs("websocket")
class StatusPage(BrokerTestCase):
    http_port = free_port()
    broker_settings = ["persistence false", *http_listener_settings(http_port)]

    def read_page(self, browser):
        """The page's figures, or None while it is still loading (its
        elements are not there yet, so the expression throws)."""
        value = browser.evaluate(READ_PAGE)
        return None if value is None else json.loads(value)

    def wait_page(self, browser, predicate, what):
        deadline = time.monotonic() + PAGE_TIMEOUT
        page = None
        while time.monotonic() < deadline:
            page = self.read_page(browser)
            if page is not None and predicate(page):
                return page
            time.sleep(0.2)
        self.fail(f"page never showed {what}; last: {page}")

    def test_page_plots_live_figures_while_load_runs(self):
        status, headers, body = http_get(self.http_port, "/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["Content-Type"])

        sub = self.paho(client_id="watcher", protocol=MQTTv311)
        sub.subscribe("load/#")
        pub = self.paho(client_id="loader", protocol=MQTTv311)
        stop = threading.Event()

        def load():  # bounded: at most 60 s of ~200 msg/s (longer when scaled)
            end = time.monotonic() + scaled(60)
            while not stop.is_set() and time.monotonic() < end:
                for _ in range(20):
                    pub.client.publish("load/x", b"0123456789", qos=0)
                time.sleep(0.1)

        browser = Chromium()
        self.addCleanup(browser.close)
        browser.call("Page.enable")
        browser.call("Page.navigate", url=f"http://127.0.0.1:{self.http_port}/")
        first = self.wait_page(browser, lambda p: p["state"].startswith("live"), "live state")
        self.assertEqual(first["connected"], "2")
        self.assertEqual(first["subscriptions"], "1")

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        self.addCleanup(loader.join, TIMEOUT)
        self.addCleanup(stop.set)
        busy = self.wait_page(browser, lambda p: p["rate_in"] not in ("-", "0") and p["points"],
                              "a receive rate above 0")
        later = self.wait_page(browser, lambda p: p["points"] != busy["points"],
                               "the plotted line moving")
        self.assertGreater(len(later["points"].split()), len(busy["points"].split()) - 1)
        # A few more seconds of plot for the picture.
        final = self.wait_page(browser, lambda p: len(p["points"].split()) >= 5,
                               "five points plotted")

        # A picture for people.
        out_dir = os.environ.get("TERN_E2E_ARTIFACTS") or tempfile.gettempdir()
        os.makedirs(out_dir, exist_ok=True)
        shot = browser.call("Page.captureScreenshot", format="png")
        path = os.path.join(out_dir, "status_page.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"\nstatus page screenshot: {path}; rates read {busy['rate_in']} then "
              f"{final['rate_in']} msg/s, {len(final['points'].split())} points plotted")
        stop.set()


if __name__ == "__main__":
    unittest.main()
