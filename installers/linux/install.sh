#!/bin/sh
# Adds MiniCPM Chat to the desktop's application menu, so it starts with a double-click.
# Run `make run` once first so .venv exists. Usage: sh installers/linux/install.sh
set -eu
app_dir=$(cd "$(dirname "$0")/../.." && pwd)
target="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$target"
sed "s|@APP_DIR@|$app_dir|g" "$app_dir/installers/linux/minicpm-chat.desktop" \
    > "$target/minicpm-chat.desktop"
echo "Installed $target/minicpm-chat.desktop"
