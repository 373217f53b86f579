#!/usr/bin/env bash
# The browser tests drive Debian's chromium through Playwright (never a downloaded
# browser). Installs it when missing and we may; otherwise says what to install.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "setup: the browser tests need Chromium at $CHROMIUM: run 'sudo apt-get install chromium'" \
  "(or set CHROMIUM_PATH to another Chromium binary)" >&2
exit 1
