# Shared by install-kiosk.sh and install-hub.sh (sourced, not run): the app as releases.
#
# Each part lives in /opt/ontmoet/<part>/: releases/<version>/ is a virtual environment with
# the locked dependencies (requirements/<part>.lock, every file's hash checked) and the wheel;
# current -> the release the units run; previous -> the one before, to roll back to. Only
# these two are kept. Everything here is idempotent: a second run changes nothing.
# shellcheck shell=bash disable=SC2034  # (globals for the scripts that source this file)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIST=$(dirname "$HERE")  # the release folder: deploy/, requirements/, dist/
OPT=${ONTMOET_OPT:-/opt/ontmoet}  # another place only for a test
UNITS=/etc/systemd/system
CHANGED=no  # yes once a unit or the release changed: the service is then restarted

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0)"
}

check_system() {
    # Debian 12 and Raspberry Pi OS (bookworm) both say bookworm; anything else is untried.
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ "$codename" = bookworm ] || say "Warning: made for Debian 12 (bookworm), this is '$codename'."
}

# Install the Debian packages that are missing; nothing (not even apt-get update) if none is.
install_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# A system user without a login; added to the groups (made if missing) it is not yet in.
ensure_user() {
    local name=$1 group
    shift
    if ! id -u "$name" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin "$name"
        say "Made the system user $name."
    fi
    for group in "$@"; do
        getent group "$group" >/dev/null || groupadd --system "$group"
        id -nG "$name" | tr ' ' '\n' | grep -qx "$group" || usermod -a -G "$group" "$name"
    done
}

# A folder with this owner and mode, made or corrected only where it differs.
ensure_dir() {
    local path=$1 owner=$2 mode=$3
    [ -d "$path" ] || install -d "$path"
    [ "$(stat -c %U:%G "$path")" = "$owner" ] || chown "$owner" "$path"
    [ "$(stat -c %a "$path")" = "${mode#0}" ] || chmod "$mode" "$path"
}

# Copy a file into place only when it differs (so a second run leaves mtimes alone).
install_file() {
    local source=$1 target=$2 mode=$3
    if ! cmp -s "$source" "$target"; then
        install -D -m "$mode" "$source" "$target"
        say "Installed $target"
        CHANGED=yes
    fi
}

# A settings file from deploy/ when there is none yet; an edited one is never overwritten.
install_config() {
    local source=$1 target=$2 mode=$3
    if [ ! -e "$target" ]; then
        install -D -m "$mode" "$source" "$target"
        say "Installed $target: edit it for this machine."
    fi
}

