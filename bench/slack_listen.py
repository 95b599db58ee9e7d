"""How long `/breach status` takes to answer through `breach slack listen`, against the local stand-ins.

Starts the Web API and Socket Mode stand-ins (tests/slack_stub.py, tests/slack_socket_stub.py), a
data folder with one assessed incident, and a real `breach slack listen`; sends `/breach status`
N times and prints the time from sending the envelope to its ack and to the ephemeral answer.
The issue asks for the answer "in under a second"; this prints the figure rather than asserting it.

    .venv/bin/python bench/slack_listen.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("BREACH_NOW", "2026-11-28T14:05:00+01:00")

from slack_socket_stub import start_socket_stub, wait_for  # noqa: E402
from slack_stub import APP_TOKEN, CHANNEL_NAME, start_stub  # noqa: E402


def main(n: int) -> None:
    web = start_stub(max_lifetime=600)
    socket = start_socket_stub(web)
    home = Path(tempfile.mkdtemp()) / "incidents"
    env = {**os.environ, "SLACK_BOT_TOKEN": web.token, "BREACH_SLACK_CHANNEL": f"#{CHANNEL_NAME}",
           "BREACH_SLACK_API_URL": web.url, "SLACK_APP_TOKEN": APP_TOKEN, "BREACH_HOME": str(home)}
    run = [sys.executable, "-m", "breach"]
    subprocess.run([*run, "init"], env=env, check=True, capture_output=True)
    org = home / "organization.yaml"
    org.write_text(org.read_text() + '\nslack:\n  users:\n    U0BENCH01: {name: "Bench", role: viewer}\n')
    subprocess.run([*run, "open", "--title", "DB", "--aware-at", "2026-11-28 09:00"], env=env, check=True,
                   capture_output=True)
    listener = subprocess.Popen([*run, "slack", "listen"], env=env, stderr=subprocess.DEVNULL)
    try:
        socket.wait_connected()
        acks, answers = [], []
        for _ in range(n):
            start = time.perf_counter()
            envelope = socket.slash("U0BENCH01", "status")
            path = envelope["payload"]["response_url"].split(str(web.port), 1)[1]
            socket.wait_ack(envelope["envelope_id"])
            acks.append(time.perf_counter() - start)
            wait_for(lambda p=path: any(r.path == p for r in web.requests), 30, "the answer")
            answers.append(time.perf_counter() - start)
        print(f"/breach status over Socket Mode, {n} runs: ack median {statistics.median(acks) * 1000:.0f} ms, "
              f"answer median {statistics.median(answers) * 1000:.0f} ms, slowest answer {max(answers) * 1000:.0f} ms")
    finally:
        listener.terminate()
        listener.wait(20)
        socket.stop()
        web.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
