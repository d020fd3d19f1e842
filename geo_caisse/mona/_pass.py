"""The one compiled pass over the payments (numba), which the flows publish from.

The benchmark (``benchmarks/bench_flows.py``) compares it with pandas and DuckDB.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray


@njit(cache=True, parallel=True)
def _aggregate_chunks(payer: Any, payee: Any, cents: Any, month: Any, member_row: Any,
                      n_rows: int, n_vendors: int, n_months: int, month_lo: int,
                      month_hi: int, n_chunks: int) -> tuple[Any, ...]:
    n_members = member_row.size
    n_bytes = (n_vendors + 7) // 8
    rm = np.zeros((n_chunks, n_rows, n_months), dtype=np.int64)
    rv = np.zeros((n_chunks, n_rows, n_vendors), dtype=np.int64)
    vm = np.zeros((n_chunks, n_vendors, n_months), dtype=np.int64)
    mm = np.zeros((n_chunks, n_members, n_months), dtype=np.uint8)
    mv = np.zeros((n_chunks, n_members, n_bytes), dtype=np.uint8)  # bits: one per vendor
    size = payer.size
    for c in prange(n_chunks):
        for i in range(c * size // n_chunks, (c + 1) * size // n_chunks):
            t = month[i]
            if t < month_lo or t >= month_hi:
                continue
            m = payer[i]
            v = payee[i]
            r = member_row[m]
            rm[c, r, t] += cents[i]
            rv[c, r, v] += cents[i]
            vm[c, v, t] += cents[i]
            mm[c, m, t] = 1
            mv[c, m, v >> 3] |= np.uint8(1 << (v & 7))
    return rm, rv, vm, mm, mv


@njit(cache=True)
def _merge(rm: Any, rv: Any, vm: Any, mm: Any, mv: Any, member_row: Any,
           n_vendors: int) -> tuple[Any, ...]:
    n_chunks, n_members, n_months = mm.shape
    n_rows = rm.shape[1]
    row_month = rm.sum(axis=0)
    row_vendor = rv.sum(axis=0)
    vendor_month = vm.sum(axis=0)
    member_month = np.zeros((n_members, n_months), dtype=np.uint8)
    member_vendor = np.zeros((n_members, n_vendors), dtype=np.uint8)
    members_row_month = np.zeros((n_rows, n_months), dtype=np.int64)
    members_row_vendor = np.zeros((n_rows, n_vendors), dtype=np.int64)
    for m in range(n_members):
        r = member_row[m]
        for t in range(n_months):
            for c in range(n_chunks):
                if mm[c, m, t]:
                    member_month[m, t] = 1
                    members_row_month[r, t] += 1
                    break
        for v in range(n_vendors):
            for c in range(n_chunks):
                if mv[c, m, v >> 3] & (1 << (v & 7)):
                    member_vendor[m, v] = 1
                    members_row_vendor[r, v] += 1
                    break
    return (row_month, row_vendor, vendor_month, member_month, member_vendor,
            members_row_month, members_row_vendor)


def aggregate_payments(payer: NDArray[np.int32], payee: NDArray[np.int32],
                       cents: NDArray[np.integer], month: NDArray[np.int16],
                       member_row: NDArray[np.int32], n_rows: int, n_vendors: int,
                       n_months: int, month_lo: int, month_hi: int) -> tuple[Any, ...]:
    """One compiled pass over member→vendor payments of months ``[month_lo, month_hi)``.

    ``member_row[m]`` is member ``m``'s home row (its grid cell; the last row holds
    members without a cell). Returns cents by (row, month), by (row, vendor), by
    (vendor, month); who paid when and where (member × month and member × vendor
    presence, uint8); and the distinct members by (row, month) and by (row, vendor).
    The payments are split in one chunk per thread, each with its own sums and presence
    bits, merged afterwards (a cost per member, not per payment).
    """
    import numba

    chunks = max(1, min(numba.get_num_threads(), payer.size // 1_000_000 or 1))
    parts = _aggregate_chunks(payer, payee, cents, month, member_row, n_rows, n_vendors,
                              n_months, month_lo, month_hi, chunks)
    return _merge(*parts, member_row, n_vendors)  # type: ignore[call-arg]


@njit(cache=True)
def _month_sets(payer: Any, payee: Any, month: Any, n_members: int, n_vendors: int,
                month_lo: int, month_hi: int) -> Any:
    n_months = month_hi - month_lo
    masks = np.zeros((n_vendors, n_members), dtype=np.uint16)
    for i in range(payer.size):
        t = month[i]
        if t < month_lo or t >= month_hi:
            continue
        masks[payee[i], payer[i]] |= np.uint16(1 << (t - month_lo))
    counts = np.zeros((n_vendors, 1 << n_months), dtype=np.int64)
    for v in range(n_vendors):
        for m in range(n_members):
            counts[v, masks[v, m]] += 1
    counts[:, 0] = 0  # members who never paid there
    return counts


def vendor_month_sets(payer: NDArray[np.int32], payee: NDArray[np.int32],
                      month: NDArray[np.int16], n_members: int, n_vendors: int,
                      month_lo: int, month_hi: int) -> NDArray[np.int64]:
    """For each vendor, how many members paid it in exactly each set of the months
    ``[month_lo, month_hi)`` (at most 12): ``counts[v, s]``, ``s`` a bit set of the months.

    One compiled pass over the payments; from it the distinct payers of any month, or of
    any union of months, of a vendor are sums over at most 4,096 numbers, with no payment
    read again.
    """
    if not 0 <= month_hi - month_lo <= 12:
        raise ValueError("at most 12 months (a year)")
    return _month_sets(payer, payee, month, n_members, n_vendors,  # type: ignore[no-any-return]
                       month_lo, month_hi)
