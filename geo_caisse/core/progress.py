"""Progress of long jobs: one callable type, and its two printers.

A long job (building the walk network, importing a year of transactions, the monthly
allocation) takes a ``progress`` callable and calls it with a short line now and then;
the command line prints it on stderr, the tests and the service keep quiet.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]


def quiet(message: str) -> None:
    """Say nothing."""
    del message


def to_stderr(message: str) -> None:
    """Print ``message`` on standard error, at once."""
    print(message, file=sys.stderr, flush=True)


__all__ = ["Progress", "quiet", "to_stderr"]
