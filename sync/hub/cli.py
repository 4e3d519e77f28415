"""``ontmoet-hub``: set up, fill, run, back up and restore the hub.

Every command takes ``--data-dir`` (default: $ONTMOET_HUB_DIR) and never waits for input when
standard input is not a terminal. Problems end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import re
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync import protocol
from sync.hub import keys
from sync.hub import store as hub_store
from sync.hub.engine import (
    STORE_ERRORS,
    DatabaseSettingError,
    PgToolError,
    PostgresConnection,
    database_of,
    libpq_url,
    pg_tool,
    record_database,
)
from sync.hub.schema import HalfRestoredError, NewerStoreError
from sync.hub.settings import HubSettings, HubSettingsError, describe, load_settings

EXIT_USAGE = 2


class HubCliError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ontmoet-hub", description="The Ontmoet hub: the shared store of the kiosks."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=os.environ.get("ONTMOET_HUB_DIR") or None,
        help="the hub's folder (default: $ONTMOET_HUB_DIR)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", parents=[common], help="create the hub: keys, store, admin")
    init.add_argument("--admin", default="admin", help="name of the first admin account")
    init.add_argument(
        "--public-url",
        default="",
        help="public https address of the hub, where the QR codes point (default: as served)",
    )
    sub.add_parser("load-demo", parents=[common], help="load the demo municipality Lindewaard")
    sub.add_parser("settings", help="list the hub's settings, their variables and values")
    enrol = sub.add_parser("enrol-kiosk", parents=[common], help="one-time code for a kiosk")
    enrol.add_argument("name")
    enrol.add_argument("--hub-url", default="", help="the address kiosks reach the hub at")
    revoke = sub.add_parser("revoke-kiosk", parents=[common], help="end a kiosk's access now")
    revoke.add_argument("name")
    sub.add_parser("kiosks", parents=[common], help="list kiosks, their last sync and outbox")
    serve = sub.add_parser("serve", parents=[common], help="run the hub")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--public-url", default=None, help="overrides the one set at init")
    serve.add_argument("--log-level", default="info", choices=["warning", "info", "debug"])
    serve.add_argument(
        "--trusted-proxies", default=None, metavar="ADDRESSES",
        help="proxies whose X-Forwarded-For is believed, comma-separated addresses or "
        "networks (default: $ONTMOET_HUB_TRUSTED_PROXIES, else none)",
    )  # fmt: skip
    backup = sub.add_parser(
        "backup", parents=[common], help="copy the store to FILE, or to a new file in --dir"
    )
    backup.add_argument("file", type=Path, nargs="?")
    backup.add_argument(
        "--dir", type=Path, help="write hub-YYYYMMDD-HHMMSS.db (UTC) here and rotate old ones"
    )
    backup.add_argument(
        "--keep-days", type=int, default=BACKUP_KEEP_DAYS,
        help=f"with --dir: remove backups older than this (default {BACKUP_KEEP_DAYS})",
    )  # fmt: skip
    backup.add_argument(
        "--with-keys", action="store_true",
        help="also copy hub.key and hub.pub beside the backup: a restore on a new machine needs"
        " them (keep such a folder as safe as the hub itself)",
    )  # fmt: skip
    backup.add_argument(
        "--overwrite", action="store_true",
        help="with FILE: replace it (for a backup program that takes the same file each night)",
    )  # fmt: skip
    restore = sub.add_parser(
        "restore", parents=[common],
        help="replace the store with a backup (hub.db, or a pg_dump for a hub on PostgreSQL);"
        " starts a new epoch. Into an empty folder (a new machine) the keys beside the backup"
        " come along",
    )  # fmt: skip
    restore.add_argument("file", type=Path)
    restored = sub.add_parser(
        "restored", parents=[common],
        help="a hub on PostgreSQL after its database was restored (pg_restore, a base backup):"
        " a new epoch, and what must not go back in time carried over from --replaced",
    )  # fmt: skip
    restored.add_argument(
        "--replaced", metavar="URL",
        help="the database the hub used until the restore (renamed, say), to carry over from",
    )  # fmt: skip
    edit = sub.add_parser("edit-community", parents=[common], help="change fields of a community")
    edit.add_argument("id")
    edit.add_argument("changes", nargs="+", metavar="FIELD=JSON")
    delete = sub.add_parser("delete-community", parents=[common], help="delete a community")
    delete.add_argument("id")
    sub.add_parser("conflicts", parents=[common], help="list edit conflicts for the desk")
    sub.add_parser(
        "maintain", parents=[common],
        help="housekeeping: erase expired contact requests and old quarantined payloads,"
        " forget old tombstones, mail the admins about kiosks offline or with waiting records",
    )  # fmt: skip
    sub.add_parser("quarantine", parents=[common], help="list pushed records that were refused")
    account = sub.add_parser(
        "account", parents=[common],
        help="list desk accounts, or disable, enable, reset the password of, or log out one",
    )  # fmt: skip
    account.add_argument(
        "action", choices=["list", "disable", "enable", "reset-password", "end-sessions"]
    )
    account.add_argument("name", nargs="?", default="")
    export = sub.add_parser(
        "export", parents=[common],
        help="write the public records as open data (HSDS 3.0, or a spreadsheet)",
    )  # fmt: skip
    export.add_argument("--format", choices=["hsds", "json", "csv"], default="hsds")
    export.add_argument("path", type=Path, help="a folder, a .zip (hsds), a .json or a .csv")
    imp = sub.add_parser(
        "import", parents=[common],
        help="add or update communities from HSDS 3.0 or 2.0 data, or the desk's spreadsheet",
    )  # fmt: skip
    imp.add_argument("path", type=Path, help="a data package folder or .zip, a .json or a .csv")
    imp.add_argument("--dry-run", action="store_true", help="only say what would change")
    imp.add_argument("--source", default="", help="the source's name (default: the file's)")
    move = sub.add_parser(
        "migrate-store", parents=[common],
        help="copy the store into an empty PostgreSQL database, checked by counts and checksums",
    )  # fmt: skip
    move.add_argument("--to", required=True, metavar="URL", help="postgresql://USER@HOST/DB")
    return parser


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is None:
        raise HubCliError("say where the hub lives: --data-dir DIR or ONTMOET_HUB_DIR=DIR")
    return Path(args.data_dir)


def _open(args: argparse.Namespace) -> sqlite3.Connection:
    return hub_store.Hub(_data_dir(args)).conn


def cmd_init(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    database = database_of(data_dir)
    os.chmod(data_dir, 0o700)
    public = keys.create_keypair(data_dir)
    if database:  # a region's hub: its store in PostgreSQL, its keys in this folder
        conn = PostgresConnection(database)
        fresh = conn.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]
        record_database(data_dir, database)
    else:
        db_path = data_dir / hub_store.DB_NAME
        fresh = not db_path.exists()
        db_path.touch(mode=0o600)  # sealed contact details live in here: the hub's user only
        conn = hub_store.connect(db_path)
    hub_store.create_schema(conn)
    with hub_store.write(conn):
        if args.public_url:
            protocol.public_address("--public-url", args.public_url)
            hub_store.set_meta(conn, "public_url", args.public_url.rstrip("/"))
    has_admin = conn.execute("SELECT 1 FROM accounts WHERE role = 'admin'").fetchone()
    if not has_admin:
        password = _admin_password()
        with hub_store.write(conn):
            # A generated password was printed: it must be changed at the first login.
            conn.execute(
                "INSERT INTO accounts (username, password_hash, role, created_at,"
                " must_change_password) VALUES (?, ?, 'admin', ?, ?)",
                [args.admin, keys.hash_password(password[0]), hub_store.now_iso(),
                 int(password[1])],
            )  # fmt: skip
        if password[1]:
            print(f"Admin account '{args.admin}', password (shown once): {password[0]}")
    where = f"{data_dir}, its store in PostgreSQL" if database else str(data_dir)
    print(f"Hub {'created' if fresh else 'already set up'} in {where}")
    print(f"Public key (kiosks receive it when they enrol): {public}")
    return 0


def _admin_password() -> tuple[str, bool]:
    """(password, generated). Asks on a terminal; otherwise generates one to print once."""
    if sys.stdin.isatty():
        while True:
            first = getpass.getpass("Password for the admin account (12+ characters): ")
            if len(first) >= 12 and first == getpass.getpass("Again: "):
                return first, False
            print("Not the same, or shorter than 12 characters. Try again.")
    return keys.generate_password(), True


def demo_records() -> tuple[dict, list[dict], list[dict]]:
    """The kiosk's demo (assets/demo) as shared records: the same ids on hub and kiosks."""
    from kiosk.demo import read_demo  # the demo files and their checks are the kiosk's

    themes, neighbourhoods, gifts, communities, events = read_demo()
    taxonomy = {
        "id": "taxonomy",
        "themes": [{"slug": t.slug, "labels": t.labels} for t in themes],
        "neighbourhoods": [{"slug": t.slug, "labels": t.labels} for t in neighbourhoods],
        "gifts": [{"slug": t.slug, "labels": t.labels, "kind": t.kind} for t in gifts],
    }
    for community in communities:
        community["revision"] = 1
    event_records = [
        {
            "id": e.id,
            "community_id": e.community_id,
            "title": e.title,
            "starts_at": e.starts_at.isoformat(),
            "ends_at": e.ends_at.isoformat(),
            "place": e.place,
            "in_hall": e.in_hall,
        }
        for e in events
    ]
    return taxonomy, communities, event_records


