"""Files in and out: points of sale and markets as GeoJSON, CSV or GeoPackage.

- ``formats``: the layers, formats and fields; ``_gdal``: GDAL work in a spawned process
- ``readers``: files to raw rows, point arrays, the neighbourhoods file
- ``validation``: raw rows to domain objects, every problem named with its row
- ``writers``: domain objects to files (the file is replaced whole)
"""
