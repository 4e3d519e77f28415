"""One start through the real App.run(), in its own process (run() ends Kivy's event loop)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
from kivy.clock import Clock
from kiosk.app import KioskApp
from kiosk.cli import prepare_store
from kiosk.config import load_config

config = load_config()
app = KioskApp(config, prepare_store(config, demo=True))
seen = []

def look(_dt):
    seen.append((app.current_screen, app.store.community_count(), len(app.manager.screens)))
    app.stop()

app.bind(on_start=lambda *_: Clock.schedule_once(look, 0.5))
app.run()
print(seen)
sys.exit(0 if seen and seen[0][0] == "attract" and seen[0][1] >= 60 else 1)
"""


def test_the_real_app_run_starts_on_the_attract_screen(tmp_path):
    env = dict(os.environ, ONTMOET_DATA_DIR=str(tmp_path / "data"), KIVY_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "('attract'," in result.stdout
