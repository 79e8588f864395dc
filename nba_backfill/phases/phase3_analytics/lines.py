"""Which betting line counts: the latest pre-tip-off snapshot, by bookmaker priority.

Only lines of at least 5.0 count, and never the old 20.0 placeholder that once stood in for
"no line" and contaminated hit rates (reference/source-system.md §4).
"""

from __future__ import annotations

import pandas as pd

from nba_backfill.phases.windows import empty

BOOKMAKER_PRIORITY = ("draftkings", "fanduel", "betmgm")
MIN_LINE = 5.0
PLACEHOLDER_LINE = 20.0


def _priority(bookmakers: pd.Series) -> pd.Series:
    order = {b: i for i, b in enumerate(BOOKMAKER_PRIORITY)}
    return bookmakers.map(order).fillna(len(order))


def pre_tip(rows: pd.DataFrame) -> pd.DataFrame:
    """Snapshots taken before tip-off (in-play snapshots and undated ones cannot be trusted)."""
    return rows[rows["minutes_before_tipoff"].notna() & (rows["minutes_before_tipoff"] >= 0)]


def player_lines(props: pd.DataFrame) -> pd.DataFrame:
    """One row per (game_date, player_lookup): current (closing) and opening line of one bookmaker."""
    columns = [
        "game_date",
        "player_lookup",
        "current_points_line",
        "opening_points_line",
        "line_movement",
        "line_bookmaker",
    ]
    if props.empty:
        return empty(columns)
    usable = pre_tip(props)
    usable = usable[(usable["points_line"] >= MIN_LINE) & (usable["points_line"] != PLACEHOLDER_LINE)]
    usable = usable.assign(priority=_priority(usable["bookmaker"]))
    keys = ["game_date", "player_lookup"]
    ranked = usable.sort_values([*keys, "priority", "snapshot_timestamp"], ascending=[True, True, True, False])
    current = ranked.drop_duplicates(keys)
    opening = (
        usable.sort_values("snapshot_timestamp")
        .drop_duplicates([*keys, "bookmaker"])[[*keys, "bookmaker", "points_line"]]
        .rename(columns={"points_line": "opening_points_line"})
    )
    out = current.merge(opening, on=[*keys, "bookmaker"], how="left").rename(
        columns={"points_line": "current_points_line", "bookmaker": "line_bookmaker"}
    )
    out["line_movement"] = out["current_points_line"] - out["opening_points_line"]
    return out[columns]


def team_lines(game_lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (game_id, team_abbr): the team's spread (negative = favoured) and the game total."""
    columns = ["game_id", "team_abbr", "game_spread", "game_total"]
    if game_lines.empty:
        return empty(columns)
    usable = pre_tip(game_lines).assign(priority=lambda f: _priority(f["bookmaker_key"]))
    usable = usable.sort_values(["priority", "snapshot_timestamp"], ascending=[True, False])
    spreads = usable[usable["market_key"] == "spreads"].drop_duplicates(["game_id", "outcome_name"])
    spreads = spreads.assign(
        team_abbr=spreads["home_team_abbr"].where(
            spreads["outcome_name"] == spreads["home_team"], spreads["away_team_abbr"]
        )
    )[["game_id", "team_abbr", "outcome_point"]].rename(columns={"outcome_point": "game_spread"})
    totals = usable[(usable["market_key"] == "totals") & (usable["outcome_name"] == "Over")]
    totals = totals.drop_duplicates("game_id")[["game_id", "outcome_point"]].rename(
        columns={"outcome_point": "game_total"}
    )
    return spreads.merge(totals, on="game_id", how="outer")[columns]
