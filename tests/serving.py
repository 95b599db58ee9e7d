"""`breach serve` in a subprocess on 127.0.0.1 for a test, stopped when it ends; plain HTTP requests to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import T0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(home: Path) -> Iterator[tuple[str, int, subprocess.Popen]]:
    """(the URL printed, the port, the process) of `breach serve --port P`, terminated at the end."""
    port = free_port()
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester"}
    proc = subprocess.Popen([sys.executable, "-m", "breach", "serve", "--port", str(port), "--home", str(home)],
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
