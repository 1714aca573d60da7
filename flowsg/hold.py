"""Pause points for the tests of interrupted and concurrent runs (never used otherwise).

With ``FLOWSG_TEST_HOLD=<point>:<folder>`` in the environment, a run that reaches ``<point>``
writes ``<folder>/<point>.held`` (holding its process id) and waits until
``<folder>/<point>.release`` exists (at most two minutes), then goes on. A test can so kill or
interrupt a run at a known moment (after output began, in the middle of a load) instead of
guessing one with a timer. Points: ``load`` (after the first file of a load was read),
``out`` (``--out``: the first file is in the temporary folder), ``html`` (``report html`` and
``report graph --out``: the temporary file is written), ``snapshot`` (``flowsg snapshot``: every
file is in the temporary folder). Without the variable (always, outside tests) a point costs one
dictionary look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

HOLD_ENV = "FLOWSG_TEST_HOLD"
HOLD_SECONDS = 120.0


def requested(point: str) -> bool:
    """Whether the environment asks to pause at ``point``."""
    return os.environ.get(HOLD_ENV, "").partition(":")[0] == point


def hold(point: str) -> None:
    """Pause here when the environment asks for it (see the module's documentation)."""
    if not requested(point):
        return
    folder = Path(os.environ[HOLD_ENV].partition(":")[2])
    (folder / f"{point}.held").write_text(str(os.getpid()), encoding="utf-8")
    release = folder / f"{point}.release"
    deadline = time.monotonic() + HOLD_SECONDS
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
