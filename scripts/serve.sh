#!/usr/bin/env bash
# One command for a newcomer: install, load the bundled Montpellier data into the embedded
# SpatiaLite store, and serve the map at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/geo-caisse init
# a SYNTHETIC year of Mona activity for the demo (only into an empty ledger), and a
# coordinator login for the Mona flows page, its password kept in a private file
.venv/bin/geo-caisse simulate --if-empty
# SYNTHETIC volunteers waiting for the next draw (recruitment page)
.venv/bin/geo-caisse volunteers --if-empty
data_dir=$(dirname "$(.venv/bin/python -c 'from geo_caisse.core.settings import DatabaseSettings; print(DatabaseSettings().database_url.removeprefix("sqlite:///"))')")
cred="$data_dir/demo-coordinator.txt"
if [ ! -f "$cred" ] && [ -d "$data_dir" ]; then
  pw=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')
  if GEO_CAISSE_NEW_PASSWORD="$pw" .venv/bin/geo-caisse user coordination --role coordinator; then
    (umask 077; printf 'coordination\n%s\n' "$pw" > "$cred")
  fi
fi
[ -f "$cred" ] && echo "==> coordinators: /coordination/mona and /coordination/recrutement, login and password in $cred"
echo "==> serving the map at http://${GEO_CAISSE_HOST:-127.0.0.1}:${GEO_CAISSE_PORT:-8000} (Ctrl-C to stop)"
exec .venv/bin/geo-caisse serve
