"""The compiled pass against a plain numpy computation of the same tables."""

from __future__ import annotations

import numpy as np
import pytest

from geo_caisse.mona import _pass
from geo_caisse.mona._pass import aggregate_payments, vendor_month_sets


def _plain(payer: np.ndarray, payee: np.ndarray, cents: np.ndarray, month: np.ndarray,
           row: np.ndarray, n_rows: int, n_vendors: int, n_months: int, lo: int,
           hi: int) -> tuple[np.ndarray, ...]:
    keep = (month >= lo) & (month < hi)
    p, v, a, t = payer[keep], payee[keep], cents[keep].astype(np.int64), month[keep]
    r = row[p]
    rm = np.zeros((n_rows, n_months), np.int64)
    rv = np.zeros((n_rows, n_vendors), np.int64)
    vm = np.zeros((n_vendors, n_months), np.int64)
    np.add.at(rm, (r, t), a)
    np.add.at(rv, (r, v), a)
    np.add.at(vm, (v, t), a)
    mm = np.zeros((row.size, n_months), np.uint8)
    mv = np.zeros((row.size, n_vendors), np.uint8)
    mm[p, t] = 1
    mv[p, v] = 1
    mrm = np.zeros((n_rows, n_months), np.int64)
    mrv = np.zeros((n_rows, n_vendors), np.int64)
    np.add.at(mrm, row, mm)
    np.add.at(mrv, row, mv)
    return rm, rv, vm, mm, mv, mrm, mrv


def _sample(rng: np.random.Generator, n: int, n_members: int, n_vendors: int,
            n_months: int, n_rows: int, cents_type: type) -> tuple[np.ndarray, ...]:
    payer = rng.integers(0, n_members, n, dtype=np.int32)
    payee = rng.integers(0, n_vendors, n, dtype=np.int32)
    month = rng.integers(0, n_months, n, dtype=np.int16)
    cents = rng.integers(1, 5000, n).astype(cents_type)
    row = rng.integers(0, n_rows, n_members).astype(np.int32)
    return payer, payee, cents, month, row


@pytest.mark.parametrize(("n", "n_members", "n_vendors", "n_months", "n_rows", "lo", "hi",
                          "cents_type"), [
    (50_000, 300, 40, 12, 20, 0, 12, np.int64),
    (50_000, 300, 40, 24, 20, 12, 24, np.int32),       # the second year only
    (2_500_000, 5_000, 400, 12, 300, 0, 12, np.int64),  # one chunk per thread
    (300_000, 5_000, 600, 1_200, 90, 0, 1_200, np.int64),  # wider than a 32-bit key
    (1_000, 40, 7, 3, 5, 5, 9, np.int64),               # a range past the data: empty
])
def test_pass_matches_plain_numpy(n: int, n_members: int, n_vendors: int, n_months: int,
                                  n_rows: int, lo: int, hi: int, cents_type: type) -> None:
    rng = np.random.default_rng(n + n_members)
    payer, payee, cents, month, row = _sample(rng, n, n_members, n_vendors, n_months,
                                              n_rows, cents_type)
    got = aggregate_payments(payer, payee, cents, month, row, n_rows, n_vendors, n_months,
                             lo, hi)
    want = _plain(payer, payee, cents, month, row, n_rows, n_vendors, n_months, lo, hi)
    for name, g, w in zip(("row_month", "row_vendor", "vendor_month", "member_month",
                           "member_vendor", "members_row_month", "members_row_vendor"),
                          got, want, strict=True):
        assert g.dtype == w.dtype, name
        np.testing.assert_array_equal(g, w, err_msg=name)


def test_pass_is_exact_for_any_amount_and_small_buckets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Amounts near the int64 range, negative ones, and buckets filled many times."""
    monkeypatch.setattr(_pass, "_CAPACITY", 997)
    rng = np.random.default_rng(5)
    payer, payee, _, month, row = _sample(rng, 20_000, 200, 30, 12, 15, np.int64)
    cents = rng.integers(-(2**40), 2**40, payer.size, dtype=np.int64)
    cents[::97] = 2**62 // 20_000
    got = aggregate_payments(payer, payee, cents, month, row, 15, 30, 12, 0, 12)
    want = _plain(payer, payee, cents, month, row, 15, 30, 12, 0, 12)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_month_sets_match_plain_numpy() -> None:
    rng = np.random.default_rng(3)
    payer, payee, _, month, _ = _sample(rng, 30_000, 250, 20, 14, 10, np.int64)
    got = vendor_month_sets(payer, payee, month, 250, 20, 2, 14)
    keep = (month >= 2) & (month < 14)
    masks = np.zeros((20, 250), np.int64)
    np.bitwise_or.at(masks, (payee[keep], payer[keep]),
                     np.left_shift(1, month[keep].astype(np.int64) - 2))
    want = np.zeros((20, 1 << 12), np.int64)
    for v in range(20):
        want[v] = np.bincount(masks[v], minlength=1 << 12)
    want[:, 0] = 0
    np.testing.assert_array_equal(got, want)
