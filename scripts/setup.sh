#!/usr/bin/env bash
# Sets up a checkout on Debian: the system packages VitalMesh needs (where missing), the npm
# dependencies from the lockfile, and the built renderer. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# libsecret-1-dev builds keytar (the OS keychain); gnome-keyring + dbus give tests a real Secret
# Service; chromium runs the browser tests.
needed=()
for pkg in libsecret-1-dev gnome-keyring dbus chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || needed+=("$pkg")
done
if [ ${#needed[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${needed[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${needed[@]}" >/dev/null
fi

# The Electron binary comes from GitHub, which these machines can't reach; its npm package
# (types, and `electron .` where it can be downloaded) installs without it.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
stamp=node_modules/.vitalmesh-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ -n "$(find patches -newer "$stamp")" ]; then
  echo "setup: installing npm dependencies (the cipher library builds from source, ~2 min)"
  # Dependencies first without their build steps, then patches/ (see patches/README.md) applied
  # to the sources, then every native module built from those sources, never a prebuilt binary.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npx patch-package --error-on-fail
  npm rebuild --build-from-source --loglevel=error
  touch "$stamp"
fi

echo "setup: building the console UI"
npx vite build --logLevel warn
