#!/bin/sh
# Adds a checkout of MiniCPM Chat to the desktop's application menu, so it starts with a
# double-click (the .deb from `make package` does this for an installed copy).
# Run `make run` once first so .venv exists. Usage: sh installers/linux/install.sh
set -eu
app_dir=$(cd "$(dirname "$0")/../.." && pwd)
target="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$target"
sed -e "s|^Exec=.*|Exec=$app_dir/.venv/bin/python $app_dir/main.py|" \
    -e "s|^Icon=.*|Icon=$app_dir/resources/icons/minicpm-chat.svg|" \
    "$app_dir/installers/linux/minicpm-chat.desktop" > "$target/minicpm-chat.desktop"
echo "Installed $target/minicpm-chat.desktop"
