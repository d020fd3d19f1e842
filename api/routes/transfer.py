"""Import (coordinators) and export of points of sale and markets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response

from api.deps import CoordinatorDep, LayersChangedDep, SessionsDep, SettingsDep, TerritoryDep
from api.errors import PayloadTooLargeError, responses
from api.schemas.layers import ImportResult
from geo_caisse.io.formats import format_of
from geo_caisse.io.writers import export_bytes
from geo_caisse.layers.loading import import_layer as import_file
from geo_caisse.layers.loading import list_layer

router = APIRouter(prefix="/api", tags=["import and export"])

LayerName = Literal["points_of_sale", "markets"]
_MEDIA = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
          "gpkg": "application/geopackage+sqlite3"}


@router.post("/import/{layer}", response_model=ImportResult,
             responses=responses(401, 403, 409, 413, 422))
def import_layer(
    sessions: SessionsDep,
    territory: TerritoryDep,
    settings: SettingsDep,
    _coordinator: CoordinatorDep,
    changed: LayersChangedDep,
    layer: Annotated[LayerName, Path()],
    file: Annotated[UploadFile, File(description="GeoJSON, CSV (lon/lat) or GeoPackage")],
    crs: Annotated[str | None, Query(description="CRS of a CSV's x/y columns",
                                     max_length=200)] = None,
    gpkg_layer: Annotated[str | None, Query(
        description="the layer of a GeoPackage holding several", min_length=1,
        max_length=200)] = None,
) -> ImportResult:
    """Validate the whole file, then write it in one transaction, or write nothing."""
    name = FsPath(file.filename or "upload").name[-120:]
    fmt = format_of(name)
    limit = settings.api.max_upload_bytes
    with tempfile.TemporaryDirectory() as tmpdir:
        path = FsPath(tmpdir) / f"upload.{fmt}"
        size = 0
        with open(path, "wb") as out:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(f"{name}: larger than the {limit} bytes allowed")
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        result = import_file(sessions, territory, path, layer, fmt=fmt, crs=crs, source=name,
                             gpkg_layer=gpkg_layer)
    changed()
    return ImportResult(layer=layer, inserted=result.inserted, updated=result.updated,
                        notes=result.notes)


@router.get("/export/{layer}.{fmt}", response_class=Response,
            responses={200: {"content": {m: {} for m in _MEDIA.values()}}, **responses(422)})
def export_layer(
    sessions: SessionsDep,
    layer: Annotated[LayerName, Path()],
    fmt: Annotated[Literal["geojson", "csv", "gpkg"], Path()],
) -> Response:
    """Every point of sale or market as a file (public data: no member information)."""
    return Response(
        export_bytes(list_layer(sessions, layer), layer, fmt), media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{layer}.{fmt}"'},
    )
