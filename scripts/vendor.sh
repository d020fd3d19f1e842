#!/usr/bin/env bash
# Re-fetch the front-end libraries served from maps/static/vendor (and axe-core, used by the
# browser tests) from the npm registry, at the versions pinned here, with their licences.
# The only change made to any of them: ReDoc's footer logo, which it loads from
# cdn.redoc.ly, points to an empty image (the page must ask nothing of the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
V=maps/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch <package@version>: unpacked into $work/<package>
  local dir="$work/${1%@*}"
  mkdir -p "$dir"
  local tgz
  tgz=$(cd "$work" && npm pack --silent "$1" | tail -n 1)
  tar xzf "$work/$tgz" -C "$dir"
  echo "$dir/package"
}

p=$(fetch leaflet@1.9.4)
mkdir -p $V/leaflet/images
cp "$p"/dist/leaflet.js "$p"/dist/leaflet.css "$p"/LICENSE $V/leaflet/
cp "$p"/dist/images/* $V/leaflet/images/

p=$(fetch leaflet.markercluster@1.5.3)
mkdir -p $V/markercluster
cp "$p"/dist/leaflet.markercluster.js "$p"/dist/MarkerCluster.css \
   "$p"/dist/MarkerCluster.Default.css $V/markercluster/
cp "$p"/MIT-LICENCE.txt $V/markercluster/LICENSE

p=$(fetch protomaps-leaflet@5.1.0)
mkdir -p $V/protomaps-leaflet
cp "$p"/dist/protomaps-leaflet.js "$p"/LICENSE $V/protomaps-leaflet/

p=$(fetch swagger-ui-dist@5.35.0)
mkdir -p $V/swagger-ui
cp "$p"/swagger-ui-bundle.js "$p"/swagger-ui-bundle.js.LICENSE.txt "$p"/swagger-ui.css \
   "$p"/LICENSE "$p"/NOTICE $V/swagger-ui/

p=$(fetch redoc@2.5.4)
mkdir -p $V/redoc
cp "$p"/bundles/redoc.standalone.js "$p"/bundles/redoc.standalone.js.LICENSE.txt \
   "$p"/LICENSE $V/redoc/
sed -i 's|https://cdn.redoc.ly/redoc/logo-mini.svg|data:image/gif;base64,R0lGODlhAQABAAAAACw=|' \
    $V/redoc/redoc.standalone.js

p=$(fetch jsqr@1.4.0)
mkdir -p $V/jsqr
cp "$p"/dist/jsQR.js "$p"/LICENSE $V/jsqr/

p=$(fetch axe-core@4.14.1)
cp "$p"/axe.min.js "$p"/LICENSE tests/vendor/axe-core/
echo "vendored into $V and tests/vendor/axe-core"
