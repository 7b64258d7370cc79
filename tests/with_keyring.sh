#!/bin/sh
# Runs a command in a D-Bus session of its own with a GNOME Keyring unlocked in a fresh folder,
# so a test keeps secrets in a real desktop keyring without touching the user's.
# Usage: tests/with_keyring.sh COMMAND [ARG...]
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
XDG_DATA_HOME=$keyrings dbus-run-session -- sh -c \
  'printf test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"' \
  sh "$@"
