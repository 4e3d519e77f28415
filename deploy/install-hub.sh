#!/usr/bin/env bash
# Makes a bare Debian 12 machine an Ontmoet hub, behind Caddy with HTTPS.
#
#   sudo deploy/install-hub.sh NAME [--cert FILE --key FILE] [--database URL] [--wheel FILE]
#           install (or check and repair); NAME is the hub's public name, e.g.
#           ontmoet.example-gemeente.nl. Caddy gets its certificate itself, or uses the
#           municipality's own with --cert and --key (PEM files). A region's hub keeps its
#           store in PostgreSQL: --database postgresql://USER@HOST/DB?passfile=FILE at the
#           first install (docs/postgresql.md); without it, SQLite in the hub's folder
#   sudo deploy/install-hub.sh --upgrade [NAME] [--wheel FILE]
#           a new version: the hub is stopped, backed up, switched, started (it migrates)
#   sudo deploy/install-hub.sh --rollback
#           back to the version before the upgrade, and to the store as it was then
#   deploy/install-hub.sh --print-caddyfile NAME [--cert FILE --key FILE]
#           only show the Caddyfile that would be installed
#
# It sets up: the service user 'ontmoet-hub', Caddy and restic from Debian, the app from the
# wheel with the locked dependencies (/opt/ontmoet/hub), /var/lib/ontmoet-hub (0700) and a
# hub made by 'ontmoet-hub init' on the first install only, /etc/ontmoet/hub.env and
# backup.env (only if absent), a password for the encrypted backups, /etc/caddy/Caddyfile,
# and the hub, its nightly backup and Caddy enabled. A second run changes nothing.
set -euo pipefail
# shellcheck source=deploy/install-common.sh
. "$(dirname "$0")/install-common.sh"

PART=hub
USER_NAME=ontmoet-hub
DATA=/var/lib/ontmoet-hub
BACKUPS=/var/backups/ontmoet-hub  # latest/ (tonight's copy), restic/ (the default repository)
SAVES=$BACKUPS/upgrades           # the store as it was before each upgrade
UNIT=ontmoet-hub.service
DEBS=(python3-venv caddy restic postgresql-client)  # pg_dump: for a hub on PostgreSQL
TLS_DIR=/etc/ontmoet/tls

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

mode=install wheel="" name="" cert="" key="" database=""
while [ $# -gt 0 ]; do
    case "$1" in
        --upgrade) mode=upgrade ;;
        --rollback) mode=rollback ;;
        --print-caddyfile) mode=print ;;
        --wheel) [ $# -ge 2 ] || usage; wheel=$2; shift ;;
        --cert) [ $# -ge 2 ] || usage; cert=$2; shift ;;
        --key) [ $# -ge 2 ] || usage; key=$2; shift ;;
        --database) [ $# -ge 2 ] || usage; database=$2; shift ;;
        -h | --help) usage ;;
        -*) say "Unknown option: $1"; usage ;;
        *) [ -z "$name" ] || usage; name=$1 ;;
    esac
    shift
done
if [ -n "$cert$key" ] && { [ -z "$cert" ] || [ -z "$key" ]; }; then
    die "--cert and --key go together"
