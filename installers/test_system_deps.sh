#!/bin/sh
# System packages the test suite uses when present: a real Secret Service for the keyring tests
# (gnome-keyring) and dbus-launch (dbus-x11), and the X libraries Qt's xcb plugin needs, which
# the .deb depends on (tests/installers/test_package.py installs it with dpkg, which refuses
# a package whose dependencies are missing). Installs them only as root and only when missing;
# otherwise does nothing and exits 0, so `make test` never needs root.
set -u
PACKAGES="gnome-keyring dbus-x11 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Optional test packages missing:$missing (the keyring tests will be skipped)." >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086  # the package list is meant to split
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
        && apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; } \
    || echo "Could not install$missing; the keyring tests will be skipped." >&2
exit 0
