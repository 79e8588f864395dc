"""The runbook's figures from the shell: per date, the quality table and each table's rows and
last write ("verify the fix propagated"), read from the warehouse and its partition ledger."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_backfill.backfill.service import Session
from nba_backfill.calendar import date_range
from nba_backfill.phases.partition_figures import QUALITY_TABLE, quality_by_date


def quality(session: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
    dates = date_range(start, end)
    return quality_by_date(
        session.data.warehouse.read(QUALITY_TABLE, dates, ["quality_score", "early_season_flag"]), dates
    )


def table_writes(session: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per (date, table) written in ``start``..``end``: its rows and when it was last written."""
    ledger = session.data.ledger
    days = ledger["game_date"].dt.date
    chosen = ledger[(days >= start) & (days <= end)].sort_values(["game_date", "table_name"])
    return pd.DataFrame(
        {
            "date": chosen["game_date"].dt.date.astype(str),
            "table": chosen["table_name"],
            "rows": chosen["row_count"].astype(int),
            "written_at": chosen["written_at"].astype(str),
        }
    )