def cmd_load_demo(args: argparse.Namespace) -> int:
    conn = _open(args)
    from sync.hub.photos import save_demo_photos

    save_demo_photos(_data_dir(args), conn)  # before the records that name them
    count = hub_store.load_records(conn, *demo_records())
    print(f"Loaded the demo: {count} communities of Lindewaard.")
    return 0


def cmd_enrol_kiosk(args: argparse.Namespace) -> int:
    conn = _open(args)
    code = hub_store.new_enrolment_code(conn, args.name)
    row = conn.execute("SELECT value FROM meta WHERE key = 'public_url'").fetchone()
    hub_url = args.hub_url or (row[0] if row else "")
    command = f"ontmoet-kiosk enrol {hub_url or 'HUB_URL'} {code}"
    print(f"One-time enrolment code for kiosk '{args.name}' (valid 24 hours): {code}")
    print(f"On the kiosk: {command}")
    import qrcode

    # The command (or, without a known address, the code) as a QR code on the terminal.
    matrix = qrcode.QRCode(border=2)
    matrix.add_data(command if hub_url else code)
    matrix.print_ascii(out=sys.stdout, invert=True)
    return 0


def cmd_revoke_kiosk(args: argparse.Namespace) -> int:
    if not hub_store.revoke_kiosk(_open(args), args.name):
        raise HubCliError(f"no kiosk named '{args.name}'")
    print(f"Kiosk '{args.name}' can no longer sync. Its data at the hub is kept.")
    return 0