fi
if [ -n "$database" ] && ! [[ $database =~ ^postgres(ql)?://[^[:space:]]+$ ]]; then
    die "--database takes a PostgreSQL address: postgresql://USER@HOST/DB?passfile=FILE"
fi
if [[ $database =~ ://[^/@]*:[^/@]*@ || $database =~ [?\&]password= ]]; then
    die "no password in the address (every local user can read a command line): put it in a password file named by ?passfile=FILE (docs/postgresql.md)"
fi
if [ -n "$name" ] && ! [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ && $name == *.* ]]; then
    die "'$name' is not a host name like ontmoet.example-gemeente.nl (no https://, no path)"
fi

# deploy/Caddyfile with the name, and a tls line for the municipality's own certificate.
caddyfile() {
    local edits=(-e "s|^ontmoet\.example-gemeente\.nl {|$name {|")
    # The municipality's certificate (given now, or installed by an earlier run); without it
    # the tls line stays a comment: automatic HTTPS.
    if [ -n "$cert" ] || [ -f "$TLS_DIR/hub.crt" ]; then edits+=(-e "s|^\(\s*\)#tls |\1tls |"); fi
    sed "${edits[@]}" "$HERE/Caddyfile"
}

if [ "$mode" = print ]; then
    [ -n "$name" ] || die "say the hub's public name"
    caddyfile
    exit 0
fi

need_root
check_system

as_hub() { runuser -u "$USER_NAME" -- env ONTMOET_HUB_DIR="$DATA" "$@"; }
stop_hub() { if systemd_running; then systemctl stop "$UNIT"; fi; }
start_hub() { if systemd_running; then systemctl start "$UNIT"; fi; }

# A consistent copy of the store (and its photos) with a release's own backup command.
# A region's hub (its store in PostgreSQL): 'backup' runs pg_dump, and the copy is hub.dump.
saved_store() { if [ -f "$DATA/database" ]; then echo hub.dump; else echo hub.db; fi; }
backup_with() {
    local program=$1 folder=$2
    install -d -o "$USER_NAME" -g "$USER_NAME" -m 0700 "$SAVES" "$folder" || return 1
    as_hub "$program" backup "$folder/$(saved_store)" >/dev/null || return 1
    say "Backed up the hub's store to $folder"
    # Only the latest copy of each kind stays (and the backup unit removes it after 30 days).
    prune_saves "$SAVES" "${folder##*/}"
}

rollback() {
    local now old saved
    now=$(release_of current) old=$(release_of previous)
    [ -n "$old" ] || die "there is no previous version to roll back to"
    saved=$(find "$SAVES" -maxdepth 1 -name "upgrade-$old-to-$now-*" | sort | tail -n 1)
    if [ -z "$saved" ] || [ ! -f "$saved/$(saved_store)" ]; then
        die "no copy of the store from before the upgrade to $now in $SAVES"
    fi
    stop_hub
    if ! backup_with "$OPT/$PART/current/bin/ontmoet-hub" \
            "$SAVES/rolled-back-$now-$(date -u +%Y%m%d-%H%M%S)"; then
        start_hub
        die "the backup before the rollback failed (above): still version $now"
    fi
    # The older version's own restore: a new epoch, so every kiosk pushes again what the store
    # lacks; accounts, revocations and erasures since the upgrade are carried over.
    if ! as_hub "$OPT/$PART/releases/$old/bin/ontmoet-hub" restore "$saved/$(saved_store)"; then
        start_hub
        die "version $old could not restore $saved (above): still version $now"
    fi
    point current "$old"
    point previous "$now"
    start_hub
    say "Rolled back from $now to $old (--upgrade goes forward again)."
}

if [ "$mode" = rollback ]; then
    rollback
    exit 0
fi

[ -f "$DATA/hub.db" ] || [ -f "$DATA/database" ] || [ -n "$name" ] ||
    die "the first install needs the hub's public name: $0 NAME (e.g. ontmoet.example-gemeente.nl)"
install_debs "${DEBS[@]}"
ensure_user "$USER_NAME"
ensure_dir "$DATA" "$USER_NAME:$USER_NAME" 0700
ensure_dir "$BACKUPS" "$USER_NAME:$USER_NAME" 0700
ensure_dir "$BACKUPS/latest" "$USER_NAME:$USER_NAME" 0700
ensure_dir "$SAVES" "$USER_NAME:$USER_NAME" 0700
ensure_dir /etc/ontmoet root:root 0755
# Settings may hold the SMTP password: the hub's user reads them, nobody else.
install_config "$HERE/hub.env" /etc/ontmoet/hub.env 0640
install_config "$HERE/backup.env" /etc/ontmoet/backup.env 0640
for file in /etc/ontmoet/hub.env /etc/ontmoet/backup.env; do
    [ "$(stat -c %G "$file")" = "$USER_NAME" ] || chgrp "$USER_NAME" "$file"
done
# A region's hub: the database in hub.env, for init below and for the service. Only on the first
# install; later the hub's folder says where its store is ('migrate-store' moves it).
if [ -n "$database" ]; then
    recorded=$(cat "$DATA/database" 2>/dev/null || true)
    if [ -f "$DATA/hub.db" ] || { [ -n "$recorded" ] && [ "$recorded" != "$database" ]; }; then
        die "this hub's store is already ${recorded:-in $DATA/hub.db}: --database is for the first install ('ontmoet-hub migrate-store' moves a store)"
    fi
    configured=$(sed -n 's/^ONTMOET_HUB_DATABASE=//p' /etc/ontmoet/hub.env | tail -n 1)
    if [ -z "$configured" ]; then
        # On a line of its own, also after a last line someone wrote without a line end.
        if [ -n "$(tail -c 1 /etc/ontmoet/hub.env)" ]; then echo >>/etc/ontmoet/hub.env; fi
        printf 'ONTMOET_HUB_DATABASE=%s\n' "$database" >>/etc/ontmoet/hub.env
        say "Set ONTMOET_HUB_DATABASE in /etc/ontmoet/hub.env"
    elif [ "$configured" != "$database" ]; then
        die "/etc/ontmoet/hub.env names another database ($configured): edit it, or leave out --database"
    fi
    # The password file: the hub's user alone reads it (libpq ignores one others may read).
    passfile=$(sed -n 's/.*[?&]passfile=\([^&]*\).*/\1/p' <<<"$database")
    if [ -n "$passfile" ]; then
        [ -f "$passfile" ] || die "no password file at $passfile: write HOST:PORT:DB:USER:PASSWORD in it first"
        [ "$(stat -c '%U %a' "$passfile")" = "$USER_NAME 600" ] || {
            chown "$USER_NAME:" "$passfile" && chmod 0600 "$passfile"
        }
    fi
fi
# The proxy below is Caddy on this machine: the hub must believe it, and only it.
proxies=$(sed -n 's/^ONTMOET_HUB_TRUSTED_PROXIES=//p' /etc/ontmoet/hub.env | tail -n 1)
[ "$proxies" = 127.0.0.1 ] ||
    say "Warning: /etc/ontmoet/hub.env trusts '$proxies' as proxies; Caddy here is 127.0.0.1."

# The backups' password: made once, readable by the hub's user only.
password_file=$(sed -n 's/^RESTIC_PASSWORD_FILE=//p' /etc/ontmoet/backup.env | tail -n 1)
if [ -n "$password_file" ] && [ ! -e "$password_file" ]; then
    (umask 0227 && head -c 32 /dev/urandom | base64 >"$password_file")
    chgrp "$USER_NAME" "$password_file"
    say "Made the backups' password in $password_file. Keep a copy in a safe place now:"
    say "without it nobody can read the backups, also not on a new machine after a disaster."
fi

# The app.
find_wheel "$wheel"
current=$(release_of current)
if [ -z "$current" ]; then
    install_release
    point current "$VERSION"
    CHANGED=yes
elif [ "$current" = "$VERSION" ]; then
    install_release  # checks the wheel is the one installed; repairs a cut-off release
elif [ "$mode" = upgrade ]; then
    install_release  # the new one beside the old, while the hub still serves
    stop_hub
    # Before the new version migrates the store, with the old version's own command.
    if ! backup_with "$OPT/$PART/current/bin/ontmoet-hub" \
            "$SAVES/upgrade-$current-to-$VERSION-$(date -u +%Y%m%d-%H%M%S)"; then
        start_hub
        die "the backup before the upgrade failed (above): still version $current"
    fi
    point previous "$current"
    point current "$VERSION"
    CHANGED=yes
    say "Upgraded from $current to $VERSION (--rollback goes back)."
else
    die "version $current is installed; to install $VERSION say --upgrade"
fi
prune_releases
link_program ontmoet-hub

# The hub itself: made once. Later runs never touch the store (nor its admin).
# A region's hub names its PostgreSQL database in hub.env (ONTMOET_HUB_DATABASE); init makes
# the store there and notes it in $DATA.
if [ ! -f "$DATA/hub.db" ] && [ ! -f "$DATA/database" ]; then
    database=$(sed -n 's/^ONTMOET_HUB_DATABASE=//p' /etc/ontmoet/hub.env | tail -n 1)
    as_hub env ONTMOET_HUB_DATABASE="$database" \
        "$OPT/$PART/current/bin/ontmoet-hub" init --public-url "https://$name" </dev/null
fi

# The backups' repository: made once (restic init), where backup.env says.
restic_env() {
    local line vars=()
    while IFS= read -r line; do
        [[ $line =~ ^RESTIC_[A-Z_]+= ]] && vars+=("$line")
    done </etc/ontmoet/backup.env
    runuser -u "$USER_NAME" -- env "${vars[@]}" RESTIC_CACHE_DIR=/var/cache/ontmoet-hub-backup "$@"
}
ensure_dir /var/cache/ontmoet-hub-backup "$USER_NAME:$USER_NAME" 0700
# --no-lock: looking leaves no trace in the repository (a second run changes nothing).
if ! restic_env restic --no-lock cat config >/dev/null 2>&1; then
    if restic_env restic init >/dev/null; then
        say "Made the backups' repository ($(sed -n 's/^RESTIC_REPOSITORY=//p' /etc/ontmoet/backup.env))"
    else
        say "Warning: the backups' repository could not be made: check /etc/ontmoet/backup.env and run me again."
    fi
fi

# Caddy: the public name, HTTPS, HSTS, and the hub behind it.
if [ -n "$cert" ]; then
    ensure_dir "$TLS_DIR" root:caddy 0750
    install_file "$cert" "$TLS_DIR/hub.crt" 0640
    install_file "$key" "$TLS_DIR/hub.key" 0640
    for file in "$TLS_DIR/hub.crt" "$TLS_DIR/hub.key"; do
        [ "$(stat -c %G "$file")" = caddy ] || chgrp caddy "$file"
    done
fi
caddy_changed=no
if [ -n "$name" ]; then
    rendered=$(mktemp)
    caddyfile >"$rendered"
    if ! cmp -s "$rendered" /etc/caddy/Caddyfile; then
        # Debian's welcome page (or someone's own file) is kept once beside it.
        if [ -f /etc/caddy/Caddyfile ] && ! grep -q "^# The hub's HTTPS front" /etc/caddy/Caddyfile &&
            [ ! -e /etc/caddy/Caddyfile.before-ontmoet ]; then
            cp -p /etc/caddy/Caddyfile /etc/caddy/Caddyfile.before-ontmoet
        fi
        install -D -m 0644 "$rendered" /etc/caddy/Caddyfile
        caddy_changed=yes
        say "Installed /etc/caddy/Caddyfile for https://$name"
    fi
    rm -f "$rendered"
fi

for unit in "$UNIT" ontmoet-hub-backup.service ontmoet-hub-backup.timer; do
    install_file "$HERE/$unit" "$UNITS/$unit" 0644
done
enable_units "$UNIT" ontmoet-hub-backup.timer caddy.service
if systemd_running; then
    if [ "$CHANGED" = yes ]; then
        systemctl restart "$UNIT"
    else
        systemctl is-active --quiet "$UNIT" || systemctl start "$UNIT"
    fi
    systemctl start ontmoet-hub-backup.timer
    if [ "$caddy_changed" = yes ]; then systemctl reload-or-restart caddy; fi
fi
say "Ontmoet hub $(release_of current) is installed${name:+ at https://$name}."
