#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains what is missing.
# Rasa 3.6 supports Python 3.8-3.10 only, so a newer system Python will not do.
set -euo pipefail

works() { [ -n "$1" ] && "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
candidates+=("$(command -v python3.10 2>/dev/null || true)")
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root 2>/dev/null || echo "$pyenv_root")"; fi
for dir in "$pyenv_root"/versions/3.10*/bin; do candidates+=("$dir/python3.10"); done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)

for candidate in "${candidates[@]}"; do
  if works "$candidate"; then echo "$candidate"; exit 0; fi
done

cat >&2 <<'MSG'
Vejviser needs Python 3.10 (Rasa Open Source 3.6 does not run on Python 3.11 or newer).
No working python3.10 was found on PATH, in pyenv ($PYENV_ROOT/versions/3.10*), or in /usr/bin.
Install one of these, then run the command again:
  pyenv install 3.10.13          # with pyenv
  apt-get install python3.10 python3.10-venv   # on Debian/Ubuntu releases that ship it
or point to an existing interpreter:  export PYTHON310=/path/to/python3.10
MSG
exit 1
