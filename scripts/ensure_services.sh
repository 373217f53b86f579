#!/usr/bin/env bash
# The production profile and its tests run PostgreSQL, Redis and nginx from Debian's
# packages (started by the project itself, never as system services). Installs what is
# missing when we may; otherwise says what to install.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian packages for the production profile: ${missing[*]}"
  apt-get update -qq
  # policy-rc.d: install only, start no system service; the project starts its own servers
  # in its own folders. A policy the machine already has is left as it is.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  exit 0
fi
echo "setup: the production profile needs: sudo apt-get install ${missing[*]}" >&2
exit 1