# The wheel: --wheel FILE, or the only ontmoet-*.whl in dist/ beside deploy/.
find_wheel() {
    local given=$1 found=()
    if [ -n "$given" ]; then
        [ -f "$given" ] || die "no wheel at $given"
        WHEEL=$(cd "$(dirname "$given")" && pwd)/$(basename "$given")
    else
        shopt -s nullglob
        found=("$DIST"/dist/ontmoet-*.whl)
        shopt -u nullglob
        [ ${#found[@]} -eq 1 ] || die "expected one ontmoet-*.whl in $DIST/dist (found ${#found[@]}): say which with --wheel FILE"
        WHEEL=${found[0]}
    fi
    # ontmoet-0.2.0-py3-none-any.whl: the version is the second field.
    VERSION=$(basename "$WHEEL" | cut -d- -f2)
    [[ $VERSION =~ ^[0-9][0-9A-Za-z.+!]*$ ]] || die "cannot read a version from $(basename "$WHEEL")"
    WHEEL_SHA=$(sha256sum "$WHEEL" | cut -d' ' -f1)
}

release_of() {  # the version a link (current, previous) points to, or nothing
    local link="$OPT/$PART/$1"
    [ -L "$link" ] && basename "$(readlink "$link")"
    return 0
}

# releases/$VERSION: a virtual environment with the lock's packages (hashes required) and
# the wheel without its dependencies. Made in place (a venv cannot be moved); .complete is
# written last, so a run that was cut off is started again from scratch.
install_release() {
    local release="$OPT/$PART/releases/$VERSION" lock="$DIST/requirements/$PART.lock"
    if [ -f "$release/.complete" ]; then
        [ "$(cat "$release/.wheel-sha256")" = "$WHEEL_SHA" ] ||
            die "release $VERSION is installed from another wheel: a changed wheel needs a new version"
        return 0
    fi
    [ -f "$lock" ] || die "no $lock beside the install script"
    say "Installing Ontmoet $VERSION ($PART) into $release ..."
    rm -rf "$release"
    install -d -m 0755 "$OPT" "$OPT/$PART" "$OPT/$PART/releases"
    python3 -m venv "$release"
    local log
    log=$(mktemp)
    if ! { "$release/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
               --require-hashes -r "$lock" &&
           "$release/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
               --no-deps "$WHEEL"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "installing the packages failed (above); nothing was switched"
    fi
    rm -f "$log"
    echo "$WHEEL_SHA" >"$release/.wheel-sha256"
    touch "$release/.complete"
}

# Point a link (current, previous) at a release in one step (rename over the old link).
point() {
    local name=$1 version=$2
    [ "$(release_of "$name")" = "$version" ] && return 0
    ln -sfn "releases/$version" "$OPT/$PART/.$name.new"
    mv -T "$OPT/$PART/.$name.new" "$OPT/$PART/$name"
}

# Only current and previous are kept.
prune_releases() {
    local keep_current keep_previous dir
    keep_current=$(release_of current)
    keep_previous=$(release_of previous)
    for dir in "$OPT/$PART"/releases/*/; do
        dir=${dir%/}
        case "$(basename "$dir")" in
            "$keep_current" | "$keep_previous") ;;
            *) rm -rf "$dir" && say "Removed the old release $(basename "$dir")" ;;
        esac
    done
}

# Copies of the data saved by --upgrade and --rollback (upgrade-*, rolled-back-*): of the kind
# of KEPT, only KEPT stays. They hold personal data: no more copies than a rollback needs.
prune_saves() {
    local folder=$1 kept=$2 kind old
    kind=${kept%%-[0-9]*}
    for old in "$folder/$kind"-[0-9]*; do
        if [ -e "$old" ] && [ "$(basename "$old")" != "$kept" ]; then
            rm -rf -- "$old"
            say "Removed the older copy $old"
        fi
    done
}

# A command for the ontmoet-* programs, also on PATH (root's shell: sudo -u USER ontmoet-hub).
link_program() {
    local target="$OPT/$PART/current/bin/$1"
    [ "$(readlink "/usr/local/bin/$1" 2>/dev/null)" = "$target" ] || ln -sfn "$target" "/usr/local/bin/$1"
}

# WORD on the kernel's command line from the next boot, once: in Raspberry Pi OS's
# cmdline.txt (one line) when there is one, else in Debian's GRUB settings.
kernel_cmdline_add() {
    local word=$1 cmdline=$2 grub=$3
    if [ -f "$cmdline" ]; then
        grep -qw -- "$word" "$cmdline" && return 0
        sed -i "1 s/\$/ $word/" "$cmdline"
        say "Added $word to $cmdline (from the next boot)"
    elif [ -f "$grub" ]; then
        grep -q "^GRUB_CMDLINE_LINUX_DEFAULT=.*[\" ]${word}[\" ]" "$grub" && return 0
        if grep -q '^GRUB_CMDLINE_LINUX_DEFAULT=' "$grub"; then
            sed -i "s/^GRUB_CMDLINE_LINUX_DEFAULT=\"\(.*\)\"/GRUB_CMDLINE_LINUX_DEFAULT=\"\1 $word\"/" "$grub"
        else
            echo "GRUB_CMDLINE_LINUX_DEFAULT=\"$word\"" >>"$grub"
        fi
        if command -v update-grub >/dev/null; then update-grub 2>/dev/null; fi
        say "Added $word to $grub (from the next boot)"
    else
        say "Warning: no $cmdline or $grub: add $word to the kernel's command line yourself."
    fi
}

systemd_running() { [ -d /run/systemd/system ]; }

# Enable units (also in a chroot, where systemctl works on the files); start or restart them
# only on a running system.
enable_units() {
    local unit
    systemd_running && systemctl daemon-reload
    for unit in "$@"; do
        systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl enable --quiet "$unit"
    done
}
