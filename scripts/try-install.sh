#!/usr/bin/env bash
# Tries the install scripts as the README says, in a clean Debian 12 root made with mmdebstrap
# (as root; packages from Debian's archive, Python packages from PyPI; some minutes):
#
#   scripts/try-install.sh [--postgresql] [WORK_DIR]
#
# The wheel is built (and a second one, version +0.0.1, for the upgrade); in the root:
# install-hub.sh NAME, again (nothing may change), the hub answers, the backup unit's own
# commands make an encrypted snapshot, restore-hub.sh brings it back, --upgrade, --rollback;
# then install-kiosk.sh, again (nothing may change), ontmoet-kiosk status as the service user,
# --upgrade, --rollback. No systemd runs in a root: units are enabled, not started. Each step
# prints how long it took. The root stays in WORK_DIR (default /var/tmp/ontmoet-try).
# --postgresql: a region's hub instead, its store in PostgreSQL from Debian in the same root
# (install-hub.sh --database, a password file; the backups are pg_dumps), and no kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run me as root" >&2; exit 1; }
command -v mmdebstrap >/dev/null || apt-get install -y -qq mmdebstrap >/dev/null

postgresql=no
if [ "${1:-}" = --postgresql ]; then postgresql=yes; shift; fi
work=${1:-/var/tmp/ontmoet-try}
root=$work/root
release=$work/release
rm -rf "$work"
mkdir -p "$release/dist"

step_started=$SECONDS
step() { echo "== $* (at $((SECONDS - step_started)) s)"; }

