"""The base map every page draws, cut from the territory's own open data (no tile server).

- ``sources``: the layers (streets and their names, paths, tram lines in their colours and
  stops, neighbourhoods and their names, the outline), read in Web Mercator
- ``tiles``: the vector tiles (MVT) cut once into a PMTiles archive in the cache folder, and
  :class:`BaseMap`, which serves them from memory
"""
