"""Progress of long operations on the command line (stderr).

Shown at once when stderr is a terminal; otherwise only for work that took more than a
second, so quick runs and scripts reading stdout stay quiet.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Work shorter than this (seconds) prints nothing unless stderr is a terminal.
QUIET_BELOW = 1.0


def _tty() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def step(text: str) -> Iterator[None]:
    """Report one long step: ``carecast: TEXT ...`` and ``carecast: TEXT: done in N s``.

    On a terminal the first line is printed before the work starts; elsewhere both are
    left out unless the step took longer than :data:`QUIET_BELOW`, when the second is
    printed.
    """
    t0 = time.perf_counter()
    tty = _tty()
    if tty:
        print(f"carecast: {text} ...", file=sys.stderr, flush=True)
    yield
    took = time.perf_counter() - t0
    if tty or took > QUIET_BELOW:
        print(f"carecast: {text}: done in {took:.1f} s", file=sys.stderr, flush=True)


def printer(quiet_below: float | None = None) -> Callable[[str], None]:
    """Return a callback for steps of one long run (e.g. a report), printing to stderr.

    Each call prints ``carecast: TEXT (N s)`` at once on a terminal; elsewhere only once
    the run has taken longer than ``quiet_below`` seconds (default :data:`QUIET_BELOW`).
    """
    if quiet_below is None:
        quiet_below = QUIET_BELOW
    t0 = time.perf_counter()
    tty = _tty()

    def show(text: str) -> None:
        took = time.perf_counter() - t0
        if tty or took > quiet_below:
            print(f"carecast: {text} ({took:.1f} s)", file=sys.stderr, flush=True)

    return show
