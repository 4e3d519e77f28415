"""systemd's watchdog for the kiosk unit (``Type=notify``, ``WatchdogSec=``).

The pings come from the UI thread, on Kivy's clock: a kiosk whose UI froze (a loop that never
ends, a lock never released, a GL call that hangs) stops pinging even though its process is
alive, and systemd restarts it. A ping from a thread of its own would keep a frozen kiosk
"healthy" for ever.

The protocol is one datagram per message to the socket named in ``NOTIFY_SOCKET`` (see
sd_notify(3)); ten lines, so no library (python-systemd needs libsystemd's headers to build).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``) to systemd. False when
    the kiosk does not run under systemd (no socket), or the socket cannot be reached."""
    environ = os.environ if environ is None else environ
    address = environ.get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":  # an abstract socket: its name starts with a NUL byte
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        return False
    return True


def ping_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings: half of what systemd waits (``WATCHDOG_USEC``), so one late
    frame is no restart. None when no watchdog is asked for this process."""
    environ = os.environ if environ is None else environ
    pid = environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None  # the watchdog is meant for another process (a parent shell, say)
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None


class Watchdog:
    """Says READY=1 once the first frame is drawn, then WATCHDOG=1 on every ``ping_interval``
    of Kivy's clock (the UI thread)."""

    def __init__(self, clock, environ: Mapping[str, str] | None = None) -> None:
        self._clock = clock
        self._environ = os.environ if environ is None else environ
        self._event = None

    def start(self) -> None:
        notify("READY=1", self._environ)
        interval = ping_interval(self._environ)
        if interval is not None and self._event is None:
            self._event = self._clock.schedule_interval(self._ping, interval)

    def _ping(self, *_args) -> None:
        notify("WATCHDOG=1", self._environ)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        notify("STOPPING=1", self._environ)
