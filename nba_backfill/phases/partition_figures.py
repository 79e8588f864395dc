"""Per-date figures of a range run, attached to each date's own materialization.

One run materializes a whole range (``BackfillPolicy.single_run``), and the metadata of its output
is copied onto every partition: a row count or a quality average there is the range's, not the
date's. Dagster (1.13) also takes metadata for one partition of a range run
(``context.add_asset_metadata(..., partition_key=...)``), which wins over the output's on that
partition; this module computes those per-date figures, so the asset's Partitions and Plots tabs
show one true point per game date.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill.storage.io_managers import path_date

Figures = Mapping[dt.date, Mapping[str, Any]]
#: Columns that say whether a player's row carries a real betting line (True / 1.0).
LINE_FLAGS = ("has_prop_line", "has_vegas_line")


def quality_summary(df: pd.DataFrame) -> dict[str, float | int]:
    """Spread of ``quality_score`` (10 x games in the window, capped at 100) and early-season rows."""
    if "quality_score" not in df or not len(df):
        return {}
    q = df["quality_score"].astype(float)
    summary: dict[str, float | int] = {
        "quality_score_min": float(q.min()),
        "quality_score_avg": round(float(q.mean()), 1),
        "quality_score_max": float(q.max()),
    }
    if "early_season_flag" in df:
        summary["early_season_rows"] = int(df["early_season_flag"].astype(bool).sum())
    return summary


def line_share(df: pd.DataFrame) -> dict[str, float]:
    """Share of the rows (players) with a real line, for tables that flag it."""
    flag = next((c for c in LINE_FLAGS if c in df), None)
    if flag is None or not len(df):
        return {}
    return {"share_with_line": round(float(df[flag].fillna(0).astype(float).gt(0).mean()), 3)}


def table_figures(df: pd.DataFrame, dates: Iterable[dt.date]) -> dict[dt.date, dict[str, Any]]:
    """Per date of the run: its rows, and where the table has them its quality spread,
    early-season rows and share of players with a line (a date without rows: 0 rows)."""
    by_date = dict(iter(df.groupby(df["game_date"].dt.date))) if len(df) else {}
    empty = df.iloc[0:0]
    out = {}
    for day in dates:
        rows = by_date.get(day, empty)
        out[day] = {"dagster/row_count": len(rows), **quality_summary(rows), **line_share(rows)}
    return out


def file_figures(
    paths: Iterable[str], dates: Iterable[dt.date], credits: Mapping[dt.date, int] | None = None
) -> dict[dt.date, dict[str, int]]:
    """Per date of a scrape: the files written and, for the Odds API, the credits billed."""
    by_date: dict[dt.date, int] = {day: 0 for day in dates}
    for path in paths:
        by_date[path_date(path)] += 1
    return {
        day: {"files": found, **({"odds_api_credits": credits.get(day, 0)} if credits is not None else {})}
        for day, found in by_date.items()
    }


def attach(context: dg.AssetExecutionContext, figures: Figures) -> None:
    """Record each date's figures on that date's materialization of the running asset."""
    for day, values in figures.items():
        context.add_asset_metadata(dict(values), partition_key=str(day))


#: The runbook's per-date quality table is read from the feature store (one row per player).
QUALITY_TABLE = "nba_precompute.ml_feature_store"
QUALITY_COLUMNS = ["players", "quality_score_avg", "quality_score_min", "quality_score_max", "early_season_rows"]


def quality_by_date(df: pd.DataFrame, dates: Iterable[dt.date]) -> pd.DataFrame:
    """The runbook's quality table: per date, players and their quality spread and early-season
    rows (empty figures on a date without rows)."""
    figures = table_figures(df, dates)
    rows = [
        {"date": day, "players": f.get("dagster/row_count", 0), **{c: f.get(c) for c in QUALITY_COLUMNS[1:]}}
        for day, f in figures.items()
    ]
    return pd.DataFrame(rows, columns=["date", *QUALITY_COLUMNS])
