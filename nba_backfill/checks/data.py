"""What checks read: warehouse tables, the partition ledger and the raw store, cached per evaluation.

Running the whole catalogue over a season reads each table once, not once per check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property

import pandas as pd

from nba_backfill.storage import accepted_gaps
from nba_backfill.storage.io_managers import Dates
from nba_backfill.storage.raw_store import RawStore
from nba_backfill.storage.warehouse import Warehouse


class CheckData:
    def __init__(self, warehouse: Warehouse, raw_store: RawStore | None = None):
        self.warehouse, self.raw_store = warehouse, raw_store
        self._tables: dict[tuple[str, tuple[dt.date, ...]], pd.DataFrame] = {}

    def table(self, name: str, dates: Sequence[dt.date]) -> pd.DataFrame:
        key = (name, tuple(sorted(set(dates))))
        if key not in self._tables:
            frame = self.warehouse.read(name, key[1])
            frame.attrs["present_dates"] = Dates(sorted(self.written(name, key[1])))
            self._tables[key] = frame
        return self._tables[key]

    def accepted_gaps(self, dates: Sequence[dt.date]) -> pd.DataFrame:
        """The accepted gaps of ``dates`` (nba_meta.accepted_gaps), read once per set of dates."""
        return self.table(accepted_gaps.TABLE, dates).reindex(columns=accepted_gaps.COLUMNS)

    def accepted_games(self, feed: str, dates: Sequence[dt.date]) -> dict[dt.date, set[str] | None]:
        """Date -> NBA.com game ids whose ``feed`` gap is accepted (None: the whole date)."""
        return accepted_gaps.accepted_games(self.accepted_gaps(dates), feed)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        return self.warehouse.ledger()

    @cached_property
    def written_at(self) -> dict[tuple[str, dt.date], pd.Timestamp]:
        """(table, date) -> when the ledger says the partition was written: asked per partition
        read by every date's freshness check (a lookup in an index took half a millisecond)."""
        ledger = self.ledger
        return dict(zip(zip(ledger["table_name"], ledger["game_date"].dt.date), ledger["written_at"]))

    def written(self, name: str, dates: Sequence[dt.date]) -> set[dt.date]:
        return self._written_dates[name] & set(dates) if name in self._written_dates else set()

    @cached_property
    def _written_dates(self) -> dict[str, set[dt.date]]:
        # Asked per table and date by most rules (tens of thousands of times over a season): the
        # ledger is split by table once, not filtered on every question.
        return {name: set(rows.dt.date) for name, rows in self.ledger.groupby("table_name")["game_date"]}

    def raw_files(self, prefix: str, day: dt.date) -> list[str]:
        return self.raw_store.list(f"{prefix}/{day}/") if self.raw_store else []
