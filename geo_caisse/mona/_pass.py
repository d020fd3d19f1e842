"""The one compiled pass over the payments (numba), which the flows publish from.

The benchmark (``benchmarks/bench_flows.py``) compares it with pandas and DuckDB.

What the pass costs is where it writes, not what it reads: every payment adds to a
(home cell, point of sale) sum and sets a (member, point of sale) bit, both picked at
random in tables larger than a core's cache. So each thread first deals its payments,
in one read and without sorting, into buckets of neighbouring home cells (the members
being numbered cell by cell); when a bucket is full (131,072 payments) they are added up
at once, and the bucket's slice of every table stays in the core's cache meanwhile. A
dealt payment is one integer (member, point of sale and month; 32 bits while they fit)
and its amount, in the amounts' own type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

_CAPACITY = 1 << 17           # payments a bucket holds before they are added up
_BUFFER_BYTES = 1 << 25       # a thread's buckets, at most (32 MB)
_BUCKET_BYTES = 1 << 18       # a bucket's slice of the (cell, point of sale) sums


@njit(cache=True)
def _add_bucket(keys: Any, amounts: Any, n: int, c: int, rank_row: Any, rm: Any, rv: Any,
                vm: Any, mm: Any, mv: Any, month_lo: int, member_shift: int,
                month_bits: int) -> None:
    month_mask = (1 << month_bits) - 1
    vendor_mask = (1 << (member_shift - month_bits)) - 1
    for p in range(n):
        key = np.int64(keys[p])
        q = key >> member_shift
        v = (key >> month_bits) & vendor_mask
        k = key & month_mask
        t = k + month_lo
        a = np.int64(amounts[p])
        r = rank_row[q]
        rm[c, r, t] += a
        rv[c, r, v] += a
        vm[c, v, t] += a
        mm[c, q, k >> 3] |= np.uint8(1 << (k & 7))
        mv[c, q, v >> 3] |= np.uint8(1 << (v & 7))


@njit(cache=True, parallel=True)
def _aggregate_chunks(payer: Any, payee: Any, cents: Any, month: Any, member_rank: Any,
                      member_bucket: Any, rank_row: Any, rm: Any, rv: Any, vm: Any,
                      mm: Any, mv: Any, month_lo: int, month_hi: int, keys_all: Any,
                      amounts_all: Any, member_shift: int, month_bits: int) -> None:
    n_chunks, n_buckets, capacity = keys_all.shape
    size = payer.size
    for c in prange(n_chunks):
        keys = keys_all[c]
        amounts = amounts_all[c]
        fill = np.zeros(n_buckets, np.int64)
        for i in range(c * size // n_chunks, (c + 1) * size // n_chunks):
            t = np.int64(month[i])
            if t < month_lo or t >= month_hi:
                continue
            m = payer[i]
            b = member_bucket[m]
            j = fill[b]
            keys[b, j] = ((np.int64(member_rank[m]) << member_shift)
                          | (np.int64(payee[i]) << month_bits) | (t - month_lo))
            amounts[b, j] = cents[i]
            if j + 1 == capacity:  # a full bucket is added up at once, its slice in cache
                _add_bucket(keys[b], amounts[b], capacity, c, rank_row, rm, rv, vm, mm, mv,
                            month_lo, member_shift, month_bits)
                fill[b] = 0
            else:
                fill[b] = j + 1
        for b in range(n_buckets):
            _add_bucket(keys[b], amounts[b], fill[b], c, rank_row, rm, rv, vm, mm, mv,
                        month_lo, member_shift, month_bits)


@njit(cache=True)
def _merge(rm: Any, rv: Any, vm: Any, mm: Any, mv: Any, order: Any, rank_row: Any,
           n_vendors: int, month_lo: int, span: int) -> tuple[Any, ...]:
    n_chunks, n_members, _ = mm.shape
    n_rows, n_months = rm.shape[1], rm.shape[2]
    row_month = rm.sum(axis=0)
    row_vendor = rv.sum(axis=0)
    vendor_month = vm.sum(axis=0)
    member_month = np.zeros((n_members, n_months), dtype=np.uint8)
    member_vendor = np.zeros((n_members, n_vendors), dtype=np.uint8)
    members_row_month = np.zeros((n_rows, n_months), dtype=np.int64)
    members_row_vendor = np.zeros((n_rows, n_vendors), dtype=np.int64)
    for q in range(n_members):
        m = order[q]
        r = rank_row[q]
        for b in range(mm.shape[2]):
            bits = mm[0, q, b]
            for c in range(1, n_chunks):
                bits |= mm[c, q, b]
            for j in range(8):
                k = b * 8 + j
                if k < span and bits & (1 << j):
                    member_month[m, month_lo + k] = 1
                    members_row_month[r, month_lo + k] += 1
        for b in range(mv.shape[2]):
            bits = mv[0, q, b]
            for c in range(1, n_chunks):
                bits |= mv[c, q, b]
            if bits:
                for j in range(8):
                    if bits & (1 << j):
                        member_vendor[m, b * 8 + j] = 1
                        members_row_vendor[r, b * 8 + j] += 1
    return (row_month, row_vendor, vendor_month, member_month, member_vendor,
            members_row_month, members_row_vendor)


def aggregate_payments(payer: NDArray[np.int32], payee: NDArray[np.int32],
                       cents: NDArray[np.integer], month: NDArray[np.int16],
                       member_row: NDArray[np.int32], n_rows: int, n_vendors: int,
                       n_months: int, month_lo: int, month_hi: int) -> tuple[Any, ...]:
    """One compiled pass over member→vendor payments of months ``[month_lo, month_hi)``.

    ``member_row[m]`` is member ``m``'s home row (its grid cell; the last row holds
    members without a cell). Returns cents by (row, month), by (row, vendor), by
    (vendor, month) (int64, exact); who paid when and where (member × month and
    member × vendor presence, uint8); and the distinct members by (row, month) and by
    (row, vendor).

    The payments are split in one chunk per thread, each with its own sums and presence
    bits, merged afterwards (a cost per member, not per payment). Extra memory is per
    thread and per cell, member and point of sale, plus at most 32 MB of buckets per
    thread, never per payment.
    """
    import numba

    lo, hi = max(0, month_lo), min(n_months, month_hi)
    hi = max(lo, hi)
    n_members = member_row.size
    # a dealt payment is one integer, member rank | vendor | month, 32 bits when it fits
    month_bits = max(1, hi - lo - 1).bit_length()
    member_shift = month_bits + max(1, n_vendors - 1).bit_length()
    width = member_shift + max(1, n_members - 1).bit_length()
    if width > 63:
        raise ValueError(f"{n_members:,} members × {n_vendors:,} points of sale × "
                         f"{hi - lo:,} months do not fit a 63-bit key")
    key_type = np.uint32 if width <= 32 else np.int64
    # members numbered cell by cell (a sort of the members, not of the payments)
    order = np.argsort(member_row, kind="stable").astype(np.int32)
    rank = np.empty(n_members, np.int32)
    rank[order] = np.arange(n_members, dtype=np.int32)
    rows_per_bucket = max(1, _BUCKET_BYTES // (8 * max(1, n_vendors)))
    member_bucket = (member_row // rows_per_bucket).astype(np.int32)
    n_buckets = n_rows // rows_per_bucket + 1
    c = max(1, min(numba.get_num_threads(), payer.size // 1_000_000 or 1))
    rm = np.zeros((c, n_rows, n_months), np.int64)
    rv = np.zeros((c, n_rows, n_vendors), np.int64)
    vm = np.zeros((c, n_vendors, n_months), np.int64)
    mm = np.zeros((c, n_members, (hi - lo + 7) // 8), np.uint8)
    mv = np.zeros((c, n_members, (n_vendors + 7) // 8), np.uint8)
    record = np.dtype(key_type).itemsize + cents.dtype.itemsize
    capacity = min(_CAPACITY, max(1024, _BUFFER_BYTES // (n_buckets * record)),
                   max(1, -(-payer.size // c)))
    keys = np.empty((c, n_buckets, capacity), key_type)
    amounts = np.empty((c, n_buckets, capacity), cents.dtype)
    _aggregate_chunks(payer, payee, cents, month, rank, member_bucket,
                      member_row[order], rm, rv, vm, mm, mv, lo, hi, keys, amounts,
                      member_shift, month_bits)
    return _merge(rm, rv, vm, mm, mv, order, member_row[order], n_vendors, lo,
                  hi - lo)


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


def compile_ahead() -> None:
    """Compile both passes for the arrays :class:`~geo_caisse.mona.flowdata.FlowData` gives
    them (int32 members and points of sale, int64 cents, int16 months; a 32-bit key), or
    load them from numba's disk cache: on a fresh install numba compiles a pass at its
    first call, seconds on a busy machine, which `geo-caisse init` takes instead of the
    first request for the flows."""
    one = np.zeros(1, np.int32)
    month = np.zeros(1, np.int16)
    aggregate_payments(one, one, np.ones(1, np.int64), month, one, 2, 1, 1, 0, 1)
    vendor_month_sets(one, one, month, 1, 1, 0, 1)
