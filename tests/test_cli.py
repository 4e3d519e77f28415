import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from kiosk import navigation as nav

ROOT = Path(__file__).resolve().parent.parent


def run(args, tmp_path, **env):
    environ = dict(
        os.environ, ONTMOET_DATA_DIR=str(tmp_path / "data"), KIVY_HOME=str(tmp_path / "kivy"), **env
    )
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow  # every screen drawn in software GL, in a process of its own
def test_screenshots_command_renders_every_screen(tmp_path):
    out = tmp_path / "shots"
    result = run(
        # Landscape, and small: software GL draws every pixel of every screen's frame.
        ["screenshots", str(out), "--demo", "--lang", "en", "--size", "960x540"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    names = {p.stem for p in out.glob("*.png")}
    for screen in nav.ALL_SCREENS:
        assert any(name.startswith(screen) for name in names), screen
    with Image.open(out / "community.png") as image:
        assert image.size == (960, 540)
        assert len(image.convert("L").getcolors(maxcolors=65536) or []) > 10  # not a blank frame
    # --demo renders from a throwaway store: the configured one is not created.
    assert not (tmp_path / "data" / "kiosk.db").exists()


def test_unknown_language_is_a_clear_error(tmp_path):
    result = run(["screenshots", str(tmp_path / "s"), "--lang", "xx"], tmp_path)
    assert result.returncode == 2
    assert "language 'xx' is not available" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_scale_is_a_clear_error_before_anything_is_drawn(tmp_path):
    result = run(["screenshots", str(tmp_path / "s"), "--demo", "--scale", "5"], tmp_path)
    assert result.returncode == 2 and "--scale must be between 0.1 and 1" in result.stderr
    assert not (tmp_path / "s").exists()


def test_bad_size_is_a_clear_error(tmp_path):
    result = run(["--size", "big"], tmp_path)
    assert result.returncode == 2 and "1080x1920" in result.stderr


def test_corrupt_database_stops_the_kiosk_with_a_message_and_is_kept(tmp_path):
    db = tmp_path / "data" / "kiosk.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 1000)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run(["--demo"], tmp_path)
    assert result.returncode == 2
    assert "damaged or is not a database" in result.stderr and str(db) in result.stderr
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_settings_are_listed_with_help(tmp_path):
    result = run(["settings"], tmp_path)
    assert result.returncode == 0
    assert "ONTMOET_IDLE_TIMEOUT" in result.stdout and "Seconds without a touch" in result.stdout


def test_demo_never_replaces_an_existing_store(tmp_path, make_record):
    from kiosk.cli import prepare_store
    from kiosk.config import Config
    from kiosk.models import Term

    config = Config(data_dir=tmp_path / "data")
    store = prepare_store(config, demo=False)
    store.replace_taxonomies([Term("eten", {"nl": "Eten"})], [Term("centrum", {"nl": "C"})], [])
    store.upsert_communities([make_record("Eigen groep")])
    store.close()
    store = prepare_store(config, demo=True)
    assert store.community_count() == 1
    store.close()


@pytest.mark.slow
def test_screenshots_of_a_real_store_leave_it_untouched(tmp_path):
    from kiosk.cli import prepare_store
    from kiosk.config import Config

    data = tmp_path / "data"
    prepare_store(Config(data_dir=data), demo=True).close()
    before = hashlib.sha256((data / "kiosk.db").read_bytes()).hexdigest()
    result = run(["screenshots", str(tmp_path / "shots"), "--size", "540x960"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shots" / "matches.png").exists()  # the journeys were walked
    assert hashlib.sha256((data / "kiosk.db").read_bytes()).hexdigest() == before
