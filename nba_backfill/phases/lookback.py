"""Is a lookback window complete? The facts behind the Phase 4 guard and the readiness check.

Dagster hands a lookback input over with whatever upstream rows exist: a missing partition just
means fewer rows. So a consumer of a window verifies it against the schedule: every date of the
window (inside the season) must have its schedule loaded, and every final game of those dates
must be present in each history table, but for those accepted as never coming
(nba_meta.accepted_gaps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

import pandas as pd

from nba_backfill.calendar import window

GAP_COLUMNS = ["analysis_date", "table", "missing_date", "game_id"]


def window_pairs(dates: Sequence[dt.date]) -> pd.DataFrame:
    """One row per (analysis_date, window date): the season-clipped D-30..D-1 of each date."""
    rows = [(d, day) for d in dates for day in window(d)]
    return pd.DataFrame(rows, columns=["analysis_date", "game_date"])


def window_gaps(
    dates: Sequence[dt.date],
    schedule: pd.DataFrame,
    history: Mapping[str, pd.DataFrame],
    absent: Collection[str] = frozenset(),
) -> pd.DataFrame:
    """What the windows of ``dates`` lack: unloaded schedule dates, and final games per table.
    ``absent`` games (canonical ids: accepted as never coming) are known-absent, not missing: the
    window is complete without them, and what is computed over it counts the games there."""
    pairs = window_pairs(dates)
    if pairs.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    loaded = set(schedule.attrs.get("present_dates", []))
    unloaded = pairs[~pairs["game_date"].isin(loaded)].assign(table="nba_raw.nbac_schedule", game_id=None)
    gaps = [unloaded.rename(columns={"game_date": "missing_date"})]
    if not schedule.empty:
        finals = schedule.loc[
            (schedule["game_status"] == 3) & ~schedule["game_id"].isin(set(absent)), ["game_date", "game_id"]
        ]
        finals = finals.assign(game_date=finals["game_date"].dt.date)
        expected = pairs.merge(finals, on="game_date")
        for table, frame in history.items():
            present = set(frame["game_id"]) if "game_id" in frame.columns else set()
            missing = expected[~expected["game_id"].isin(present)]
            gaps.append(missing.rename(columns={"game_date": "missing_date"}).assign(table=table))
    found = [g[GAP_COLUMNS] for g in gaps if not g.empty]
    if not found:
        return pd.DataFrame(columns=GAP_COLUMNS)
    return pd.concat(found, ignore_index=True).sort_values(GAP_COLUMNS[:3], kind="stable")


def describe_gaps(gaps: pd.DataFrame, limit: int = 10) -> str:
    """A sentence an operator can act on: which dates and games are missing, from which table."""
    parts = []
    for table, rows in gaps.groupby("table", sort=True):
        missing_dates = sorted({str(d) for d in rows["missing_date"]})
        games = sorted({g for g in rows["game_id"] if g})
        text = f"{table}: {len(missing_dates)} date(s) {', '.join(missing_dates[:limit])}"
        if len(missing_dates) > limit:
            text += ", …"
        if games:
            text += f" ({len(games)} game(s): {', '.join(games[:limit])}{', …' if len(games) > limit else ''})"
        parts.append(text)
    affected = sorted({str(d) for d in gaps["analysis_date"]})
    return (
        f"lookback window incomplete for {', '.join(affected[:limit])}{', …' if len(affected) > limit else ''}: "
        + "; ".join(parts)
    )
