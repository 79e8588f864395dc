"""Phase 2 parsers: raw JSON payloads (NBA.com stats, The Odds API v4) -> ``nba_raw`` DataFrames.

Pure functions: no Dagster, no I/O. Every parser takes ``files``, a mapping of object path ->
already-decoded JSON payload, and returns ONE DataFrame whose columns and dtypes are fixed by
:data:`SCHEMAS` (an empty input gives an empty frame with the same columns and dtypes).

The partition date comes from the object path (its ``/YYYY-MM-DD/`` segment). NBA.com feeds keep
only the lexically last file of each game directory (the latest scrape); every Odds API file is a
distinct snapshot and is kept.

A file that cannot be parsed raises :class:`~nba_backfill.errors.RawPayloadError` naming the path,
the date and what is wrong; a call never returns rows for part of its input.
"""

from __future__ import annotations

from nba_backfill.phases.phase2_raw.parsers.boxscore import parse_boxscore_players, parse_boxscore_teams
from nba_backfill.phases.phase2_raw.parsers.game_lines import parse_game_lines
from nba_backfill.phases.phase2_raw.parsers.play_by_play import parse_play_by_play
from nba_backfill.phases.phase2_raw.parsers.props import parse_player_props
from nba_backfill.phases.phase2_raw.parsers.schedule import parse_schedule
from nba_backfill.phases.phase2_raw.parsers.schemas import SCHEMAS

__all__ = [
    "parse_boxscore_players",
    "parse_boxscore_teams",
    "parse_game_lines",
    "parse_play_by_play",
    "parse_player_props",
    "parse_schedule",
    "SCHEMAS",
]
