"""The Mona: the caisse's local currency, its pseudonymous ledger and what may be published.

- ``money``: cents and months; ``accounts``: members' accounts (pseudonym, home cell)
- ``payments``: one-time codes, payments at the till, vendors paying each other, reconversion
- ``treasury``: the monthly allocation, contributions, funding, reversals
- ``statements``: a member's own statement, the budget, the ledger's invariants
- ``transactions``: the CSV import contract (a Cyclos or Kohinos export)
- ``simulate``: a SYNTHETIC year of activity (seeded)
- ``flowdata`` and ``_pass``: the movements as arrays and the one compiled pass over them;
  ``flows``: :class:`MonaFlows` and its publications (``homes``, ``vendors``, ``shares``),
  every figure behind at least the minimum group; ``service``: the flows kept while the
  ledger does not move

Kinds of transfer::

    allocation      mona:issuance      -> member          the monthly Mona, once per month
    payment         member             -> vendor          at the till, with a payment code
    vendor_payment  vendor             -> vendor          a shop buying from a producer
    reconversion    vendor             -> mona:reconversion   Mona turned back into euros,
    payout          eur:treasury       -> eur:payout          ...paid out in the same event
    contribution    eur:inflow         -> eur:treasury    a member's monthly contribution
    funding         eur:inflow         -> eur:treasury    public, foundation, state top-up
    reversal        mirror of a transfer (the only correction)
"""
