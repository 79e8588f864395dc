"""The nba_raw tables' columns and kinds, and frames built to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

Files = Mapping[str, Any]
Row = dict[str, Any]

# --------------------------------------------------------------------------------------------------
# Schemas. Column kinds: str (object, None for NULL), int (int64, never NULL), Int64 (nullable),
# float (float64, NaN for NULL), bool, date (datetime64[ns] at midnight, no tz: the warehouse DATE),
# naive (datetime64[ns] wall clock), utc (datetime64[ns, UTC]).
# --------------------------------------------------------------------------------------------------

_COUNTING = {  # boxscoretraditionalv3 statistics key -> (gamebook column, team box score column)
    "fieldGoalsMade": ("field_goals_made", "fg_made"),
    "fieldGoalsAttempted": ("field_goals_attempted", "fg_attempted"),
    "threePointersMade": ("three_pointers_made", "three_pt_made"),
    "threePointersAttempted": ("three_pointers_attempted", "three_pt_attempted"),
    "freeThrowsMade": ("free_throws_made", "ft_made"),
    "freeThrowsAttempted": ("free_throws_attempted", "ft_attempted"),
    "reboundsOffensive": ("offensive_rebounds", "offensive_rebounds"),
    "reboundsDefensive": ("defensive_rebounds", "defensive_rebounds"),
    "reboundsTotal": ("total_rebounds", "total_rebounds"),
    "assists": ("assists", "assists"),
    "steals": ("steals", "steals"),
    "blocks": ("blocks", "blocks"),
    "turnovers": ("turnovers", "turnovers"),
    "foulsPersonal": ("personal_fouls", "personal_fouls"),
    "points": ("points", "points"),
}
_GAME_KEYS = {"game_id": "str", "nba_game_id": "str", "game_date": "date", "season_year": "int"}

SCHEDULE_COLUMNS = {
    "game_id": "str", "nba_game_id": "str", "game_code": "str", "game_date": "date",
    "season_year": "int", "season_nba_format": "str", "game_date_est": "naive", "game_time_utc": "utc",
    "game_status": "int", "game_status_text": "str",
    "home_team_id": "int", "home_team_tricode": "str", "home_team_name": "str",
    "away_team_id": "int", "away_team_tricode": "str", "away_team_name": "str",
    "is_regular_season": "bool", "is_playoffs": "bool", "arena_name": "str", "neutral_site_flag": "bool",
    "home_team_score": "Int64", "away_team_score": "Int64", "winning_team_tricode": "str",
    "source_file_path": "str",
}  # fmt: skip
GAMEBOOK_COLUMNS = {
    **_GAME_KEYS, "team_abbr": "str", "opponent_team_abbr": "str", "is_home": "bool",
    "player_id": "int", "player_name_original": "str", "player_lookup": "str",
    "player_status": "str", "dnp_reason": "str", "starter": "bool",
    "minutes": "str", "minutes_decimal": "float",
    "points": "int", "field_goals_made": "int", "field_goals_attempted": "int",
    "three_pointers_made": "int", "three_pointers_attempted": "int",
    "free_throws_made": "int", "free_throws_attempted": "int",
    "offensive_rebounds": "int", "defensive_rebounds": "int", "total_rebounds": "int",
    "assists": "int", "steals": "int", "blocks": "int", "turnovers": "int", "personal_fouls": "int",
    "plus_minus": "Int64", "source_file_path": "str",
}  # fmt: skip
TEAM_BOXSCORE_COLUMNS = {
    **_GAME_KEYS, "team_id": "int", "team_abbr": "str", "opponent_team_abbr": "str", "is_home": "bool",
    "minutes": "str",
    "fg_made": "int", "fg_attempted": "int", "fg_pct": "float",
    "three_pt_made": "int", "three_pt_attempted": "int", "three_pt_pct": "float",
    "ft_made": "int", "ft_attempted": "int", "ft_pct": "float",
    "offensive_rebounds": "int", "defensive_rebounds": "int", "total_rebounds": "int",
    "assists": "int", "steals": "int", "blocks": "int", "turnovers": "int", "personal_fouls": "int",
    "points": "int", "plus_minus": "int", "overtime_periods": "int", "source_file_path": "str",
}  # fmt: skip
PLAY_BY_PLAY_COLUMNS = {
    **_GAME_KEYS, "action_number": "int", "period": "int", "clock": "str", "team_abbr": "str",
    "player_id": "int", "player_name_i": "str", "shot_made": "bool", "shot_value": "int",
    "shot_distance": "float", "x_legacy": "int", "y_legacy": "int", "shot_zone": "str",
    "is_assisted": "bool", "action_type": "str", "sub_type": "str", "source_file_path": "str",
}  # fmt: skip
PLAYER_PROPS_COLUMNS = {
    "game_id": "str", "odds_api_event_id": "str", "game_date": "date", "game_start_time": "utc",
    "home_team_abbr": "str", "away_team_abbr": "str",
    "snapshot_timestamp": "utc", "snapshot_tag": "str", "minutes_before_tipoff": "Int64",
    "bookmaker": "str", "player_name": "str", "player_lookup": "str", "points_line": "float",
    "over_price": "float", "under_price": "float",
    "over_price_american": "Int64", "under_price_american": "Int64",
    "bookmaker_last_update": "utc", "data_source": "str", "source_file_path": "str",
}  # fmt: skip
GAME_LINES_COLUMNS = {
    "snapshot_timestamp": "utc", "previous_snapshot_timestamp": "utc", "next_snapshot_timestamp": "utc",
    "game_id": "str", "odds_api_event_id": "str", "commence_time": "utc", "game_date": "date",
    "home_team": "str", "away_team": "str", "home_team_abbr": "str", "away_team_abbr": "str",
    "bookmaker_key": "str", "bookmaker_title": "str", "bookmaker_last_update": "utc",
    "market_key": "str", "market_last_update": "utc", "outcome_name": "str",
    "outcome_price": "float", "outcome_point": "float", "minutes_before_tipoff": "Int64",
    "data_source": "str", "source_file_path": "str",
}  # fmt: skip

#: nba_raw table name -> {column: kind}
SCHEMAS: dict[str, dict[str, str]] = {
    "nbac_schedule": SCHEDULE_COLUMNS,
    "nbac_gamebook_player_stats": GAMEBOOK_COLUMNS,
    "nbac_team_boxscore": TEAM_BOXSCORE_COLUMNS,
    "nbac_play_by_play": PLAY_BY_PLAY_COLUMNS,
    "odds_api_player_points_props": PLAYER_PROPS_COLUMNS,
    "odds_api_game_lines": GAME_LINES_COLUMNS,
}


class Block(NamedTuple):
    """One file's rows, column by column: ``columns`` hold a value a row, ``constants`` the one
    value all of the file's rows share (its game keys, its path). Rows as dicts cost a dict each
    and a lookup per cell to become a frame; a season has ~350k of them."""

    rows: int
    columns: Mapping[str, list[Any]]
    constants: Mapping[str, Any]


def block(rows: Sequence[Row], constants: Mapping[str, Any] | None = None) -> Block:
    """The block of ``rows`` (dicts with the same keys), each also holding ``constants``."""
    columns = {col: [r[col] for r in rows] for col in rows[0]} if rows else {}
    return Block(len(rows), columns, constants or {})


#: Columns of a fixed numpy type are built straight from their values (no object array first).
_NUMPY = {"int": np.int64, "float": np.float64, "bool": np.bool_}


def _column(values: list[Any], kind: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
    if kind in _NUMPY:
        return np.array(values, dtype=_NUMPY[kind])
    if kind == "Int64":
        return pd.array(values, dtype="Int64")
    raw = np.empty(len(values), dtype=object)
    raw[:] = values
    if kind == "date":
        return pd.to_datetime(raw).normalize().astype("datetime64[ns]").array
    if kind == "naive":
        return pd.to_datetime(raw).astype("datetime64[ns]").array
    if kind == "utc":
        return pd.to_datetime(raw, utc=True).astype("datetime64[ns, UTC]").array
    return raw  # str


def _values(blocks: Sequence[Block], col: str) -> list[Any]:
    values: list[Any] = []
    for b in blocks:
        if b.rows:
            values += [b.constants[col]] * b.rows if col in b.constants else b.columns[col]
    return values


def _frame(blocks: Sequence[Block], schema: Mapping[str, str]) -> pd.DataFrame:
    # Arrays, not Series, and not copied: a frame of Series costs ~0.5 ms to align even when empty,
    # and the schedule is parsed a date at a time (the scrapers ask it for each date's games).
    return pd.DataFrame({col: _column(_values(blocks, col), kind) for col, kind in schema.items()}, copy=False)
