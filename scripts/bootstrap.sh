#!/usr/bin/env bash
# Install what geo_caisse needs on a Debian machine and build .venv.
#   scripts/bootstrap.sh          what serving needs (SpatiaLite, Debian's Python, the venv)
#   scripts/bootstrap.sh --test   also PostGIS and Chromium, for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(libsqlite3-mod-spatialite python3-venv python3-dev)
if [ "$want_test" = 1 ]; then
  pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  if [ -z "$pg_major" ]; then
    packages+=(postgresql postgresql-postgis)
  else
    packages+=("postgresql-${pg_major}-postgis-3")
  fi
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's python3: its sqlite3 module can load extensions (SpatiaLite); pyenv's often cannot
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with /usr/bin/python3"
  /usr/bin/python3 -m venv .venv
fi
stamp=.venv/.geo_caisse-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing geo_caisse and its dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>/dev/null
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 \
    | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import geo_caisse, api, maps" 
  touch "$stamp"
fi
# the project's own modules compiled like the installed packages (pip compiles those): an
# editable install leaves them as sources, recompiled at every start where the environment
# sets PYTHONDONTWRITEBYTECODE (a tenth of a second of `serve`); quick when nothing changed
.venv/bin/python -m compileall -q -j 0 geo_caisse api maps >/dev/null
