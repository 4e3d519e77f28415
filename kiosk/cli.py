"""``ontmoet-kiosk``: start the kiosk, or render its screens for the docs.

Everything that can go wrong before the window opens (config, database, demo data) ends in one
clear line on stderr and exit code 2: a kiosk's operator needs the reason, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from kiosk import __version__
from kiosk.config import SUPPORTED_LANGUAGES, Config, ConfigError, load_config, settings_help
from kiosk.demo import DemoError
from kiosk.kivy_env import kivy_environment, parse_size
from kiosk.paths import DEMO_DIR
from kiosk.session import MODES
from kiosk.store import Store, StoreError, open_store

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ontmoet-kiosk",
        description="The Ontmoet kiosk: discover local communities in the town hall.",
    )
    parser.add_argument("--version", action="version", version=f"ontmoet {__version__}")
    parser.add_argument("--config", type=Path, help="TOML file with settings")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the demo municipality into an empty store before starting",
    )
    parser.add_argument("--size", default="1080x1920", help="panel size in pixels, WxH")
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="window scale (default 1 in fullscreen, 0.5 in a window so it fits a laptop)",
    )
    sub = parser.add_subparsers(dest="command")
    shots = sub.add_parser("screenshots", help="render every screen headless into DIR as PNG")
    shots.add_argument("dir", type=Path)
    shots.add_argument("--demo", action="store_true", help="use the demo data (fresh store)")
    shots.add_argument("--lang", default=None, help="interface language, e.g. nl or en")
    shots.add_argument("--size", default="1080x1920", help="screen size in pixels, WxH")
    shots.add_argument(
        "--mode",
        default="",
        choices=["", *MODES],
        help="a mode turned on in every visit: " + ", ".join(MODES),
    )
    shots.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="save smaller pictures as WebP, e.g. 0.5 (for the many pictures in docs/)",
    )
    sub.add_parser("settings", help="list every setting with its default and help")
    enrol = sub.add_parser("enrol", help="join a hub with a one-time code from 'ontmoet-hub'")
    enrol.add_argument("hub_url", help="the hub's address, e.g. https://hub.example")
    enrol.add_argument("code", help="the code 'ontmoet-hub enrol-kiosk' printed")
    sync = sub.add_parser("sync", help="sync with the hub now")
    sync.add_argument(
        "--once", action="store_true", required=True, help="one round; exit 0 only if it worked"
    )
    sub.add_parser("status", help="sync status: last sync, outbox size, online or not")
    return parser


def with_enrolment(config: Config, store: Store) -> Config:
    """After 'ontmoet-kiosk enrol' the hub's address, public key and this kiosk's name come
    from the enrolment (the latest explicit act), not from the settings."""
    if not store.get_state("token"):
        return config  # not enrolled: requests and the sync client stay unloaded at start
    from sync.client import enrolment

    found = enrolment(store)
    if found is None:
        return config
    return replace(
        config,
        hub_url=found["hub_url"],
        hub_public_key=found["hub_public_key"],
        public_url=found["public_url"] or config.public_url,
        kiosk_name=found["kiosk_name"] or config.kiosk_name,
    )


def _sync_command(config: Config, args: argparse.Namespace) -> int:
    from sync.client import SyncClient, SyncError, enrol, status

    store = open_store(config.db_path)
    if args.command == "status":
        for key, value in status(store).items():
            print(f"{key}: {value}")
        return 0
    try:
        if args.command == "enrol":
            name = enrol(store, args.hub_url, args.code)
            print(f"Enrolled at {args.hub_url} as kiosk '{name}'.")
            return 0
        result = SyncClient(store).sync_once()
    except SyncError as exc:
        print(f"ontmoet-kiosk: sync failed ({exc.state}): {exc}", file=sys.stderr)
        return 1
    print(
        f"Synced: {result.pushed} records sent, {result.pulled} changes received, "
        f"{result.requests} requests."
    )
    return 0


def with_demo_key(config: Config) -> Config:
    """A demo kiosk without a hub key seals contact details with the demo hub's key."""
    if config.hub_public_key:
        return config
    return replace(config, hub_public_key=(DEMO_DIR / "hub-demo-public.key").read_text().strip())


