"""A real PostgreSQL server for the tests: initdb in a temporary folder, started on 127.0.0.1, stopped after.

The machine image has the server binaries (initdb, pg_ctl); `.ci/run` installs Debian's
`postgresql` when they are missing. A missing server fails the tests, it never skips them.
initdb refuses to run as root, so as root the server runs as the unprivileged `nobody`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 60


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise RuntimeError(f"PostgreSQL's {name} is not installed: `apt-get install postgresql` (see .ci/run)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    user: str = "breach"
    password: str = "breach-test-pw"

    def url(self, database: str = "breach") -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "nobody", "--", *cmd]


@contextlib.contextmanager
def running_postgres(max_connections: int = 250) -> Iterator[PgServer]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="breach-pg-"))
    data = folder / "data"
    pwfile = folder / "pw"
    server = PgServer(folder=folder, port=_free_port())
    pwfile.write_text(server.password)
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
    folder.chmod(0o700)
    log = folder / "server.log"
    try:
        subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", server.user, "--pwfile", str(pwfile),
                                        "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder} "
                   f"-c max_connections={max_connections} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c shared_buffers=32MB")
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w",
                                        "-t", str(START_TIMEOUT), "start"]),
                       check=True, capture_output=True, timeout=START_TIMEOUT + 10)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.1)
        server.create_database("breach")
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def stop(server: PgServer) -> None:
    """Stop the server (for the 'database unreachable' test); the context manager cleans up."""
    subprocess.run(_as_server_user([_binary("pg_ctl"), "-D", str(server.folder / "data"), "-m", "fast", "-w",
                                    "stop"]), check=True, capture_output=True, timeout=60)
