#!/usr/bin/env bash
# Screenshots of the real app on a virtual X screen: Xvfb, the openbox window manager and
# trayer (a system tray, so Jamdesk's tray icon, menu and balloon are real). Needs the
# Debian packages xvfb, openbox, trayer, imagemagick and libxcb-cursor0.
set -euo pipefail
cd "$(dirname "$0")/../.."
display=":97"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
xvfb=$!
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export DISPLAY="$display" QT_QPA_PLATFORM=xcb SDL_AUDIODRIVER=dummy JAMDESK_NETWORK=loopback
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
openbox >/dev/null 2>&1 &
trayer --edge top --align right --widthtype request --height 28 --transparent false \
  --tint 0x2B2F77 >/dev/null 2>&1 &
sleep 1
export XDG_CONFIG_HOME="$(mktemp -d)"  # never the developer's own settings
"${PYTHON:-.venv/bin/python}" docs/screenshots/make_screenshots.py
kill "$xvfb"
