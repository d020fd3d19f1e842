"""In-memory throttles: a token bucket per client, and a back-off per account for logins.

Both are per process and bounded in memory (the least recently seen keys are forgotten
past ``max_keys``); both take the time as a parameter, so tests need no clock. Routes use
them through :func:`api.deps.throttled` (one line) and the login's dependencies.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from geo_caisse.core.settings import ThrottleSettings


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimit:
    """``count`` requests per ``period_s`` for each key, in bursts of up to ``count``.

    A token bucket: each key holds up to ``count`` tokens, refilled at ``count /
    period_s`` a second; a request takes one, or is refused with the seconds to wait.
    """

    def __init__(self, count: int, period_s: float, *, max_keys: int = 10_000) -> None:
        if count < 1 or period_s <= 0:
            raise ValueError("a rate needs count >= 1 and period_s > 0")
        self.count, self.period_s, self.max_keys = count, period_s, max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, *, now: float | None = None) -> float:
        """Take one request for ``key``: 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        rate = self.count / self.period_s
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(float(self.count), now)
            bucket.tokens = min(float(self.count), bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate


@dataclass
class _Failures:
    count: int
    until: float


class Backoff:
    """Exponential back-off on failures (wrong passwords), per key (an account).

    After ``free`` failures in a row, each further failure makes the key wait
    ``base_s × 2^(failures − free)`` seconds, at most ``max_s``, before the next try;
    a success forgets the key. A failure is forgotten after ``max_s`` without another.
    """

    def __init__(self, *, free: int, base_s: float, max_s: float,
                 max_keys: int = 10_000) -> None:
        self.free, self.base_s, self.max_s, self.max_keys = free, base_s, max_s, max_keys
        self._keys: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: str, *, now: float | None = None) -> float:
        """The seconds ``key`` must still wait before trying again (0: it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._keys.get(key)
            if entry is None:
                return 0.0
            if entry.until + self.max_s < now:  # quiet long enough: forgiven
                del self._keys[key]
                return 0.0
            return max(0.0, entry.until - now)

    def failed(self, key: str, *, now: float | None = None) -> float:
        """Record a failure; returns the seconds ``key`` must now wait (0: none yet)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._keys.pop(key, None)
            if entry is None or entry.until + self.max_s < now:
                entry = _Failures(0, now)
            entry.count += 1
            over = entry.count - self.free
            delay = 0.0 if over < 0 else min(self.max_s, self.base_s * 2.0 ** min(over, 60))
            entry.until = now + delay
            self._keys[key] = entry
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            return delay

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures."""
        with self._lock:
            self._keys.pop(key, None)


def retry_after(seconds: float) -> int:
    """Whole seconds for a ``Retry-After`` header (at least 1)."""
    return max(1, math.ceil(seconds))


class Throttles:
    """The app's throttles: one :class:`RateLimit` per name (rates from the settings) and
    the logins' :class:`Backoff` per account. Built once per app (``app.state``)."""

    def __init__(self, settings: ThrottleSettings) -> None:
        self.settings = settings
        self._limits: dict[str, RateLimit] = {}
        self._lock = threading.Lock()
        self.accounts = Backoff(free=settings.login_free_failures,
                                base_s=settings.login_backoff_s,
                                max_s=settings.login_backoff_max_s)

    def limit(self, name: str) -> RateLimit:
        """The per-client rate limit ``name`` (``search``, ``volunteers``, ``login``…)."""
        with self._lock:
            if name not in self._limits:
                count, period_s = self.settings.rate(name)
                self._limits[name] = RateLimit(count, period_s)
            return self._limits[name]
