"""Walking access: how far people live from a conventionné, on foot.

- ``network``: the walking network as CSR arrays (cached); ``_kernels``: compiled searches
- ``population``: where people live, and who has a low income
- ``accessibility``: walking times to the conventionnés; ``deserts``: food deserts per cell
  and neighbourhood; ``whatif``: the exact effect of one more or one less conventionné
- ``printmap``: printable A4 maps; ``service``: :class:`WalkingService`, the use cases over
  the store's conventionnés, kept in memory
"""
