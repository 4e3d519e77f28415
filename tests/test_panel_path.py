"""The kiosk as its unit runs it on the panel: the environment of deploy/kiosk.env (full
screen, turned upright, one input provider, every language), systemd's notify socket and
watchdog, the real ``ontmoet-kiosk`` command. Only the video driver differs: ``x11`` on a
virtual X server (Xvfb) instead of ``kmsdrm`` on the panel's own screen, which no test
machine has. The pictures are read from the X server's framebuffer, not from the app: what
the panel would show."""

from __future__ import annotations

import os
import queue
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import x_server
from PIL import Image, ImageStat
from pyzbar.pyzbar import decode
from test_deploy import env_file

pytestmark = pytest.mark.slow  # an X server and the real kiosk process

HERE = Path(__file__).resolve().parent
PANEL = (1920, 1080)  # a landscape panel, mounted upright (KCFG_GRAPHICS_ROTATION=90)
BOUND = 90.0  # seconds: a bound against a hang, not a timing claim


def framebuffer(path: Path) -> Image.Image:
    """Xvfb's screen, which it keeps as an XWD file in -fbdir (ZPixmap, 32 bits a pixel)."""
    data = path.read_bytes()
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line, colours = (
        fields[7],
        fields[11],
        fields[12],
        fields[19],
    )
    assert bits_per_pixel == 32, bits_per_pixel
    start = header_size + colours * 12
    mode = "BGRX" if byte_order == 0 else "XRGB"
    return Image.frombuffer("RGB", (width, height), data[start:], "raw", mode, bytes_per_line, 1)


@pytest.fixture
def xvfb(tmp_path):
    fbdir = tmp_path / "fb"
    fbdir.mkdir()
    with x_server.xvfb(*PANEL, fbdir=fbdir) as display:
        yield display, fbdir / "Xvfb_screen0"


@pytest.fixture
def notify():
    folder = Path(tempfile.mkdtemp(prefix="nt", dir="/tmp"))  # sun_path holds 107 bytes
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(folder / "notify"))
    sock.settimeout(1)
    yield sock, str(folder / "notify")
    sock.close()
    (folder / "notify").unlink()
    folder.rmdir()


def next_message(sock, wanted: str) -> None:
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            if sock.recv(64).decode() == wanted:
                return
        except TimeoutError:
            continue
    raise AssertionError(f"systemd never heard {wanted}")


def test_the_unit_environment_draws_upright_on_x_and_reads_a_click(xvfb, notify, tmp_path):
    display, screen_file = xvfb
    sock, notify_path = notify
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KCFG_", "KIVY_", "SDL_", "ONTMOET_"))}  # fmt: skip
    env.update(env_file())  # what EnvironmentFile= gives the unit
    env.update(
        SDL_VIDEODRIVER="x11",  # the panel's is kmsdrm
        DISPLAY=display,
        ONTMOET_DATA_DIR=str(tmp_path / "data"),
        KIVY_HOME=str(tmp_path / "kivy"),
        NOTIFY_SOCKET=notify_path,
        WATCHDOG_USEC="4000000",
    )
    # The unit's ExecStart, with --demo: this data folder starts empty.
    kiosk = subprocess.Popen(
        [sys.executable, str(HERE / "panel_kiosk.py"), "--demo"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: queue.Queue[list[str]] = queue.Queue()
    log: list[str] = []

    def read() -> None:
        for line in kiosk.stdout:
            log.append(line.rstrip())
            lines.put(line.split())

    threading.Thread(target=read, daemon=True).start()

    def expect(kind: str) -> list[str]:
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            try:
                words = lines.get(timeout=1)
            except queue.Empty:
                assert kiosk.poll() is None, "\n".join(log[-30:])
                continue
            if words[:1] == [kind]:
                return words
        raise AssertionError(f"no {kind} from the kiosk:\n" + "\n".join(log[-30:]))

    try:
        next_message(sock, "READY=1")  # the first screen is on the panel
        assert expect("SIZE")[1:] == ["1080", "1920"]  # turned upright
        next_message(sock, "WATCHDOG=1")  # and its UI thread pings systemd
        time.sleep(1)  # a few frames more, then look at the screen as a visitor would
        attract = framebuffer(screen_file)
        attract.save(tmp_path / "attract.png")
        assert attract.size == PANEL
        assert max(ImageStat.Stat(attract.convert("L")).mean) > 40, "the panel is dark"
        assert len(attract.getcolors(1 << 16) or range(1 << 16)) > 16, "one flat colour"

        subprocess.run(
            ["xdotool", "mousemove", "--sync", str(PANEL[0] // 2), str(PANEL[1] // 2),
             "click", "1"],
            env={**os.environ, "DISPLAY": display}, check=True, timeout=BOUND,
        )  # fmt: skip
        assert expect("SCREEN")[1:] == ["home"]  # one click, one visit (no double tap)
        shown = expect("SHOWN")[1]
        codes = decode(framebuffer(screen_file))
        assert [c.data.decode() for c in codes] == [
            f"{env['ONTMOET_PUBLIC_URL']}/c/{shown}?lang=nl"
        ], codes
    finally:
        kiosk.terminate()
        kiosk.wait(20)
    assert "Traceback" not in "\n".join(log), "\n".join(log[-30:])
