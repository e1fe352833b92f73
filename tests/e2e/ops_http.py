"""Helpers for the `protocol http` listener's tests: plain HTTP GETs with
a bounded wait (urllib from the standard library)."""

import base64
import urllib.error
import urllib.request

from limits import TIMEOUT


def http_get(port, path, user=None, password=None, timeout=TIMEOUT):
    """(status, headers, body text) of GET http://127.0.0.1:port/path;
    HTTP errors are returned, not raised."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def http_listener_settings(port, *extra):
    """Config lines for an http listener on 127.0.0.1:port."""
    return [f"listener {port} 127.0.0.1", "protocol http", *extra]
