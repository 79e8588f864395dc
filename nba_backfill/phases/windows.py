"""Rolling windows over history, computed for many analysis dates at once.

A range run hands a Phase 3/4 asset every date of the range together, with the union of their
lookback windows; these helpers slice each date's own window (season-clipped, strictly before D)
without a Python loop per date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nba_backfill.calendar import window_start


def on_dates(df: pd.DataFrame, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Rows of ``df`` whose game_date is one of ``dates``."""
    if df.empty:
        return df
    return df[df["game_date"].dt.date.isin(set(dates))]


def empty(columns: Sequence[str]) -> pd.DataFrame:
    """No rows, but ``game_date`` typed as every frame's is, so merges on it still line up."""
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "game_date" else object) for c in columns})


def with_columns(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``df`` with at least ``columns``: a never-written upstream table arrives with none."""
    missing = [c for c in columns if c not in df.columns]
    return df.reindex(columns=[*df.columns, *missing]) if missing else df


#: Analysis dates joined to their history per block: a season-long range joined at once would
#: pair every target with the player's whole season before the window filter (GBs, not MBs).
DATES_PER_BLOCK = 31


def history_in_window(targets: pd.DataFrame, history: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """Each target row (keyed by ``on`` + game_date D) joined to its history rows inside D's window.

    History columns keep their names, its date becomes ``hist_date``; ``recency`` is 1 for the most
    recent game before D, 2 for the one before, and so on.
    """
    keys = [*on, "game_date"]
    hist = history.rename(columns={"game_date": "hist_date"})
    dates = sorted(targets["game_date"].unique())
    starts = {d: pd.Timestamp(window_start(d.date())) for d in dates}
    pieces = [targets[keys].iloc[:0].merge(hist.iloc[:0], on=list(on))]  # typed, for an empty result
    for i in range(0, len(dates), DATES_PER_BLOCK):
        block = dates[i : i + DATES_PER_BLOCK]
        nearby = hist[(hist["hist_date"] >= starts[block[0]]) & (hist["hist_date"] < block[-1])]
        joined = targets.loc[targets["game_date"].isin(block), keys].merge(nearby, on=list(on))
        inside = (joined["hist_date"] >= joined["game_date"].map(starts)) & (joined["hist_date"] < joined["game_date"])
        pieces.append(joined[inside])
    joined = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
    joined = joined.sort_values([*keys, "hist_date"], ascending=[True] * len(keys) + [False])
    joined["recency"] = joined.groupby(keys, sort=False).cumcount() + 1
    return joined


def quality_score(games_in_sample: pd.Series) -> pd.Series:
    """``10 x min(games, 10)``: 0 on opening night, 100 from the tenth game (DESIGN §4)."""
    return (10 * np.minimum(games_in_sample.fillna(0), 10)).astype("int64")


def attach(targets: pd.DataFrame, keys: Sequence[str], **series: pd.Series) -> pd.DataFrame:
    """Add per-key aggregates to ``targets`` (missing keys get NULL)."""
    out = targets.set_index(list(keys))
    for name, values in series.items():
        out[name] = values.reindex(out.index)
    return out.reset_index()
