#!/usr/bin/env bash
# Makes a bare Debian 12 or Raspberry Pi OS (bookworm, 64-bit) machine an Ontmoet kiosk.
#
#   sudo deploy/install-kiosk.sh [--wheel FILE]     install, or check and repair
#   sudo deploy/install-kiosk.sh --upgrade [--wheel FILE]
#                                                   a new version; the old one is kept and the
#                                                   data folder saved before the new one starts
#   sudo deploy/install-kiosk.sh --rollback         back to the version before the upgrade
#
# It sets up: the service user 'ontmoet' (groups video, render, input, audio), the run-time Debian
# packages, the app from the wheel with the locked dependencies (/opt/ontmoet/kiosk), the data
# folder /var/lib/ontmoet (0700), /etc/ontmoet/kiosk.env (only if absent), the backlight
# writable by the video group (the panel sleeps outside opening hours), kernel.sysrq=0, no
# console blanking, no login prompt on tty1, the unit enabled on boot. A second run changes
# nothing. Run it from the unpacked release (deploy/, requirements/, dist/ side by side).
set -euo pipefail
# shellcheck source=deploy/install-common.sh
. "$(dirname "$0")/install-common.sh"

PART=kiosk
USER_NAME=ontmoet
DATA=/var/lib/ontmoet
SAVES=/var/backups/ontmoet  # the data folder as it was before each upgrade
UNIT=ontmoet-kiosk.service
# GL (Mesa renders in software where there is no GPU driver), KMS/DRM for SDL's kmsdrm
# driver (gbm, drm), touch (mtdev), reading aloud (espeak-ng), USB receipt printers (libusb).
DEBS=(python3-venv libegl1 libgl1 libgl1-mesa-dri libgbm1 libdrm2 libmtdev1 espeak-ng
      libusb-1.0-0)

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

mode=install wheel=""
while [ $# -gt 0 ]; do
    case "$1" in
        --upgrade) mode=upgrade ;;
        --rollback) mode=rollback ;;
        --wheel) [ $# -ge 2 ] || usage; wheel=$2; shift ;;
        -h | --help) usage ;;
        *) say "Unknown option: $1"; usage ;;
    esac
    shift
done

need_root
check_system

# The data folder as it is now, into $SAVES/<name>.tar (0600; the kiosk is stopped).
save_data() {
    local name=$1
    ensure_dir "$SAVES" root:root 0700
    (umask 0077 && tar -C "$DATA" -cf "$SAVES/$name.tar.partial" .) || return 1
    mv "$SAVES/$name.tar.partial" "$SAVES/$name.tar" || return 1
    say "Saved the data folder to $SAVES/$name.tar"
    prune_saves "$SAVES" "$name.tar"  # the latest of each kind is all a rollback needs
}

stop_kiosk() { if systemd_running; then systemctl stop "$UNIT"; fi; }
start_kiosk() { if systemd_running; then systemctl start "$UNIT"; fi; }

rollback() {
    local now old
    now=$(release_of current) old=$(release_of previous)
    [ -n "$old" ] || die "there is no previous version to roll back to"
    stop_kiosk
    if ! save_data "rolled-back-$now-$(date -u +%Y%m%d-%H%M%S)"; then
        start_kiosk
        die "saving the data before the rollback failed (above): still version $now"
    fi
    # The older version refuses a store that the newer one migrated: then the data goes back
    # to how it was before the upgrade (records made since are in the rolled-back copy above;
    # those the hub acknowledged are safe at the hub).
    if ! runuser -u "$USER_NAME" -- env ONTMOET_DATA_DIR="$DATA" \
            "$OPT/$PART/releases/$old/bin/ontmoet-kiosk" status >/dev/null 2>&1; then
        local saved
        saved=$(find "$SAVES" -maxdepth 1 -name "upgrade-$old-to-$now-*.tar" | sort | tail -n 1)
        if [ -z "$saved" ]; then
            start_kiosk
            die "version $old cannot open the data and no copy from before the upgrade is in $SAVES: still version $now"
        fi
        find "$DATA" -mindepth 1 -delete
        tar -C "$DATA" -xf "$saved"
        say "Version $old cannot read the newer data: put back $saved"
    fi
    point current "$old"
    point previous "$now"
    start_kiosk
    say "Rolled back from $now to $old (--upgrade goes forward again)."
}

if [ "$mode" = rollback ]; then
    rollback
    exit 0
fi

install_debs "${DEBS[@]}"
ensure_user "$USER_NAME" video render input audio  # audio: espeak-ng reads aloud (ALSA)
ensure_dir "$DATA" "$USER_NAME:$USER_NAME" 0700
ensure_dir /etc/ontmoet root:root 0755
install_config "$HERE/kiosk.env" /etc/ontmoet/kiosk.env 0644

# The panel's backlight, which the kiosk switches off outside opening hours
# (kiosk/opening_hours.py): sysfs files are root's, so udev gives the video group write access.
install_file "$HERE/70-ontmoet-backlight.rules" /etc/udev/rules.d/70-ontmoet-backlight.rules 0644
# No magic SysRq keys from a keyboard plugged into the kiosk.
if ! cmp -s <(echo "kernel.sysrq = 0") /etc/sysctl.d/90-ontmoet-kiosk.conf; then
    echo "kernel.sysrq = 0" >/etc/sysctl.d/90-ontmoet-kiosk.conf
    # Now on a booted machine; in a chroot it would set the host's kernel: from the next boot.
    if systemd_running; then sysctl -q -p /etc/sysctl.d/90-ontmoet-kiosk.conf || true; fi
    say "Set kernel.sysrq = 0"
fi

# The console never blanks the panel (the kiosk decides when it sleeps).
kernel_cmdline_add consoleblank=0 /boot/firmware/cmdline.txt /etc/default/grub

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
    install_release  # the new one beside the old, while the kiosk still runs
    stop_kiosk
    if ! save_data "upgrade-$current-to-$VERSION-$(date -u +%Y%m%d-%H%M%S)"; then
        start_kiosk
        die "saving the data before the upgrade failed (above): still version $current"
    fi
    point previous "$current"
    point current "$VERSION"
    CHANGED=yes
    say "Upgraded from $current to $VERSION (--rollback goes back)."
else
    die "version $current is installed; to install $VERSION say --upgrade"
fi
prune_releases
link_program ontmoet-kiosk

# The kiosk owns the first console: no login prompt on tty1 competes for it.
if [ "$(systemctl is-enabled getty@tty1.service 2>/dev/null)" != masked ]; then
    systemctl mask --quiet getty@tty1.service
    say "Masked getty@tty1 (no login prompt on the panel)"
fi
install_file "$HERE/$UNIT" "$UNITS/$UNIT" 0644
enable_units "$UNIT"
# The unit is wanted by graphical.target: a server install boots to multi-user.target.
if [ "$(systemctl get-default 2>/dev/null)" != graphical.target ]; then
    systemctl set-default --quiet graphical.target
    say "The machine now boots to graphical.target (the kiosk)"
fi
# Started or restarted only when something changed: a second run leaves a visitor alone.
if systemd_running; then
    if [ "$CHANGED" = yes ]; then
        systemctl restart "$UNIT"
    else
        systemctl is-active --quiet "$UNIT" || systemctl start "$UNIT"
    fi
fi
say "Ontmoet kiosk $(release_of current) is installed and starts at boot."
say "Enrol it with a code from the hub: sudo -u $USER_NAME ONTMOET_DATA_DIR=$DATA ontmoet-kiosk enrol HUB_URL CODE"
