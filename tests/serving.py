"""`breach serve` in a subprocess on 127.0.0.1 for a test, stopped when it ends; plain HTTP requests to it."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from conftest import T0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(home: Path, *args: str) -> Iterator[tuple[str, int, subprocess.Popen]]:
    """(the URL printed, the port, the process) of `breach serve --port P [ARGS]`, terminated at the end."""
    port = free_port()
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester"}
    proc = subprocess.Popen([sys.executable, "-m", "breach", "serve", "--port", str(port), "--home", str(home),
                             *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = proc.stdout.readline().strip()
        assert url, proc.stderr.read() if proc.poll() is not None else "no URL printed"
        yield url, port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def status_of(url: str, *, data: bytes | None = None, headers: dict | None = None,
              opener: urllib.request.OpenerDirector | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


class Browserish:
    """urllib with a cookie jar: follows the printed URL like a browser would."""

    def __init__(self, url: str):
        self.base = url.partition("/?token=")[0]
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with self.opener.open(url, timeout=10) as r:
            assert r.status == 200 and "token=" not in r.url

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as r:
            return r.read().decode()

    def post(self, path: str, fields: dict, **kw) -> int:
        return status_of(self.base + path, data=urlencode(fields).encode(), opener=self.opener, **kw)

    def send(self, path: str, fields: dict) -> tuple[int, str]:
        """POST a form; the status and the page that answered (after a redirect, the page it led to)."""
        try:
            with self.opener.open(self.base + path, data=urlencode(fields).encode(), timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def form_fields(page: str, form_id: str) -> dict:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
