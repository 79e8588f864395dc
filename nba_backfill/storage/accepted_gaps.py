"""Known, accepted gaps: data that does not exist and never will, recorded so it is not a failure.

``nba_meta.accepted_gaps`` holds one row per feed and game (``nba_game_id``), or per feed and
date (``nba_game_id`` NULL: the whole date), with why, who accepted it and when. The checks and the
completeness matrix read it: a game whose play-by-play was never published is not a missing raw
row, and its NULL shot zones are not contamination. It lives in the warehouse beside the partition
ledger, so both warehouses (DuckDB and BigQuery) hold it through the same partition writes.

Accepting merges: rows of other feeds or games on the same dates are kept. Revoking removes the
row: the table holds what stands, so every reader (checks, windows, the matrix) sees a revoked gap
as a gap again without filtering anything.

A game whose box score (:data:`GAME_FEED`) is accepted as never coming is known-absent from every
table derived from box scores: windows over those tables are complete without it
(:func:`absent_games`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from nba_backfill.sources.feeds import FEED_BOXSCORE
from nba_backfill.storage.warehouse import Warehouse

TABLE = "nba_meta.accepted_gaps"
COLUMNS = ["feed", "game_date", "nba_game_id", "reason", "accepted_by", "accepted_at"]
KEY = ["feed", "game_date", "nba_game_id"]
#: The feed every game table is derived from (team and player box scores, the summaries after them).
GAME_FEED = FEED_BOXSCORE
_TYPED = {"nba_game_id": "string", "reason": "string", "accepted_by": "string"}


def gap_rows(feed: str, game_date: dt.date, reasons: dict[str | None, str], accepted_by: str) -> pd.DataFrame:
    """Rows accepting ``feed``'s gaps on ``game_date``: game id (None: the whole date) -> reason."""
    return pd.DataFrame(
        {
            "feed": feed,
            "game_date": pd.Timestamp(game_date),
            "nba_game_id": pd.array(list(reasons), dtype="string"),
            "reason": list(reasons.values()),
            "accepted_by": accepted_by,
            "accepted_at": pd.Timestamp.now(tz="UTC"),
        },
        columns=COLUMNS,
    )


def accept(warehouse: Warehouse, gaps: pd.DataFrame) -> None:
    """Record ``gaps`` (:data:`COLUMNS`); a gap already recorded is replaced by the new row."""
    if gaps.empty:
        return
    dates = sorted(set(pd.to_datetime(gaps["game_date"]).dt.date))
    before = accepted(warehouse, dates)
    merged = pd.concat([f.astype(_TYPED) for f in (before, gaps[COLUMNS]) if len(f)], ignore_index=True)
    merged = merged.assign(game_date=pd.to_datetime(merged["game_date"]))
    warehouse.replace_partitions(TABLE, merged.drop_duplicates(KEY, keep="last").reset_index(drop=True), dates)


def revoke(warehouse: Warehouse, feed: str, game_date: dt.date, nba_game_id: str | None) -> pd.DataFrame:
    """Remove the accepted gap of ``feed`` for ``nba_game_id`` (None: the whole-date gap) on
    ``game_date``; the rows removed (none when it was never accepted: nothing is written then)."""
    before = accepted(warehouse, [game_date])
    ids = before["nba_game_id"].astype("string")
    hit = (before["feed"] == feed) & (ids.isna() if nba_game_id is None else (ids == nba_game_id).fillna(False))
    if hit.any():
        kept = before[~hit].astype(_TYPED).assign(game_date=lambda f: pd.to_datetime(f["game_date"]))
        warehouse.replace_partitions(TABLE, kept.reset_index(drop=True), [game_date])
    return before[hit].reset_index(drop=True)


def accepted(warehouse: Warehouse, dates: Sequence[dt.date]) -> pd.DataFrame:
    """The accepted gaps of ``dates`` (no rows when none was ever recorded)."""
    rows = warehouse.read(TABLE, list(dates))
    return rows.reindex(columns=COLUMNS) if not rows.empty else pd.DataFrame(columns=COLUMNS)


def accepted_games(gaps: pd.DataFrame, feed: str) -> dict[dt.date, set[str] | None]:
    """Date -> the NBA.com game ids whose ``feed`` gap is accepted (None: the whole date)."""
    out: dict[dt.date, set[str] | None] = {}
    for row in gaps[gaps["feed"] == feed].itertuples():
        day = pd.Timestamp(row.game_date).date()
        if pd.isna(row.nba_game_id) or out.get(day, set()) is None:
            out[day] = None
        else:
            out.setdefault(day, set()).add(str(row.nba_game_id))
    return out


def absent_games(schedule: pd.DataFrame, gaps: dict[dt.date, set[str] | None]) -> set[str]:
    """Canonical game ids of ``schedule`` rows (``game_date``, ``game_id``, ``nba_game_id``) whose
    gap is accepted in ``gaps`` (as :func:`accepted_games` gives them)."""
    if schedule.empty or not gaps:
        return set()
    days = pd.to_datetime(schedule["game_date"]).dt.date
    return {
        game
        for game, nba, day in zip(schedule["game_id"], schedule["nba_game_id"], days)
        if day in gaps and (gaps[day] is None or nba in gaps[day])
    }
