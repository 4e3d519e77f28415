"""A small HTTP proxy on 127.0.0.1 that spoils the hub's replies on purpose: it forwards each
request to the real hub (so the hub really acts on it) and then, as told, cuts the reply
short, replaces its body with garbage, or drops the connection without a reply."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections import deque


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _c, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    # One request per connection: the proxy reads the hub's reply to its end.
    lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body


class FaultProxy:
    """Faults are taken in order from ``faults`` (one per request); when it is empty, replies
    pass unchanged. Faults: 'truncate', 'garbage', 'drop', 'pass'."""

    def __init__(self, hub_port: int) -> None:
        self.hub_port = hub_port
        self.faults: deque[str] = deque()
        self.seen: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, client: socket.socket) -> None:
        request = _read_request(client)
        if not request:
            return
        fault = self.faults.popleft() if self.faults else "pass"
        self.seen.append(fault)
        with socket.create_connection(("127.0.0.1", self.hub_port), timeout=30) as upstream:
            upstream.sendall(request)
            reply = b""
            while chunk := upstream.recv(65536):
                reply += chunk
        head, _sep, body = reply.partition(b"\r\n\r\n")
        if fault == "drop":
            return  # the hub acted; the kiosk hears nothing
        if fault == "truncate":
            client.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
            return
        if fault == "garbage":
            client.sendall(head + b"\r\n\r\n" + bytes(b ^ 0x5A for b in body))
            return
        client.sendall(reply)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
