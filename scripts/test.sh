#!/usr/bin/env bash
# The whole test suite: ruff, mypy, the import-linter contracts, then pytest on SpatiaLite AND
# PostGIS (a skipped backend fails the run) on every core (pytest-xdist), the fuzzing of the
# served API beside it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test

# PostgreSQL on 127.0.0.1:5432 with PostGIS, and a database for the tests
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  cluster=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
  if [ -n "$cluster" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
  fi
fi
pg_url=${GEO_CAISSE_TEST_POSTGIS_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/geo_caisse_test}
export GEO_CAISSE_TEST_POSTGIS_URL="$pg_url"

echo "==> ruff"
.venv/bin/ruff check geo_caisse api maps tests data benchmarks
echo "==> mypy"
.venv/bin/mypy
echo "==> lint-imports (the layers of geo_caisse, and api/maps above it)"
.venv/bin/lint-imports
# the served API fuzzed from its OpenAPI, without and with a token of each role (a few
# minutes, mostly waiting on its own server): any 5xx, schema violation or undocumented
# status fails the run. It runs beside pytest, its report printed after pytest's.
fuzz_log=""
if [ "$#" -eq 0 ] || [ "${GEO_CAISSE_FUZZ:-}" = "1" ]; then
  fuzz_log=$(mktemp -t gc-fuzz.XXXXXX)
  echo "==> schemathesis (scripts/fuzz_api.py), beside pytest"
  .venv/bin/python scripts/fuzz_api.py > "$fuzz_log" 2>&1 &
  fuzz_pid=$!
fi
echo "==> pytest (pytest-xdist: ${GEO_CAISSE_TEST_WORKERS:-auto} workers)"
set +e
.venv/bin/python -m pytest -n "${GEO_CAISSE_TEST_WORKERS:-auto}" --dist loadgroup \
  --require-all-backends "$@"
status=$?
fuzz_status=0
if [ -n "$fuzz_log" ]; then
  wait "$fuzz_pid"
  fuzz_status=$?
  echo "==> schemathesis (scripts/fuzz_api.py): exit $fuzz_status"
  cat "$fuzz_log"
  rm -f "$fuzz_log"
fi
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no test: failing" >&2; exit 1; fi
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$fuzz_status"
