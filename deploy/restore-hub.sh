#!/usr/bin/env bash
# Brings the hub back from its encrypted backups (restic), also onto a new machine.
#
#   sudo deploy/restore-hub.sh [SNAPSHOT]      SNAPSHOT: an id from 'restic snapshots'
#                                              (default: the latest)
#
# On a new machine: first deploy/install-hub.sh NAME, then put the old /etc/ontmoet/backup.env
# back (where the repository is) and the repository's password into the file it names. The
# hub is stopped, the snapshot's store, keys (hub.key, hub.pub) and photos are restored with
# 'ontmoet-hub restore' (a new epoch: every kiosk pulls again and pushes what the backup
# lacks), and the hub started: the kiosks carry on with their tokens, no enrolment again.
#
# The paths can be changed for a test or another layout: ONTMOET_HUB_DIR, ONTMOET_BACKUP_ENV,
# ONTMOET_HUB_PROGRAM, ONTMOET_BACKED_UP, ONTMOET_RESTORE_AS (the user to run as; empty: the
# caller).
set -euo pipefail

HUB_DIR=${ONTMOET_HUB_DIR:-/var/lib/ontmoet-hub}
BACKUP_ENV=${ONTMOET_BACKUP_ENV:-/etc/ontmoet/backup.env}
PROGRAM=${ONTMOET_HUB_PROGRAM:-/opt/ontmoet/hub/current/bin/ontmoet-hub}
RUN_AS=${ONTMOET_RESTORE_AS-ontmoet-hub}
SNAPSHOT=${1:-latest}
# Where the backup unit copies the hub before restic takes it (ontmoet-hub-backup.service).
BACKED_UP=${ONTMOET_BACKED_UP:-/var/backups/ontmoet-hub/latest}

die() { printf 'restore-hub.sh: %s\n' "$*" >&2; exit 1; }

[ -r "$BACKUP_ENV" ] || die "cannot read $BACKUP_ENV (RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE)"
restic_vars=()
while IFS= read -r line; do
    [[ $line =~ ^RESTIC_[A-Z_]+= ]] && restic_vars+=("$line")
done <"$BACKUP_ENV"

as_hub() {
    if [ -n "$RUN_AS" ]; then
        runuser -u "$RUN_AS" -- env ONTMOET_HUB_DIR="$HUB_DIR" "$@"
    else
        env ONTMOET_HUB_DIR="$HUB_DIR" "$@"
    fi
}

# The snapshot into a folder of the hub's user beside its data (same disk, not /tmp).
staging=$(mktemp -d "$(dirname "$HUB_DIR")/ontmoet-hub-restore.XXXXXX")
trap 'rm -rf "$staging"' EXIT
env "${restic_vars[@]}" restic restore "$SNAPSHOT" --target "$staging" --include "$BACKED_UP" ||
    die "restic could not restore snapshot '$SNAPSHOT' (see above)"
backup=$staging$BACKED_UP/hub.db
[ -f "$backup" ] || die "snapshot '$SNAPSHOT' holds no $BACKED_UP/hub.db"
[ -z "$RUN_AS" ] || chown -R "$RUN_AS:" "$staging"

stopped=no
if [ -d /run/systemd/system ] && systemctl is-active --quiet ontmoet-hub.service; then
    systemctl stop ontmoet-hub.service
    stopped=yes
fi
as_hub "$PROGRAM" restore "$backup"
if [ "$stopped" = yes ] || { [ -d /run/systemd/system ] && systemctl is-enabled --quiet ontmoet-hub.service; }; then
    systemctl start ontmoet-hub.service
fi
echo "The hub is back from snapshot '$SNAPSHOT'. Kiosks sync on by themselves."