def _json_lines(items) -> int:
    """One JSON object a line: easy to read, to grep and to feed to jq."""
    for item in items:
        print(json.dumps(item, ensure_ascii=False))
    return 0


def cmd_kiosks(args: argparse.Namespace) -> int:
    return _json_lines(hub_store.kiosks(_open(args)))


def cmd_serve(args: argparse.Namespace) -> int:
    import ipaddress
    import logging

    from sync.hub import server
    from sync.hub.app import create_app

    data_dir = _data_dir(args)
    conn = _open(args)
    hub_store.create_schema(conn)  # a store it may not serve is refused before anything
    row = conn.execute("SELECT value FROM meta WHERE key = 'public_url'").fetchone()
    settings = _settings(trusted_proxies=_list_option(args.trusted_proxies),
                         public_url=args.public_url)  # fmt: skip
    if not settings.public_url and row:  # the address set at init
        settings = dataclasses.replace(settings, public_url=row[0])
    public_url = settings.public_url  # empty: this machine only (below)
    try:
        loopback = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:  # a host name
        loopback = False
    if not public_url and not loopback:
        # Links (edit links, calendars, enrolment replies) are made from the public address
        # only, never from a Host header that a client chose.
        raise HubCliError(
            f"a hub served on {args.host} needs its public address: "
            "'ontmoet-hub serve --public-url https://...' (or 'init --public-url')"
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    app = create_app(data_dir, settings)
    server.serve(app, args.host, args.port, args.log_level, settings)
    return 0


def _list_option(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(p.strip() for p in text.split(",") if p.strip())


def _settings(**overrides) -> HubSettings:
    try:
        return load_settings(**overrides)
    except HubSettingsError as exc:
        raise HubCliError(str(exc)) from None


def cmd_settings(args: argparse.Namespace) -> int:
    """Every setting of the hub, its variable and its value here (a password never shown)."""
    return _json_lines(describe(_settings()))


def cmd_backup(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.dir is None):
        raise HubCliError("say where the backup goes: FILE, or --dir DIR")
    if args.keep_days < 1:
        raise HubCliError("--keep-days must be 1 or more")
    database = database_of(_data_dir(args))
    conn = _open(args)
    now = datetime.now(UTC)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = args.dir / now.strftime(f"{BACKUP_PREFIX}%Y%m%d-%H%M%S.db")
    else:
        target = args.file
    if args.overwrite and args.file is None:
        raise HubCliError("--overwrite goes with FILE, not with --dir")
    if target.exists() and not args.overwrite:
        raise HubCliError(f"{target} exists already; choose a new file")
    if args.with_keys:
        _check_keys_beside(_data_dir(args), target.parent)
    # Written beside the target and renamed over it: a backup program never reads half a copy.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created for the hub's user only from the first byte: it holds sealed contact details.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if database:  # PostgreSQL's own consistent copy: pg_restore reads it back
        _pg_dump(database, partial)
    else:
        # The copy takes every page as it is, free ones too: secure_delete zeroed erased rows
        # in them. The live WAL may still hold the frames that wrote those rows (an erasure's
        # own checkpoint held up by a reader): empty it now too, every night at least.
        hub_store.checkpoint_after_erasure(conn)
        copy = sqlite3.connect(partial)
        conn.backup(copy)  # a consistent copy while the hub keeps serving
        copy.close()
    os.replace(partial, target)
    from sync.hub.metrics import note_backup  # its age is in /metrics

    note_backup(conn)
    print(f"Backed up to {target}")
    if args.with_keys:
        _copy_keys(_data_dir(args), target.parent)
    from sync.hub.photos import backup_photos  # the groups' photos: files beside the store

    backup_photos(conn, _data_dir(args), target.parent)
    if args.dir is not None:
        for old in _expired_backups(args.dir, now - timedelta(days=args.keep_days)):
            old.unlink()
            print(f"Removed {old}, older than {args.keep_days} days")
    return 0


def _pg_dump(database: str, target: Path) -> None:
    """The hub's PostgreSQL database into ``target`` with pg_dump (custom format, one
    snapshot while the hub serves); 'ontmoet-hub restore' brings it back."""
    try:
        pg_tool("pg_dump", "--format=custom", "--file", str(target), libpq_url(database))
    except PgToolError as exc:
        target.unlink(missing_ok=True)
        raise HubCliError(str(exc)) from None


#: Backups in a --dir are kept as long as the longest consent a visitor can give (a year:
#: kiosk.contact.CONSENT_DAYS, which a test compares), so none outlives a consent it holds.
BACKUP_KEEP_DAYS = 365
BACKUP_PREFIX = "hub-"
# Ours (hub-20270301-031500.db), and those the first backup unit named (hub-20270301-0315.db).
_BACKUP_NAME = re.compile(r"hub-(\d{8}-\d{4}(?:\d{2})?)\.db")


def _expired_backups(folder: Path, before: datetime) -> list[Path]:
    """Backups in ``folder`` made before ``before``, by the time in their names (a copied
    file keeps it; its mtime would not). Files with other names are never touched."""
    found = []
    for path in folder.iterdir():
        match = _BACKUP_NAME.fullmatch(path.name)
        if match and path.is_file():
            stamp = match[1]
            made = datetime.strptime(stamp, "%Y%m%d-%H%M%S" if len(stamp) == 15 else "%Y%m%d-%H%M")
            if made.replace(tzinfo=UTC) < before:
                found.append(path)
    return sorted(found)


def _keys_in(folder: Path) -> tuple[str, str] | None:
    """(private, public) key files' text in ``folder``, or None when it has no hub.key."""
    try:
        return ((folder / keys.PRIVATE_KEY).read_text(), (folder / keys.PUBLIC_KEY).read_text())
    except FileNotFoundError:
        return None


def _check_keys_beside(data_dir: Path, folder: Path) -> None:
    beside = _keys_in(folder)
    if beside is not None and beside != _keys_in(data_dir):
        raise HubCliError(f"{folder} holds another hub's keys: give this hub's backups a folder")


def _copy_keys(source: Path, folder: Path) -> None:
    """The hub's keys into ``folder``, each file 0600 from its first byte, renamed into place."""
    found = _keys_in(source)
    if found is None:
        raise HubCliError(f"{source} has no {keys.PRIVATE_KEY}: there are no keys to copy")
    for name, text in zip((keys.PRIVATE_KEY, keys.PUBLIC_KEY), found, strict=True):
        partial = folder / f".{name}.partial"
        partial.unlink(missing_ok=True)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(text)
        os.replace(partial, folder / name)


def _holds_data(conn: sqlite3.Connection) -> bool:
    """Whether a hub has been used: a kiosk enrolled, a record pushed or a community added."""
    return any(
        conn.execute(sql).fetchone()
        for sql in ("SELECT 1 FROM kiosks", "SELECT 1 FROM visitor_records",
                    "SELECT 1 FROM shared_records WHERE entity = 'community'")
    )  # fmt: skip


def cmd_restore(args: argparse.Namespace) -> int:
    """Copy a backup over the store, with a new epoch (SYNC.md rule 11): every kiosk then
    pulls from zero and pushes again what the restored hub lacks.

    Over this hub's own store, what must not go back in time is carried over (revocations,
    accounts, erasures: hub_store.CARRIED_OVER). On a new machine (an empty folder, or a hub
    that ``init`` just made, with other keys and nothing in it) the backup comes back whole:
    its kiosks, accounts and keys, so the kiosks carry on without enrolling again."""
    data_dir = _data_dir(args)
    if database := database_of(data_dir):
        return _restore_postgresql(args, data_dir, database)
    if _is_dump(args.file):
        raise HubCliError(
            f"{args.file} is a pg_dump, of a hub on PostgreSQL: first make the hub on its new "
            "database (ONTMOET_HUB_DATABASE=postgresql://... ontmoet-hub init), then restore"
        )
    try:
        source = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
        hub_store.meta(source, "epoch")
    except (sqlite3.Error, hub_store.HubStoreError) as exc:
        raise HubCliError(f"{args.file} is not a hub backup ({exc})") from None
    backup_keys = _keys_in(Path(args.file).parent)
    new_machine = not (data_dir / hub_store.DB_NAME).exists()
    if not new_machine and backup_keys is not None and backup_keys != _keys_in(data_dir):
        if _holds_data(_open(args)):
            raise HubCliError(
                f"{data_dir} holds another hub (other keys, kiosks or records): restore into "
                "an empty folder, or into a hub that 'init' just made"
            )
        new_machine = True  # e.g. the hub install-hub.sh just made: replaced whole
    if new_machine:
        if backup_keys is None:
            raise HubCliError(
                f"no {keys.PRIVATE_KEY} beside {args.file}: without it the contact details "
                "the kiosks sealed cannot be opened (back up with --with-keys)"
            )
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)
        _copy_keys(Path(args.file).parent, data_dir)
        (data_dir / hub_store.DB_NAME).touch(mode=0o600)
    conn = hub_store.connect(data_dir / hub_store.DB_NAME)
    with tempfile.TemporaryDirectory(dir=data_dir) as scratch:
        staged_path = Path(scratch) / "staged.db"
        staged = sqlite3.connect(staged_path, isolation_level=None)
        source.backup(staged)
        hub_store.create_schema(staged)  # a backup from an older hub gets the newer tables
        staged.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", [hub_store.new_epoch()])
        if not new_machine:  # a new machine's store has nothing to keep
            hub_store.carry_over_on_restore(conn, staged)
        staged.backup(conn)  # one step: the hub serves the old store or the restored one
        staged.close()
    source.close()
    from sync.hub.photos import restore_photos  # the photos beside the backup, if any

    restore_photos(Path(args.file).parent, data_dir)
    print(f"Restored from {args.file}; new epoch {hub_store.meta(conn, 'epoch')}")
    if new_machine:
        kiosks = conn.execute("SELECT count(*) FROM kiosks").fetchone()[0]
        accounts = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        print(f"On a new machine: {kiosks} kiosks, {accounts} accounts and the hub's keys back.")
    return 0


def _is_dump(path: Path) -> bool:
    from sync.hub.restore_postgresql import is_dump

    try:
        return is_dump(path)
    except OSError as exc:
        raise HubCliError(f"cannot read {path}: {exc.strerror}") from None


def _restore_postgresql(args: argparse.Namespace, data_dir: Path, database: str) -> int:
    """cmd_restore for a hub on PostgreSQL: FILE is what 'ontmoet-hub backup' made, a pg_dump
    (the nightly one in restic is named hub.db too), with the keys and photos beside it."""
    from sync.hub import restore_postgresql
    from sync.hub.photos import restore_photos

    dump = Path(args.file)
    if not _is_dump(dump):
        raise HubCliError(
            f"{dump} is not a pg_dump: this hub's store is in PostgreSQL, and its backups "
            "are what 'ontmoet-hub backup' made of it"
        )
    try:
        # A store that was never used (the hub install-hub.sh just made on a new machine, or
        # a restore onto one cut off before) has nothing to keep: the backup comes back whole.
        new_machine = not restore_postgresql.in_use(database, _holds_data)
    except restore_postgresql.RestoreError as exc:
        raise HubCliError(str(exc)) from None
    backup_keys = _keys_in(dump.parent)
    other_keys = backup_keys is not None and backup_keys != _keys_in(data_dir)
    if other_keys and not new_machine:
        raise HubCliError(
            f"{data_dir} holds another hub (other keys, kiosks or records): restore into "
            "a hub that 'init' just made"
        )
    try:
        epoch = restore_postgresql.restore_dump(database, dump, carry_over=not new_machine)
    except restore_postgresql.RestoreError as exc:
        raise HubCliError(str(exc)) from None
    if other_keys:  # only now: a restore that failed leaves this hub's own keys with its store
        _copy_keys(dump.parent, data_dir)
    conn = _open(args)
    restore_photos(dump.parent, data_dir, conn)
    print(f"Restored from {dump}; new epoch {epoch}")
    if new_machine:
        kiosks = conn.execute("SELECT count(*) FROM kiosks").fetchone()[0]
        accounts = conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
        print(f"On a new machine: {kiosks} kiosks, {accounts} accounts and the hub's keys back.")
    else:
        print(f"Carried over from the replaced store: {', '.join(hub_store.CARRIED_OVER)}, "
              "and every erasure made since the backup.")  # fmt: skip
    return 0


def cmd_restored(args: argparse.Namespace) -> int:
    """SYNC.md rule 11 for a hub on PostgreSQL, whose backups PostgreSQL's own tools make and
    restore: after the restore, a new epoch (every kiosk pulls from zero and pushes again
    what the restored store lacks) and, from the database the restore replaced, whatever must
    not go back in time (hub_store.CARRIED_OVER: revocations, accounts, erasures)."""
    database = database_of(_data_dir(args))
    if not database:
        raise HubCliError("this hub's store is SQLite: 'ontmoet-hub restore FILE' does all this")
    conn = PostgresConnection(database)
    hub_store.create_schema(conn)  # a backup from an older Ontmoet gets the newer tables
    if args.replaced:
        if libpq_url(args.replaced) == libpq_url(database):
            raise HubCliError("--replaced is the restored database itself: name the old one")
        replaced = PostgresConnection(args.replaced)
        if replaced.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
            raise HubCliError(
                "--replaced holds no hub's store: name the database the hub used until the "
                "restore; nothing was changed"
            )
        hub_store.meta(replaced, "epoch")  # a hub's store, or a clear word that it is not
    with hub_store.write(conn):  # what is carried over and the new epoch, or neither
        if args.replaced:
            hub_store.carry_over(replaced, conn)
            replaced.close()
        conn.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", [hub_store.new_epoch()])
    print(f"New epoch {hub_store.meta(conn, 'epoch')}: every kiosk pulls from zero and sends "
          "again what the restored store lacks.")  # fmt: skip
    if args.replaced:
        print(f"Carried over from the replaced store: {', '.join(hub_store.CARRIED_OVER)}, "
              "and every erasure made since the backup.")  # fmt: skip
    else:
        print("Nothing carried over (no --replaced): revocations, accounts and erasures made "
              "after the backup are as the backup had them; check them at the desk.")  # fmt: skip
    return 0


def cmd_edit_community(args: argparse.Namespace) -> int:
    changes = {}
    for item in args.changes:
        name, sep, value = item.partition("=")
        if not sep:
            raise HubCliError(f"'{item}' is not FIELD=JSON")
        try:
            changes[name] = json.loads(value)
        except json.JSONDecodeError:
            changes[name] = value  # plain text needs no quotes
    checked = protocol.community_changes("changes", changes)
    conn = _open(args)
    with hub_store.write(conn):
        base = hub_store.community_revision(conn, args.id)
        if not base:
            raise HubCliError(f"no community with id {args.id}")
        outcome = hub_store.edit_community(conn, args.id, checked, base, "hub")
    print(f"Community {args.id} is at revision {outcome.revision}.")
    return 0


def cmd_delete_community(args: argparse.Namespace) -> int:
    conn = _open(args)
    with hub_store.write(conn):
        if not hub_store.delete_shared(conn, "community", args.id):
            raise HubCliError(f"no community with id {args.id}")
    print(f"Deleted community {args.id}; kiosks remove it on their next sync.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sync.hub.hsds import export

    return export.cli(args, _open(args))


def cmd_import(args: argparse.Namespace) -> int:
    from sync.hub.hsds import importer

    return importer.cli(args, _open(args))


def _has_password(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).password)
    except ValueError:  # not a URL at all: move() says so
        return False


def cmd_migrate_store(args: argparse.Namespace) -> int:
    from sync.hub.move_store import MoveStoreError, move

    data_dir = _data_dir(args)
    if _has_password(args.to):
        print("ontmoet-hub: the password in --to can be read by every user of this machine"
              " (ps); leave it out and put it in a password file the address names"
              " (?passfile=FILE), which PostgreSQL reads itself", file=sys.stderr)  # fmt: skip
    if database_of(data_dir, {}):
        raise HubCliError(f"the hub in {data_dir} is in PostgreSQL already")
    try:
        moved = move(data_dir / hub_store.DB_NAME, args.to)
    except MoveStoreError as exc:
        raise HubCliError(str(exc)) from exc
    # From now on every command on this folder, and the hub, use PostgreSQL; the old file
    # must not be served again, nor kept: it holds contact details that may be withdrawn.
    record_database(data_dir, args.to)
    left = data_dir / f"{hub_store.DB_NAME}.moved-to-postgresql"
    (data_dir / hub_store.DB_NAME).rename(left)
    for suffix in ("-wal", "-shm"):
        (data_dir / f"{hub_store.DB_NAME}{suffix}").unlink(missing_ok=True)
    from sync.hub.photos import share_photos

    # The photos into the store too: the hub's processes on other machines find them there.
    # Not done now (the database went away): each hub process puts them there as it sweeps.
    target = None
    try:
        target = PostgresConnection(args.to)
        photos = f"{share_photos(target, data_dir)} photos in use are in it too."
    except (*STORE_ERRORS, OSError) as exc:
        photos = f"The photos are not in it yet ({exc}); the hub puts them there as it runs."
    finally:
        if target is not None:
            target.close()
    for done in moved:
        print(f"{done.table:<24} {done.rows:>9} rows  sha256 {done.checksum[:16]}")
    rows = sum(done.rows for done in moved)
    print(f"Moved {rows} rows in {len(moved)} tables; every table's count and checksum are "
          f"equal in PostgreSQL. {photos} The keys stay in {data_dir}.")  # fmt: skip
    print(f"The hub in {data_dir} now uses PostgreSQL. The old store is {left}: delete it "
          "once the hub serves from PostgreSQL (it still holds contact details a visitor "
          "may withdraw).")  # fmt: skip
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    return _json_lines(hub_store.conflicts(_open(args)))


def cmd_quarantine(args: argparse.Namespace) -> int:
    rows = _open(args).execute(
        "SELECT kiosk, device_seq, problem, received_at, payload FROM pushed_ops"
        " WHERE status = 'quarantined' ORDER BY received_at"
    )
    return _json_lines(
        {"kiosk": kiosk, "device_seq": seq, "problem": problem, "received_at": received,
         "payload": json.loads(payload) if payload else None}  # None: forgotten (purge)
        for kiosk, seq, problem, received, payload in rows
    )  # fmt: skip


def cmd_maintain(args: argparse.Namespace) -> int:
    from sync.hub import desk_store

    conn = _open(args)
    hub_store.create_schema(conn)  # an older store gets the tables it lacks
    erased = desk_store.purge_expired(conn)  # also old quarantined payloads, and checkpoints
    purged = hub_store.purge_tombstones(conn)
    print(f"Erased {erased} contact requests whose period ended.")
    print(f"Forgot {purged} tombstones older than {hub_store.TOMBSTONE_DAYS} days.")
    from sync.hub import alerts  # the hub's loop checks too: each change is still mailed once

    settings = _settings()
    row = conn.execute("SELECT value FROM meta WHERE key = 'public_url'").fetchone()
    sent = alerts.check(conn, settings, settings.public_url or (row[0] if row else ""))
    print(f"Sent {sent} alert mails about kiosks.")
    return 0


def cmd_account(args: argparse.Namespace) -> int:
    """Account management for an admin at the hub's console: also when nobody can log in."""
    from sync.hub import desk_store

    conn = _open(args)
    if args.action == "list":
        return _json_lines(desk_store.accounts(conn))
    if not args.name:
        raise HubCliError(f"say which account: ontmoet-hub account {args.action} NAME")
    actor = "console"
    try:
        if args.action in ("disable", "enable"):
            desk_store.set_disabled(conn, actor, args.name, args.action == "disable")
            print(f"Account '{args.name}' {args.action}d.")
        elif args.action == "reset-password":
            password = desk_store.reset_password(conn, actor, args.name)
            print(f"New password for '{args.name}' (shown once; to be changed at the next "
                  f"login): {password}")  # fmt: skip
        else:
            ended = desk_store.end_sessions(conn, actor, args.name)
            print(f"Ended {ended} sessions of '{args.name}'.")
    except desk_store.AccountRefused as refused:
        raise HubCliError(str(refused)) from None
    return 0


COMMANDS = {
    "settings": cmd_settings,
    "account": cmd_account,
    "maintain": cmd_maintain,
    "init": cmd_init,
    "load-demo": cmd_load_demo,
    "enrol-kiosk": cmd_enrol_kiosk,
    "revoke-kiosk": cmd_revoke_kiosk,
    "kiosks": cmd_kiosks,
    "serve": cmd_serve,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "restored": cmd_restored,
    "edit-community": cmd_edit_community,
    "delete-community": cmd_delete_community,
    "conflicts": cmd_conflicts,
    "export": cmd_export,
    "import": cmd_import,
    "quarantine": cmd_quarantine,
    "migrate-store": cmd_migrate_store,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (HubCliError, hub_store.HubStoreError, keys.HubKeyError, protocol.ProtocolError,
            NewerStoreError, HalfRestoredError, DatabaseSettingError) as exc:  # fmt: skip
        print(f"ontmoet-hub: {exc}", file=sys.stderr)
    except STORE_ERRORS as exc:
        print(f"ontmoet-hub: the hub's store cannot be used: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"ontmoet-hub: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
