#!/usr/bin/env bash
# One command for a newcomer: install, load the bundled Montpellier data into the embedded
# SpatiaLite store, and serve the map at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/geo-caisse init
echo "==> serving the map at http://${GEO_CAISSE_HOST:-127.0.0.1}:${GEO_CAISSE_PORT:-8000} (Ctrl-C to stop)"
exec .venv/bin/geo-caisse serve
