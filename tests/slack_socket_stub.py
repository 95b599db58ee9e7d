"""A local stand-in for Slack's Socket Mode, over a real websocket on 127.0.0.1.

Composed with tests/slack_stub.py: `start_socket_stub(web)` listens on a free port and sets
`web.socket_url`, so `apps.connections.open` (app token xapp-...) hands out its ws:// URL. On each
connection it sends `hello`; `send(...)` delivers an envelope (a slash command, a button press, a
view submission) with a response_url on the Web stand-in; acks are recorded in the Web stand-in's
request log (method "socket.ack") so a test sees their order against the Web API calls; `drop()`
cuts the connection without a word (the listener must reconnect); `redeliver(envelope)` sends an
envelope again with retry_attempt 1, as Slack does when an ack came late.

A minimal RFC 6455 server: text frames, ping/pong, close; no extensions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

from slack_stub import CHANNEL_ID, Request, SlackStub

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketStub:
    def __init__(self, web: SlackStub):
        self.web = web
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.acks: list[str] = []
        self.sent: list[dict] = []
        self._n = 0
        self._lock = threading.Lock()
        self._stopped = False
        web.socket_url = f"ws://127.0.0.1:{self.port}/link/?ticket=stub"
        threading.Thread(target=self._accept, daemon=True).start()

    # --- what a test does -------------------------------------------------------------

    @property
    def connected(self) -> int:
        """How many connections were opened so far (a reconnect adds one)."""
        return len(self.connections)

    def wait_connected(self, count: int = 1, timeout: float = 20) -> None:
        wait_for(lambda: self.connected >= count and self._live(), timeout, f"{count} socket connection(s)")

    def send(self, kind: str, payload: dict, *, envelope_id: str | None = None, retry_attempt: int = 0) -> dict:
        with self._lock:
            self._n += 1
            envelope = {"envelope_id": envelope_id or f"env-{self._n}", "type": kind, "payload": payload,
                        "accepts_response_payload": kind != "events_api", "retry_attempt": retry_attempt,
                        "retry_reason": "timeout" if retry_attempt else ""}
            self.sent.append(envelope)
            self._frame(self.connections[-1], 0x1, json.dumps(envelope).encode())
        return envelope

    def redeliver(self, envelope: dict) -> dict:
        return self.send(envelope["type"], envelope["payload"], envelope_id=envelope["envelope_id"],
                         retry_attempt=envelope.get("retry_attempt", 0) + 1)

    def drop(self) -> None:
        """The network goes away: the socket closes without a close frame."""
        with self._lock:
            conn = self.connections[-1]
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def wait_ack(self, envelope_id: str, timeout: float = 20) -> None:
        wait_for(lambda: envelope_id in self.acks, timeout, f"the ack of {envelope_id}")

    def stop(self) -> None:
        self._stopped = True
        self.server.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass

    # --- payloads as Slack sends them ---------------------------------------------------

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.web.port}/response/{self._n + 1}"

    def slash(self, user: str, text: str) -> dict:
        return self.send("slash_commands", {"command": "/breach", "text": text, "user_id": user,
                                            "channel_id": CHANNEL_ID, "trigger_id": f"trig-{self._n + 1}",
                                            "response_url": self.response_url()})

    def press(self, user: str, message: dict, action_id: str, *, value: str | None = None) -> dict:
        """A button press on a message the Web stand-in holds (its blocks carry the buttons)."""
        button = next(e for b in message.get("blocks") or [] for e in ([b.get("accessory")] if b.get("accessory")
                      else b.get("elements") or []) if e and e.get("action_id") == action_id)
        payload = {"type": "block_actions", "user": {"id": user}, "trigger_id": f"trig-{self._n + 1}",
                   "channel": {"id": CHANNEL_ID}, "message": {"ts": message.get("ts", "1700000000.000100"),
                                                              "thread_ts": message.get("thread_ts")},
                   "response_url": self.response_url(),
                   "actions": [{"action_id": action_id, "value": value or button["value"],
                                "action_ts": f"1796000000.{self._n:06d}"}]}
        return self.send("interactive", payload)

    def submit(self, user: str, view: dict, values: dict[str, str], *, view_id: str = "V00000001") -> dict:
        state = {name: {name: ({"type": "static_select", "selected_option": {"value": v}} if name == "phase"
                               else {"type": "plain_text_input", "value": v})} for name, v in values.items()}
        payload = {"type": "view_submission", "user": {"id": user},
                   "view": {**view, "id": view_id, "state": {"values": state}}}
        return self.send("interactive", payload)

    # --- the websocket -----------------------------------------------------------------

    def _live(self) -> bool:
        return bool(self.connections) and self.connections[-1].fileno() != -1

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
            key = next(v for k, v in headers.items() if k.lower() == "sec-websocket-key")
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            with self._lock:
                self.connections.append(conn)
                self._frame(conn, 0x1, json.dumps({"type": "hello", "num_connections": 1,
                                                   "connection_info": {"app_id": "A0STUB"}}).encode())
            self._read(conn)
        except (OSError, StopIteration, ValueError):
            return

    def _read(self, conn: socket.socket) -> None:
        while True:
            head = _recv(conn, 2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", _recv(conn, 2))[0]
            elif length == 127:
                length = struct.unpack("!Q", _recv(conn, 8))[0]
            mask = _recv(conn, 4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(_recv(conn, length)))
            if opcode == 0x8:
                with self._lock:
                    self._frame(conn, 0x8, data[:2])
                conn.close()
                return
            if opcode == 0x9:
                with self._lock:
                    self._frame(conn, 0xA, data)
            elif opcode == 0x1:
                message = json.loads(data)
                if message.get("envelope_id"):
                    with self.web._lock:
                        self.web.requests.append(Request(method="socket.ack", params=message, headers={},
                                                         path="ws"))
                    self.acks.append(message["envelope_id"])

    @staticmethod
    def _frame(conn: socket.socket, opcode: int, data: bytes) -> None:
        n = len(data)
        head = bytes([0x80 | opcode]) + (bytes([n]) if n < 126 else bytes([126]) + struct.pack("!H", n)
                                          if n < 65536 else bytes([127]) + struct.pack("!Q", n))
        conn.sendall(head + data)


def _recv(conn: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = conn.recv(n - len(out))
        if not chunk:
            raise OSError("closed")
        out += chunk
    return out


def wait_for(condition: Any, timeout: float, what: str) -> None:
    """Poll until `condition()` holds (a bound on waiting, not a timing assertion)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def start_socket_stub(web: SlackStub) -> SocketStub:
    return SocketStub(web)
