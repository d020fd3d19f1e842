"""Import (coordinators) and export of points of sale and markets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import Response

from api.deps import CoordinatorDep, SessionsDep, SettingsDep, TerritoryDep, store_changed
from api.errors import PayloadTooLargeError
from api.schemas import ImportResult
from geo_caisse import services
from geo_caisse.io import export_bytes, format_of

router = APIRouter(prefix="/api", tags=["import and export"])

LayerName = Literal["points_of_sale", "markets"]
_MEDIA = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
          "gpkg": "application/geopackage+sqlite3"}


@router.post("/import/{layer}", response_model=ImportResult)
def import_layer(
    sessions: SessionsDep,
    territory: TerritoryDep,
    settings: SettingsDep,
    _coordinator: CoordinatorDep,
    layer: Annotated[LayerName, Path()],
    file: Annotated[UploadFile, File(description="GeoJSON, CSV (lon/lat) or GeoPackage")],
    request: Request,
    crs: Annotated[str | None, Query(description="CRS of a CSV's x/y columns")] = None,
) -> ImportResult:
    """Validate the whole file, then write it in one transaction, or write nothing."""
    name = FsPath(file.filename or "upload").name
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
        result = services.import_layer(sessions, territory, path, layer, fmt=fmt, crs=crs,
                                       source=name)
    store_changed(request)
    return ImportResult(layer=layer, inserted=result.inserted, updated=result.updated)


@router.get("/export/{layer}.{fmt}", response_class=Response)
def export_layer(
    sessions: SessionsDep,
    layer: Annotated[LayerName, Path()],
    fmt: Annotated[Literal["geojson", "csv", "gpkg"], Path()],
) -> Response:
    """Every point of sale or market as a file (public data: no member information)."""
    objs = services.list_layer(sessions, layer)
    return Response(
        export_bytes(objs, layer, fmt), media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{layer}.{fmt}"'},
    )
