"""The core every other part of the caisse stands on (imports nothing else of geo_caisse).

- ``errors``: the one error tree; ``settings``: ``GEO_CAISSE_*`` settings, one class per concern
- ``crs``: WGS84 for I/O, the territory's metric CRS for maths; ``proximity``: straight lines
- ``domain``: points of sale, markets, neighbourhoods, the "takes the Mona" rule
- ``opening_hours``: OSM opening hours; ``territory`` and ``config``: a territory's folder
- ``privacy``: the minimum group behind every published figure (adaptive grid, suppression)
- ``cells``: the one home-cell rule (200 m); ``strata``: income quartiles × age bands
- ``progress``: what long jobs report with
"""
