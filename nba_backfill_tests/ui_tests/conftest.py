"""Shared by the UI tests: a warehouse whose ledger says what was written, without running a phase."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import pytest

from nba_backfill.graph import all_assets

Ledger = Callable[[Iterable[dt.date], set[tuple[str, dt.date]]], None]


@pytest.fixture
def written(platform) -> Ledger:
    """Record every table as written on ``dates`` except the (asset, date) pairs in ``gaps``."""

    def write(dates: Iterable[dt.date], gaps: set[tuple[str, dt.date]]) -> None:
        dates = list(dates)
        for asset in all_assets:
            name = asset.key.to_user_string()
            counts = {d: 0 for d in dates if (name, d) not in gaps}  # no rows: as the ledger says
            platform["warehouse"].record_partitions(name.replace("/", "."), counts)

    return write
