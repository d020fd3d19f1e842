"""matplotlib for the printed maps and the budget page, one drawing at a time.

matplotlib is imported at the first drawing (a second of a start-up that does not need
it). Its first import is not safe from two threads at once: a thread may get a module
half-initialised (``module 'matplotlib' has no attribute 'get_data_path'``, ``cannot import
name 'Transform' from partially initialized module``), which the server's heavy-work
threads met; nor is pyplot's registry of open figures. :func:`one_at_a_time` holds one
lock over the import and the whole drawing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
_LOCK = threading.RLock()


def one_at_a_time(draw: Callable[P, R]) -> Callable[P, R]:
    """``draw`` run under the drawing lock, with matplotlib on its Agg backend."""

    @functools.wraps(draw)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with _LOCK:
            import matplotlib

            matplotlib.use("Agg")
            return draw(*args, **kwargs)

    return locked


__all__ = ["one_at_a_time"]
