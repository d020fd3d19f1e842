"""Who enters the caisse: volunteers, the public stratified draw, exits, the committee.

- ``draw``: the seeded, verifiable draw (pure: no store); ``strata``: the territory's adults
  per stratum and the quotas they give
- ``volunteers``: the pool and the waiting list; ``held``: a draw held over the store's pool,
  its publication and re-check; ``plan``: a draw's quotas and waiting volunteers before it is
  held (under the minimum group); ``exits``: a member leaves, the next volunteer enters
- ``coverage``: how the members mirror the strata; ``committee``: seats and composition
- ``simulate``: SYNTHETIC volunteers (seeded)
"""
