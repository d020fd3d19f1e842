"""Copy the raw open data of the two test territories (Villeurbanne, Bondy) from the
workplace's shared data folder into ``tests/data/territories``, unchanged.

Run from the repository root::

    .venv/bin/python tests/data/territories/copy_from_shared.py ../shared/data

The files are copied byte for byte with their ``PROVENANCE.md`` (where each comes from and
its licence: OSM © contributors, ODbL 1.0; IGN/INSEE boundaries and INSEE tables, Licence
Ouverte; the Base Adresse Nationale, Licence Ouverte 2.0). Bondy's list of shops states no
licence: it is a test fixture here, never shipped in ``data/``. The test suite builds a
territory folder from them with ``geo-caisse territory build`` (tests/builder).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {
    "villeurbanne": [
        "PROVENANCE.md",
        "osm/villeurbanne_maisons_neuves_2024-04-03.osm.bz2",
        "boundaries/communes_villeurbanne_lyon.geojson",
        "socio/insee_population_municipale_2013_2021.csv",
    ],
    "bondy": [
        "PROVENANCE.md",
        "osm/bondy_nord_map.osm.bz2",
        "boundaries/georef-france-iris-bondy-2020.zip",
        "socio/filosofi_2019_iris_bondy_disp_med.csv",
        "socio/insee_population_municipale_bondy_2013_2021.csv",
        "socio/bondy_commerces_geocoded.csv",
        "addresses/ban_bondy.csv.gz",
    ],
}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: copy_from_shared.py SHARED_DATA_DIR", file=sys.stderr)
        return 2
    shared = Path(argv[0])
    for place, files in FILES.items():
        for rel in files:
            src, dst = shared / place / rel, HERE / place / rel
            if not src.is_file():
                print(f"missing {src}", file=sys.stderr)
                return 1
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            digest = hashlib.sha256(dst.read_bytes()).hexdigest()[:16]
            print(f"{place}/{rel}  {dst.stat().st_size:>9,} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