step "build the wheels"
# Both from the last commit (not from files being edited).
mkdir -p "$work/this"
git archive HEAD | tar -x -C "$work/this"
.venv/bin/python -m pip wheel --quiet --no-deps -w "$release/dist" "$work/this" 2>"$work/build.log"
cp -r "$work/this" "$work/next"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
next=${version%.*}.$((${version##*.} + 1))
sed -i "s/^version = \"$version\"/version = \"$next\"/" "$work/next/pyproject.toml"
# The next version migrates both stores, so a rollback has to bring the older data back.
for schema in kiosk/schema.py sync/hub/schema.py; do
    printf '\n\n@migration\ndef m999_try_install(db):\n    db.execute("CREATE TABLE try_install_upgrade (x TEXT) STRICT")\n' \
        >>"$work/next/$schema"
done
# ... and a hub's store in PostgreSQL, through an Alembic revision after the last one.
versions=$work/next/sync/hub/migrations/versions
head=$(find "$versions" -name '[0-9][0-9][0-9][0-9]_*.py' -printf '%f\n' | sort | tail -n 1 | cut -c1-4)
cat >"$versions/9999_try_install.py" <<EOF
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "$head"


def upgrade():
    op.create_table("try_install_upgrade", sa.Column("x", sa.Text()))
EOF
.venv/bin/python -m pip wheel --quiet --no-deps -w "$work/next-dist" "$work/next" 2>>"$work/build.log"
cp -r "$work/this/deploy" "$work/this/requirements" "$release/"

step "mmdebstrap a bookworm root"
mmdebstrap --quiet --variant=apt \
    --include=ca-certificates,python3,systemd,systemd-sysv,passwd,procps,udev \
    bookworm "$root"
# A GRUB settings file as Debian's installer leaves it (no boot loader is installed here).
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' \
    >"$root/etc/default/grub"
cp -r "$release" "$root/srv/ontmoet"
cp "$work"/next-dist/*.whl "$root/srv/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's own certificate authorities (a TLS-inspecting proxy's, say), as a
# municipality's machine behind one would have them: pip checks PyPI's certificate.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
fi

mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t sysfs sys "$root/sys"
cleanup() {
    if [ "$postgresql" = yes ]; then in_root pg_ctlcluster 15 main stop -m fast 2>/dev/null || true; fi
    umount -R "$root/dev" "$root/proc" "$root/sys" 2>/dev/null || true
}
trap cleanup EXIT
# A clean environment, as on a machine of its own (nothing of this one's pip settings).
in_root() {
    chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 "$@"
}
# What a run may change: settings, programs, users, data, units.
manifest() {
    { in_root find /etc /opt /usr/local/bin /var/lib/ontmoet /var/lib/ontmoet-hub /var/backups \
        -xdev -printf '%p %m %u %g %s %T@\n' 2>/dev/null || true; } | sort
}
next_wheel=/srv/$(basename "$work"/next-dist/*.whl)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

hub_args=(ontmoet.test)
if [ "$postgresql" = yes ]; then
    step "PostgreSQL from Debian in the root: a user with a password and a database for the hub"
    # No init runs in the root: nothing starts on its own; the cluster is started by hand,
    # on a free port of this machine (the root shares its network).
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    in_root apt-get update -qq
    in_root apt-get install -y -qq postgresql >/dev/null
    rm "$root/usr/sbin/policy-rc.d"
    pg_port=$(free_port)
    in_root pg_conftool 15 main set port "$pg_port"
    in_root pg_ctlcluster 15 main start
    in_root runuser -u postgres -- psql -q -c "CREATE ROLE ontmoet LOGIN PASSWORD 'try-install'"
    in_root runuser -u postgres -- createdb --owner ontmoet ontmoet
    # As docs/postgresql.md says: the password in a file; install-hub.sh gives it to the hub.
    mkdir -p "$root/etc/ontmoet"
    echo "localhost:$pg_port:ontmoet:ontmoet:try-install" >"$root/etc/ontmoet/pgpass"
    hub_args+=(--database "postgresql://ontmoet@localhost:$pg_port/ontmoet?passfile=/etc/ontmoet/pgpass")
fi

step "install-hub.sh ${hub_args[*]} (first run)"
in_root /srv/ontmoet/deploy/install-hub.sh "${hub_args[@]}"
manifest >"$work/hub-1"
step "install-hub.sh ${hub_args[*]} (second run: nothing may change)"
in_root /srv/ontmoet/deploy/install-hub.sh "${hub_args[@]}"
manifest >"$work/hub-2"
diff "$work/hub-1" "$work/hub-2" && echo "unchanged"

step "the hub answers, Caddy reads its file, the backup unit's commands run"
# The hub of this root (its own process group, a free port), and no other: its epoch is asked.
port=$(free_port)
setsid chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u ontmoet-hub -- \
    env ONTMOET_HUB_DIR=/var/lib/ontmoet-hub \
    /opt/ontmoet/hub/current/bin/ontmoet-hub serve --port "$port" --log-level warning &
serving=$!
# (asked as the hub's user, with the hub's own code: files SQLite makes beside the store stay
# the hub's, and a store in PostgreSQL is found as the hub finds it)
in_root runuser -u ontmoet-hub -- /opt/ontmoet/hub/current/bin/python - "$port" <<'EOF'
import json, sys, time, urllib.request
from sync.hub.store import Hub, meta
epoch = meta(Hub("/var/lib/ontmoet-hub").conn, "epoch")
for _ in range(100):
    try:
        health = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health").read()
        break
    except OSError:
        time.sleep(0.2)
else:
    raise SystemExit("the hub did not answer")
assert json.loads(health)["epoch"] == epoch, "another hub answered"
print(health.decode())
EOF
kill -- -"$serving" || kill "$serving" || true
wait "$serving" || true
in_root caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile 2>&1 | tail -n 1
# shellcheck disable=SC2016  # expanded in the root
in_root bash -c '
    set -euo pipefail
    set -a; . /etc/ontmoet/hub.env; . /etc/ontmoet/backup.env; set +a
    export RESTIC_CACHE_DIR=/var/cache/ontmoet-hub-backup
    sed -n "s/^ExecStart=//p" /etc/systemd/system/ontmoet-hub-backup.service |
    while read -r line; do
        echo "+ $line"
        runuser -u ontmoet-hub --preserve-environment -- $line </dev/null
    done
    runuser -u ontmoet-hub --preserve-environment -- restic snapshots --compact
'
in_root /srv/ontmoet/deploy/restore-hub.sh

# A region's hub: its database's schemas and the next version's table (after the upgrade: there).
pg_tables() {
    in_root runuser -u ontmoet-hub -- psql -Atq \
        -c "SELECT 'schemas: ' || string_agg(nspname, ' ') FROM pg_namespace
            WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'" \
        -c "SELECT 'try_install_upgrade: ' || coalesce(to_regclass('try_install_upgrade')::text, 'gone')" \
        "postgresql://ontmoet@localhost:$pg_port/ontmoet?passfile=/etc/ontmoet/pgpass"
}
as_hub() {
    in_root runuser -u ontmoet-hub -- env ONTMOET_HUB_DIR=/var/lib/ontmoet-hub \
        /opt/ontmoet/hub/current/bin/ontmoet-hub "$@"
}
step "install-hub.sh --upgrade to $next (the store migrates), then --rollback"
in_root /srv/ontmoet/deploy/install-hub.sh --upgrade --wheel "$next_wheel"
in_root readlink /opt/ontmoet/hub/current /opt/ontmoet/hub/previous
as_hub maintain >/dev/null  # as the new version's start would: the store migrates
if [ "$postgresql" = yes ]; then pg_tables; fi
in_root /srv/ontmoet/deploy/install-hub.sh --rollback
in_root readlink /opt/ontmoet/hub/current /opt/ontmoet/hub/previous
as_hub maintain  # the old version refuses a newer store: it must read this one
if [ "$postgresql" = yes ]; then
    pg_tables  # the store set aside during the restores is gone; the old version's tables are back
    step "done (a region's hub: no kiosk in this run)"
    exit 0
fi

step "install-kiosk.sh (first run)"
in_root /srv/ontmoet/deploy/install-kiosk.sh
manifest >"$work/kiosk-1"
step "install-kiosk.sh (second run: nothing may change)"
in_root /srv/ontmoet/deploy/install-kiosk.sh
manifest >"$work/kiosk-2"
diff "$work/kiosk-1" "$work/kiosk-2" && echo "unchanged"
in_root runuser -u ontmoet -- env ONTMOET_DATA_DIR=/var/lib/ontmoet \
    /opt/ontmoet/kiosk/current/bin/ontmoet-kiosk status
in_root id ontmoet
in_root systemctl is-enabled ontmoet-kiosk.service getty@tty1.service || true
in_root systemctl get-default
grep -H . "$root/etc/sysctl.d/90-ontmoet-kiosk.conf" "$root/etc/udev/rules.d/70-ontmoet-backlight.rules" | cut -c1-120
grep -H CMDLINE_LINUX_DEFAULT "$root/etc/default/grub"
stat -c '%n %a %U' "$root/var/lib/ontmoet" "$root/var/lib/ontmoet-hub"

kiosk_status() {
    in_root runuser -u ontmoet -- env ONTMOET_DATA_DIR=/var/lib/ontmoet \
        /opt/ontmoet/kiosk/current/bin/ontmoet-kiosk status
}
step "install-kiosk.sh --upgrade to $next (the store migrates), then --rollback"
in_root /srv/ontmoet/deploy/install-kiosk.sh --upgrade --wheel "$next_wheel"
in_root readlink /opt/ontmoet/kiosk/current /opt/ontmoet/kiosk/previous
kiosk_status >/dev/null  # as the new version's start would: the store migrates
in_root /srv/ontmoet/deploy/install-kiosk.sh --rollback
in_root readlink /opt/ontmoet/kiosk/current /opt/ontmoet/kiosk/previous
kiosk_status  # the old version refuses a newer store: it must read this one
du -sh "$root/opt/ontmoet/hub" "$root/opt/ontmoet/kiosk"
step "done"
