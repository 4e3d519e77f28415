"""systemd's watchdog: the kiosk pings from its UI thread, so a frozen UI stops the pings
(and systemd restarts the kiosk). A fake notify socket stands in for systemd."""

import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from kiosk import watchdog


@pytest.fixture
def notify_socket():
    """A datagram socket where systemd's would be; short path (sun_path holds 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="wd", dir="/tmp"))
    path = folder / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    yield sock, str(path)
    sock.close()
    path.unlink()
    folder.rmdir()


def received(sock) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(sock.recv(256).decode())
        except BlockingIOError:
            return messages


def test_a_frozen_ui_stops_the_pings_and_a_live_one_sends_them(
    notify_socket, make_kiosk, monkeypatch
):
    sock, path = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # systemd would wait 0.1 s: ping each 0.05 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    kiosk = make_kiosk()
    assert received(sock)[:1] == ["READY=1"]  # once the attract screen was drawn

    pings = []
    for _ in range(200):  # the UI thread runs frames: its clock sends the pings
        kiosk.pump(1)
        time.sleep(0.01)
        pings += received(sock)
        if len(pings) >= 3:
            break
    assert pings[:3] == ["WATCHDOG=1"] * 3

    # The UI thread stops running frames (as when it hangs): five watchdog periods pass.
    time.sleep(0.5)
    assert received(sock) == []

    kiosk.pump(1)  # it runs again: the overdue ping goes at once
    assert received(sock) == ["WATCHDOG=1"]


def test_stopping_is_said_and_nothing_is_sent_without_systemd(notify_socket, monkeypatch):
    sock, path = notify_socket
    assert watchdog.notify("READY=1", {}) is False  # not under systemd: nothing to tell
    assert watchdog.notify("READY=1", {"NOTIFY_SOCKET": "relative/path"}) is False
    assert watchdog.notify("READY=1", {"NOTIFY_SOCKET": path + ".gone"}) is False

    class Clock:
        def schedule_interval(self, *_):
            raise AssertionError("no watchdog was asked for: nothing to schedule")

    dog = watchdog.Watchdog(Clock(), {"NOTIFY_SOCKET": path})
    dog.start()
    dog.stop()
    assert received(sock) == ["READY=1", "STOPPING=1"]


def test_the_interval_is_half_of_systemds_and_only_for_this_process():
    me = str(os.getpid())
    assert watchdog.ping_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog.ping_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": me}) == 15.0
    assert watchdog.ping_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog.ping_interval({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog.ping_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog.ping_interval({}) is None


def test_an_abstract_socket_name_is_reached():
    name = f"ontmoet-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert watchdog.notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(64) == b"WATCHDOG=1"
