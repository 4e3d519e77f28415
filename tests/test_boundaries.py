"""Only kiosk/app.py and screens/ may import Kivy: everything else must run without a display."""

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIVY_FREE_PACKAGES = ("kiosk", "sync")
ALLOWED = {"kiosk.app"}


def kivy_free_modules():
    modules = []
    for package in KIVY_FREE_PACKAGES:
        modules.append(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if info.name not in ALLOWED:
                modules.append(info.name)
    return modules


def test_core_sync_and_cli_import_without_kivy():
    modules = kivy_free_modules()
    assert "kiosk.store" in modules and "kiosk.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'kivy' or m.startswith('kivy.'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_itself_notices_kivy():
    # Proof that the subprocess check can fail: kiosk.app does load Kivy.
    code = "import kiosk.app, sys; sys.exit(1 if 'kivy' in sys.modules else 0)"
    env = {
        "KIVY_NO_ARGS": "1",
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_CONSOLELOG": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 1