def prepare_store(config: Config, demo: bool, today: date | None = None) -> Store:
    """Open the store; with ``demo``, fill an empty one (an existing store is never replaced)."""
    store = open_store(config.db_path)
    if demo:
        from kiosk.demo import load_demo, refresh_demo_events  # Pillow: only for the demo

        today = today or date.today()
        if store.community_count() == 0:
            load_demo(store, config.data_dir / "photos", today)
        elif store.get_state("demo_events_on") not in (None, today.isoformat()):
            refresh_demo_events(store, today)
    return store


def _fail(message: str) -> int:
    print(f"ontmoet-kiosk: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
        if args.command == "settings":
            for name, help_text, default in settings_help():
                print(f"{name} (ONTMOET_{name.upper()}, default {default!r})\n    {help_text}")
            return 0
        if args.command in ("enrol", "sync", "status"):
            return _sync_command(config, args)
        size = parse_size(args.size)
        if args.command == "screenshots":
            return _screenshots(config, args, size)
        store = prepare_store(config, args.demo)
        config = with_enrolment(config, store)
        if args.demo and store.get_state("demo_events_on"):
            # Only a store that holds the demo: a real one keeps its real key or none.
            config = with_demo_key(config)
    except (ConfigError, StoreError, DemoError, ValueError) as exc:
        return _fail(str(exc))

    scale = args.scale if args.scale is not None else (1.0 if config.fullscreen else 0.5)
    os.environ.update(kivy_environment(size, scale, fullscreen=config.fullscreen))
    from kiosk.app import KioskApp  # imports Kivy: only now that its environment is set

    if config.fullscreen:  # the hall's panel: a laptop's demo keeps its mouse
        from kiosk.kivy_env import one_touch_provider

        one_touch_provider()
    KioskApp(config, store).run()
    return 0


def _scratch_copy(config: Config, scratch: Path) -> tuple[Config, Store]:
    source = open_store(config.db_path)
    copy = sqlite3.connect(scratch / "kiosk.db")
    source.conn.backup(copy)
    copy.close()
    source.close()
    photos = config.data_dir / "photos"
    if photos.is_dir():
        (scratch / "photos").symlink_to(photos)
    config = replace(config, data_dir=scratch)
    return config, open_store(config.db_path)


def _screenshots(config: Config, args: argparse.Namespace, size: tuple[int, int]) -> int:
    if not 0.1 <= args.scale <= 1.0:
        raise ValueError(f"--scale must be between 0.1 and 1, not {args.scale}")
    if args.lang:
        if args.lang not in SUPPORTED_LANGUAGES:
            raise ValueError(
                f"language {args.lang!r} is not available; choose from "
                f"{', '.join(SUPPORTED_LANGUAGES)}"
            )
        others = (x for x in config.languages if x != args.lang)
        config = replace(config, languages=(args.lang, *others))
    scratch = Path(tempfile.mkdtemp(prefix="ontmoet-shots-"))
    if args.demo:
        # A throwaway store, so the pictures always show the same demo, whatever is installed.
        config = replace(config, data_dir=scratch)
        store = prepare_store(config, demo=True)
        config = with_demo_key(config)
    else:
        # The screenshots walk the visitor journeys, which leave records (an interest, a
        # contact request, ...): they must never reach the real store, so work on a copy.
        config, store = _scratch_copy(config, scratch)
    os.environ.update(kivy_environment(size, 1.0, headless=True))
    from screens.capture import capture_all  # imports Kivy

    for path in capture_all(config, store, args.dir, mode=args.mode):
        print(_shrink(path, args.scale) if args.scale != 1.0 else path)
    return 0


def _shrink(path: Path, scale: float) -> Path:
    """The screenshot at ``scale`` as WebP (a fifth of the PNG's size), the PNG removed."""
    from PIL import Image

    target = path.with_suffix(".webp")
    with Image.open(path) as image:
        size = (round(image.width * scale), round(image.height * scale))
        image.convert("RGB").resize(size, Image.LANCZOS).save(target, quality=75, method=6)
    path.unlink()
    return target


if __name__ == "__main__":
    sys.exit(main())
