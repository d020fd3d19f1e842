"""What every published flow figure looks like: an amount and its members, or hidden."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

#: kinds of point of sale counted as producers (market stalls are mostly producers)
PRODUCER_KINDS = ("producer", "amap", "market_stall")
#: kinds of transfer that involve a member
MEMBER_KINDS = ("allocation", "payment", "contribution")


def mona_text(cents: int | np.integer) -> str:
    """Cents as a decimal string: ``mona_text(1250) == "12.50"``."""
    return str((Decimal(int(cents)) / 100).quantize(Decimal("0.01")))


def figure(cents: int | np.integer, members: int | np.integer, shown: bool | np.bool_
           ) -> dict[str, Any]:
    """A published figure: ``mona`` and ``members``, both None (``suppressed``) when hidden."""
    if int(members) == 0:
        return {"mona": "0.00", "members": 0, "suppressed": False}
    if not shown:
        return {"mona": None, "members": None, "suppressed": True}
    return {"mona": mona_text(cents), "members": int(members), "suppressed": False}
