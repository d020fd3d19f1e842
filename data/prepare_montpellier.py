"""Prepare the Montpellier dataset geo_caisse ships, from the copied open-data sources.

Run from the repository root::

    .venv/bin/python data/prepare_montpellier.py   # rebuild data/montpellier/*.geojson
    .venv/bin/python data/prepare_montpellier.py --copy-from ../shared/data/montpellier

``--copy-from`` first copies the source files used here into ``data/montpellier/sources``
(see ``data/README.md`` for their provenance and licences). Every transformation made to
them is in this file; the outputs are deterministic (fixed seed, sorted rows).

Outputs (WGS84, RFC 7946 GeoJSON) in ``data/montpellier/``:

- ``outline.geojson``: the territory (Montpellier Méditerranée Métropole).
- ``neighbourhoods.geojson``: 31 communes, 7 quartiers and 31 sous-quartiers of Montpellier,
  with population and income / benefit-dependence indicators where the data has them.
- ``markets.geojson``: the city's open-air, producers' markets and halls, placed from the
  address points (or OSM's ``amenity=marketplace`` node nearby).
- ``points_of_sale.geojson``: OSM food shops as candidates, an ILLUSTRATIVE selection of
  conventionnés (the caisse's real list is not public), and illustrative market stalls.
- ``strata.csv``: ESTIMATED adults (18+) of each Montpellier sous-quartier in each of the
  draw's 12 strata (territory household-income quartile x age band), the basis of the
  draw's population quotas (see :func:`strata`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
from geo_caisse.builder.osm import FOOD_SHOPS, UNNAMED_FR  # noqa: E402
from geo_caisse.builder.strata import income_cdf  # noqa: E402

OUT = ROOT / "montpellier"
SRC = OUT / "sources"
CURATED = OUT / "curated"
METRIC = "EPSG:2154"
SEED = 2023  # the year the Caisse Alimentaire Commune de Montpellier started
N_ILLUSTRATIVE_CONVENTIONNES = 46  # with La Cagette and L'Esperluette: ~50, as publicly reported

SOURCE_FILES = [
    "PROVENANCE.md",
    "boundaries/mmm_outline.geojson",
    "boundaries/mmm_communes.geojson",
    "boundaries/montpellier_quartiers.geojson",
    "boundaries/montpellier_sous_quartiers.geojson",
    "socio/montpellier_diag_sociodemo_2009.csv",
    "socio/insee_revenus_fiscaux_iris_2009.csv",
    "socio/insee_revenus_fiscaux_communes_2009.csv",
    "socio/insee_caf_allocataires_iris_2009.csv",
    "socio/mmm_communes_population_2013_2021.csv",
    "socio/insee_iris_columns_dictionary.csv",
    "socio/insee_population_logements_iris_1999.csv",
    "osm/montpellier_food_points_of_sale_osm.geojson",
    "osm/montpellier_commerces_osm_2014.geojson",
    "addresses/montpellier_point_adresse_2014.gpkg",
    # the walking network (issue 3): used as is by geo_caisse.walk.network, no transformation here
    "osm/montpellier_walk_network_2021.graphml.gz",
    "context/cac_partner_leads.csv",
    # the base map (used as they are by geo_caisse.layers.basemap) and the search's places
    "streets/montpellier_filaire_voies_2014.gpkg",
    "transit/mmm_tram_lines.geojson",
    "transit/montpellier_tram_stops_osm.geojson",
    "osm/montpellier_amenities_osm.geojson",
]

# OSM shop category (as regrouped in the source) -> (point-of-sale kind, geo_caisse categories)
# and the French name of an unnamed shop: the territory builder's (geo-caisse territory build)
# mapping, so that Montpellier's shops and any other territory's are read the same way
CATEGORY_MAP: dict[str, tuple[str, list[str]]] = {
    c: (FOOD_SHOPS[c][0], list(FOOD_SHOPS[c][1]))
    for c in ("supermarket", "convenience", "grocery", "greengrocer", "bakery", "butcher",
              "organic", "farm", "deli", "cheese", "seafood", "frozen_food")}
# The committee's quality criteria favour fresh and specialised food: the illustrative draw
# picks among these categories (not supermarkets, convenience stores or frozen food).
ILLUSTRATIVE_ELIGIBLE = {
    "greengrocer", "bakery", "butcher", "organic", "farm", "cheese", "seafood", "grocery", "deli",
}


def copy_sources(origin: Path) -> None:
    """Copy the source files used here from ``origin`` (the shared data folder)."""
    for rel in SOURCE_FILES:
        target = SRC / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin / rel, target)
        print(f"copied {rel}")


def _ref(*parts: object) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:10]
    return f"osm-{digest}"


def _write(gdf: gpd.GeoDataFrame, name: str) -> None:
    path = OUT / name
    gdf = gdf.to_crs("EPSG:4326")
    path.write_text(gdf.to_json(drop_id=True, ensure_ascii=False, indent=None) + "\n",
                    encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT.parent)}: {len(gdf)} features")


# --------------------------------------------------------------------------------- territory
def outline() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(SRC / "boundaries/mmm_outline.geojson").to_crs("EPSG:4326")
    geom = shapely.make_valid(shapely.union_all(gdf.geometry.values))
    return gpd.GeoDataFrame(
        {"name": ["Montpellier Méditerranée Métropole"],
         "source": ["Montpellier Méditerranée Métropole, MMM_MMM_Contours (ODbL)"]},
        geometry=[geom], crs="EPSG:4326",
    )


# ---------------------------------------------------------------------------- neighbourhoods
def _multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    geom = shapely.make_valid(geom)
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return _multipolygon(shapely.union_all(polys))
    return geom


def neighbourhoods() -> gpd.GeoDataFrame:
    # communes: population 2021 (INSEE) and 2009 median income per consumption unit
    communes = gpd.read_file(SRC / "boundaries/mmm_communes.geojson")
    income_c = pd.read_csv(SRC / "socio/insee_revenus_fiscaux_communes_2009.csv",
                           dtype={"code_commune": str})
    income_c = income_c.set_index("code_commune")["RFUCQ2"]
    rows = []
    for c in communes.itertuples():
        rows.append({
            "code": str(c.code), "name": "Le Crès" if c.nom == "Crès" else str(c.nom),
            "level": "commune", "parent_code": None,
            "population": int(c.population_2021), "population_year": 2021,
            "median_income_uc_eur": float(income_c[c.code]) if c.code in income_c.index
            and pd.notna(income_c[c.code]) else None,
            "benefit_dependent_share": None, "extra": {}, "geometry": c.geometry,
        })

    diag = pd.read_csv(SRC / "socio/montpellier_diag_sociodemo_2009.csv",
                       dtype={"numero": str, "insee_grand_quartier": str})

    # quartiers: population 2009 from the city's diagnostic (matched by name)
    quartiers = gpd.read_file(SRC / "boundaries/montpellier_quartiers.geojson")
    diag_q = diag[diag.level == "quartier"].set_index("nom")
    # diagnostic sheet name and proper French name of each quartier code
    q_names = {"MC": "Centre", "CX": "Croix d'Argent", "CV": "Cévennes",
               "HO": "Hôpitaux-Facultés", "MI": "Port Marianne", "PA": "Mosson",
               "PR": "Près d'Arènes"}
    q_labels = {**q_names, "MC": "Montpellier Centre", "CV": "Les Cévennes"}
    for q in quartiers.itertuples():
        d = diag_q.loc[q_names[q.QUARTMNO]]
        rows.append({
            "code": f"34172-Q{int(q.QUARTIER)}", "name": q_labels[q.QUARTMNO],
            "level": "quartier", "parent_code": "34172",
            "population": round(float(d.population_2009)), "population_year": 2009,
            "median_income_uc_eur": None, "benefit_dependent_share": None,
            "extra": {"rsa_allocataires": None if pd.isna(d.nb_allocataires_rsa)
                      else int(d.nb_allocataires_rsa)},
            "geometry": q.geometry,
        })

    # sous-quartiers: diagnostic population, IRIS income and CAF benefit dependence
    sq = gpd.read_file(SRC / "boundaries/montpellier_sous_quartiers.geojson")
    diag_sq = diag[diag.level == "sous-quartier"].set_index("numero")
    rev = pd.read_csv(SRC / "socio/insee_revenus_fiscaux_iris_2009.csv",
                      dtype={"insee_grand_quartier": str})
    caf = pd.read_csv(SRC / "socio/insee_caf_allocataires_iris_2009.csv",
                      dtype={"insee_grand_quartier": str})
    rev = rev[rev.RFUCQ2.notna() & rev.NbPers.notna()]
    income_gq = rev.groupby("insee_grand_quartier").apply(
        lambda g: float(np.average(g.RFUCQ2, weights=g.NbPers)), include_groups=False)
    men_gq = rev.groupby("insee_grand_quartier").NbMen.sum()
    caf50_gq = caf.groupby("insee_grand_quartier").APRES50.sum(min_count=1)
    # Millénaire and Grammont share one INSEE grand quartier (GQ19): split its population
    # in proportion to area
    sq_metric = sq.to_crs(METRIC)
    area = sq_metric.area
    gq_area = area.groupby(sq.insee_grand_quartier).transform("sum")
    for i, s in enumerate(sq.itertuples()):
        d = diag_sq.loc[s.diag_numero]
        share = float(area.iloc[i] / gq_area.iloc[i])
        gq = s.insee_grand_quartier
        dep = (float(caf50_gq[gq] / men_gq[gq])
               if gq in caf50_gq.index and gq in men_gq.index and pd.notna(caf50_gq[gq])
               and men_gq[gq] > 0 else None)
        rows.append({
            "code": f"34172-SQ{int(s.SQUARTIER_):02d}", "name": str(s.LIBSQUART),
            "level": "sous_quartier", "parent_code": f"34172-Q{int(s.QUARTIER)}",
            "population": round(float(d.population_2009) * share), "population_year": 2009,
            "median_income_uc_eur": round(float(income_gq[gq]), 0)
            if gq in income_gq.index else None,
            "benefit_dependent_share": None if dep is None else round(dep, 4),
            "extra": {
                "insee_grand_quartier": gq,
                "population_share_of_grand_quartier": round(share, 4),
                "pct_chomeurs": None if pd.isna(d.pct_chomeurs)
                else round(float(d.pct_chomeurs), 4),
                "pct_logements_hlm": None if pd.isna(d.pct_logements_hlm)
                else round(float(d.pct_logements_hlm), 4),
                "rsa_allocataires": None if pd.isna(d.nb_allocataires_rsa)
                else round(float(d.nb_allocataires_rsa) * share),
            },
            "geometry": s.geometry,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["geometry"] = [_multipolygon(g) for g in gdf.geometry]
    gdf["extra"] = [json.dumps(e, ensure_ascii=False) for e in gdf.extra]
    return gdf.sort_values(["level", "code"]).reset_index(drop=True)


# ------------------------------------------------------------------------------ strata
# The draw's strata: income quartile of the territory x age band (<30, 30-60, >60).
AGE_BANDS = ("<30", "30-60", ">60")
# adults by census 1999 age column: share of each column falling in each band, assuming ages
# spread evenly inside a column (18-19 is 2/20 of 0-19; 25-29 is 5/15 of 25-39)
AGE_COLUMNS = {
    "0019": {"<30": 2 / 20}, "2024": {"<30": 1.0}, "2539": {"<30": 5 / 15, "30-60": 10 / 15},
    "4059": {"30-60": 1.0}, "6074": {">60": 1.0}, "75p": {">60": 1.0},
}
CITY_CODE = "34172"


#: the territory builder's distribution through published deciles (geo_caisse.builder.strata)
_income_cdf = income_cdf


def strata(neighbourhoods_gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """ESTIMATED adults per sous-quartier and stratum (income quartile x age band).

    - Income quartiles are the city's 2009 quartiles of declared income per consumption unit
      (INSEE/DGFiP, commune of Montpellier: Q1 8,018 EUR, median 15,731 EUR, Q3 24,789 EUR).
      Each IRIS's share of persons in each quartile is read off a piecewise-linear
      distribution through its own published D1, Q1, median, Q3, D9 (IRIS with only quartiles
      use those; IRIS with none take their grand quartier's average shares). These are
      person-weighted, not household-weighted, quartiles.
    - Age bands come from the 1999 census by IRIS (the only IRIS age table offline), adults
      only, summed per INSEE grand quartier; IRIS created after 1999 have no row there, and
      grand quartiers with none (Port Marianne, Millénaire) take the city's age shares.
    - Income and age are taken as independent inside a grand quartier (no joint table is
      published), so a stratum's share there is the product of the two shares.
    - Each sous-quartier's adults = its 2009 population x its grand quartier's 1999 adult
      share; Millénaire and Grammont split their shared grand quartier by area as above.
    """
    communes = pd.read_csv(SRC / "socio/insee_revenus_fiscaux_communes_2009.csv",
                           dtype={"code_commune": str}).set_index("code_commune")
    city = communes.loc[CITY_CODE]
    thresholds = [float(city.RFUCQ1), float(city.RFUCQ2), float(city.RFUCQ3)]

    rev = pd.read_csv(SRC / "socio/insee_revenus_fiscaux_iris_2009.csv",
                      dtype={"insee_grand_quartier": str, "dc": str})
    rev = rev[rev.dc == CITY_CODE]
    shares_rows = []
    for r in rev.itertuples():
        points = [(float(v), f) for v, f in ((r.RFUCD1, .1), (r.RFUCQ1, .25), (r.RFUCQ2, .5),
                                             (r.RFUCQ3, .75), (r.RFUCD9, .9)) if pd.notna(v)]
        if len(points) < 3 or pd.isna(r.NbPers):
            continue
        below = [_income_cdf(points, t) for t in thresholds]
        cuts = [0.0, *below, 1.0]
        shares_rows.append({"gq": r.insee_grand_quartier, "persons": float(r.NbPers),
                            **{f"Q{q}": max(0.0, cuts[q] - cuts[q - 1]) for q in (1, 2, 3, 4)}})
    shares = pd.DataFrame(shares_rows)
    quartiles = [f"Q{q}" for q in (1, 2, 3, 4)]
    income_gq = shares.groupby("gq").apply(
        lambda g: pd.Series({q: float(np.average(g[q], weights=g.persons)) for q in quartiles}),
        include_groups=False)
    income_gq = income_gq.div(income_gq.sum(axis=1), axis=0)

    ages = pd.read_csv(SRC / "socio/insee_population_logements_iris_1999.csv",
                       dtype={"insee_grand_quartier": str, "dc": str})
    ages = ages[(ages.dc == CITY_CODE) & ages.xpoptot.notna()]
    band_gq = pd.DataFrame(0.0, index=sorted(ages.insee_grand_quartier.unique()),
                           columns=list(AGE_BANDS))
    for col, split in AGE_COLUMNS.items():
        both = ages[f"xp{col}h"].fillna(0) + ages[f"xp{col}f"].fillna(0)
        summed = both.groupby(ages.insee_grand_quartier).sum()
        for band, part in split.items():
            band_gq[band] += summed * part
    adult_share_gq = band_gq.sum(axis=1) / ages.groupby("insee_grand_quartier").xpoptot.sum()
    city_adult_share = band_gq.sum().sum() / ages.xpoptot.sum()
    city_bands = band_gq.sum() / band_gq.sum().sum()
    band_gq = band_gq.div(band_gq.sum(axis=1), axis=0)

    rows = []
    sq = neighbourhoods_gdf[neighbourhoods_gdf.level == "sous_quartier"]
    for n in sq.itertuples():
        gq = json.loads(n.extra)["insee_grand_quartier"]
        inc = income_gq.loc[gq] if gq in income_gq.index else income_gq.mean()
        # grand quartiers built after 1999 (Port Marianne, Millénaire) take the city's ages
        bands = band_gq.loc[gq] if gq in band_gq.index else city_bands
        adults = float(n.population) * float(adult_share_gq.get(gq, city_adult_share))
        row = {"neighbourhood_code": n.code}
        for q in (1, 2, 3, 4):
            for band in AGE_BANDS:
                row[f"Q{q}|{band}"] = round(adults * float(inc[f"Q{q}"])
                                            * float(bands[band]))
        rows.append(row)
    out = pd.DataFrame(rows).sort_values("neighbourhood_code").reset_index(drop=True)
    return out


def _write_csv(frame: pd.DataFrame, name: str, comment: str) -> None:
    path = OUT / name
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("".join(f"# {line}\n" for line in comment.splitlines()))
        frame.to_csv(f, index=False, lineterminator="\n")
    print(f"wrote {path.relative_to(ROOT.parent)}: {len(frame)} rows")


# ------------------------------------------------------------------------------ addresses
def _addresses() -> gpd.GeoDataFrame:
    a = gpd.read_file(SRC / "addresses/montpellier_point_adresse_2014.gpkg").to_crs(METRIC)
    return a[a.NUM_VOI > 0][["ADR", "LIB_OFF", "geometry"]]


def _nearest_address(points: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame,
                     max_m: float) -> pd.Series:
    joined = gpd.sjoin_nearest(points[["geometry"]], addresses[["ADR", "geometry"]],
                               how="left", max_distance=max_m)
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["ADR"].reindex(points.index)


# -------------------------------------------------------------------------------- markets
def markets(addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    spec = pd.read_csv(CURATED / "markets.csv", dtype=str, keep_default_na=False)
    sq = gpd.read_file(SRC / "boundaries/montpellier_sous_quartiers.geojson").to_crs(METRIC)
    pos = gpd.read_file(SRC / "osm/montpellier_food_points_of_sale_osm.geojson").to_crs(METRIC)
    osm_markets = pos[pos.category == "marketplace"]
    rows = []
    for m in spec.itertuples():
        if m.street:
            on_street = addresses[m.street == addresses.LIB_OFF]
            if on_street.empty:
                raise SystemExit(f"markets.csv {m.ref}: no address on {m.street!r}")
            if m.sous_quartier:
                poly = sq[m.sous_quartier == sq.LIBSQUART].geometry.iloc[0]
                on_street = on_street[on_street.within(poly)]
                if on_street.empty:
                    raise SystemExit(f"markets.csv {m.ref}: {m.street!r} not in {m.sous_quartier}")
            xy = np.median(shapely.get_coordinates(on_street.geometry.values), axis=0)
            point = shapely.Point(xy)
            placement = f"median of the address points on {m.street}"
        else:
            poly = sq[m.sous_quartier == sq.LIBSQUART].geometry.iloc[0]
            inside = addresses[addresses.within(poly)]
            xy = np.median(shapely.get_coordinates(inside.geometry.values), axis=0)
            point = shapely.Point(xy)
            placement = f"median address point of the sous-quartier {m.sous_quartier} (approximate)"
        if m.use_osm_marketplace == "yes":
            d = osm_markets.distance(point)
            if d.min() <= 400:
                point = osm_markets.geometry.loc[d.idxmin()]
                placement = "OSM amenity=marketplace node"
        rows.append({"ref": m.ref, "name": m.name, "kind": m.kind,
                     "opening_hours": m.opening_hours, "placement": placement,
                     "source": f"schedule: {m.schedule_basis}; placement: {placement}",
                     "geometry": point})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    gdf["address"] = _nearest_address(gdf, addresses, 150).fillna("")
    gdf["address"] = [a if a else None for a in gdf.address]
    return gdf.drop(columns=["placement"])


# ------------------------------------------------------------------------- points of sale
def points_of_sale(addresses: gpd.GeoDataFrame, market_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pos = gpd.read_file(SRC / "osm/montpellier_food_points_of_sale_osm.geojson")
    pos = pos[pos.category != "marketplace"].to_crs(METRIC).copy()
    lon, lat = shapely.get_coordinates(pos.to_crs("EPSG:4326").geometry.values).T
    pos["ref"] = [_ref(c, n, f"{x:.6f}", f"{y:.6f}")
                  for c, n, x, y in zip(pos.category, pos.name, lon, lat, strict=True)]
    pos = pos.drop_duplicates("ref").copy()
    pos["kind"] = [CATEGORY_MAP[c][0] for c in pos.category]
    pos["categories"] = [";".join(CATEGORY_MAP[c][1]) for c in pos.category]
    pos["display_name"] = [n if isinstance(n, str) and n.strip() else UNNAMED_FR[c]
                           for n, c in zip(pos.name, pos.category, strict=True)]

    # opening hours and wheelchair access from the 2014 OSM extract: same name within 60 m
    old = gpd.read_file(SRC / "osm/montpellier_commerces_osm_2014.geojson").to_crs(METRIC)
    old = old[old.name.notna()][["name", "opening_hours", "wheelchair", "geometry"]]
    old["key"] = old.name.str.strip().str.lower()
    pos["key"] = pos.name.fillna("").str.strip().str.lower()
    joined = gpd.sjoin_nearest(pos[["key", "geometry"]], old, how="left", max_distance=60)
    joined = joined[joined.key_left == joined.key_right]
    joined = joined[~joined.index.duplicated(keep="first")]
    from geo_caisse.core.opening_hours import parse_opening_hours

    # Imports no longer need this filter: hours the parser refuses load as "to be checked"
    # with a note (geo_caisse/io/validation.py). It is kept so that the bundled
    # points_of_sale.geojson stays as it was made: re-running this script with the full
    # parser gives byte-identical files (checked on 2026-12-02: the joined 2014 hours that
    # the former subset parser refused are refused by the full one too).
    def _valid_hours(value: object) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        try:
            return parse_opening_hours(value).source
        except ValueError:
            return None

    pos["opening_hours"] = joined.opening_hours.map(_valid_hours).reindex(pos.index)
    wheel = joined.wheelchair.where(joined.wheelchair.isin(["yes", "no", "limited"]))
    pos["wheelchair"] = wheel.reindex(pos.index).fillna("unknown")
    pos["address"] = _nearest_address(pos, addresses, 40)
    pos["status"] = "candidate"
    pos["accepts_mona"] = False
    pos["source"] = "OpenStreetMap shop=* node (ODbL); candidate"
    pos["market_ref"] = None

    # La Cagette: publicly reported as accepting the MonA (cooperative supermarket)
    cagette = pos.name.fillna("").str.fullmatch("La Cagette")
    pos.loc[cagette, ["kind", "status", "accepts_mona"]] = ["cooperative", "conventionne", True]
    pos.loc[cagette, "categories"] = "supermarket;organic;fruit_vegetables"
    pos.loc[cagette, "source"] = ("OpenStreetMap (ODbL); conventionné per press report "
                                  "(Que Choisir, 2024-12)")
    # L'Esperluette: épicerie sociale listed among the partner organisations
    esper = pos.name.fillna("").str.lower().str.fullmatch("l'esperluette")
    pos.loc[esper, ["status", "accepts_mona"]] = ["conventionne", True]
    pos.loc[esper, "source"] = ("OpenStreetMap (ODbL); ILLUSTRATIVE conventionné: partner "
                                "organisation, MonA acceptance not confirmed")
    # the rest of the illustrative selection: a seeded draw among named fresh-food shops
    rng = np.random.default_rng(SEED)
    eligible = pos[pos.category.isin(ILLUSTRATIVE_ELIGIBLE) & pos.name.notna()
                   & (pos.status == "candidate")].sort_values("ref")
    chosen = rng.choice(eligible.index.to_numpy(), size=N_ILLUSTRATIVE_CONVENTIONNES,
                        replace=False)
    pos.loc[chosen, ["status", "accepts_mona"]] = ["conventionne", True]
    pos.loc[chosen, "source"] = ("OpenStreetMap (ODbL); ILLUSTRATIVE conventionné "
                                 f"(seeded draw, seed {SEED}), not the caisse's real list")

    out = pos.rename(columns={"display_name": "name_out"})[
        ["ref", "name_out", "kind", "status", "categories", "opening_hours", "wheelchair",
         "accepts_mona", "address", "market_ref", "source", "geometry"]
    ].rename(columns={"name_out": "name"})

    # market stalls (curated; mostly illustrative), located at their market
    stalls = pd.read_csv(CURATED / "stalls.csv", dtype=str, keep_default_na=False)
    by_ref = market_gdf.set_index("ref")
    stall_rows = []
    for s in stalls.itertuples():
        market = by_ref.loc[s.market_ref]
        conv = s.status == "conventionne"
        stall_rows.append({
            "ref": s.ref, "name": s.name, "kind": "market_stall", "status": s.status,
            "categories": s.categories, "opening_hours": market.opening_hours,
            "wheelchair": "unknown", "accepts_mona": conv, "address": market.address,
            "market_ref": s.market_ref,
            "source": ("ILLUSTRATIVE market stall" if s.basis == "illustrative" else s.basis),
            "geometry": market.geometry,
        })
    out = pd.concat([out, gpd.GeoDataFrame(stall_rows, geometry="geometry", crs=METRIC)])
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=METRIC)
    return out.sort_values("ref").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copy-from", type=Path,
                        help="copy the source files from this folder first")
    args = parser.parse_args(argv)
    if args.copy_from:
        copy_sources(args.copy_from)
    missing = [rel for rel in SOURCE_FILES if not (SRC / rel).exists()]
    if missing:
        print(f"missing source files in {SRC}: {missing}; use --copy-from", file=sys.stderr)
        return 1
    addresses = _addresses()
    _write(outline(), "outline.geojson")
    neighbourhood_gdf = neighbourhoods()
    _write(neighbourhood_gdf, "neighbourhoods.geojson")
    _write_csv(strata(neighbourhood_gdf), "strata.csv",
               "ESTIMATED adults (18+) per Montpellier sous-quartier and draw stratum (income\n"
               "quartile of the city x age band). Built by data/prepare_montpellier.py strata()\n"
               "from INSEE/DGFiP revenus fiscaux IRIS 2009, census 1999 ages by IRIS and the\n"
               "city's 2009 diagnostic populations; income and age assumed independent inside\n"
               "an INSEE grand quartier. Source : Insee. Licence Ouverte / Etalab.")
    market_gdf = markets(addresses)
    _write(market_gdf, "markets.geojson")
    _write(points_of_sale(addresses, market_gdf), "points_of_sale.geojson")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT.parent))
    raise SystemExit(main())
