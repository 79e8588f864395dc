"""Phase 2: raw tables (``nba_raw``), parsed from the scraped files of the same date.

The parsers are the same code for simulated and real payloads: the simulator emits the real
APIs' JSON shapes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.phases.table_asset import table_asset

GROUP = "phase2_raw"
#: Dates whose raw files are parsed at once (phases/table_asset.py: conformed). A chunk of 124 dates
#: parsed at once peaked at ~200 MiB above the resident process; in blocks of 16 the parsed payloads
#: of about 120 games are alive at a time, at no measurable cost in time.
BLOCK_DATES = 16


def play_by_play(dates: list[dt.date], scraped: dict[str, Any], schedule: dict[str, Any]) -> pd.DataFrame:
    games = parsers.parse_schedule(schedule)
    teams = dict(zip(games["nba_game_id"], zip(games["away_team_tricode"], games["home_team_tricode"])))
    return parsers.parse_play_by_play(scraped, teams=teams)


assets = [
    table_asset(
        "nba_raw/nbac_schedule",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=lambda dates, scraped: parsers.parse_schedule(scraped),
        same_day={"scraped": "scraped/nbac_schedule"},
        description="One row a scheduled game (NBA.com id, teams, tip-off, status, final score).",
    ),
    table_asset(
        "nba_raw/nbac_gamebook_player_stats",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=lambda dates, scraped: parsers.parse_boxscore_players(scraped),
        same_day={"scraped": "scraped/nbac_boxscores"},
        description="One row a game and rostered player, DNP included: the primary player stats.",
    ),
    table_asset(
        "nba_raw/nbac_team_boxscore",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=lambda dates, scraped: parsers.parse_boxscore_teams(scraped),
        same_day={"scraped": "scraped/nbac_boxscores"},
        description="Exactly two rows a game: each team's box score totals.",
    ),
    table_asset(
        "nba_raw/nbac_play_by_play",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=play_by_play,
        same_day={"scraped": "scraped/nbac_play_by_play", "schedule": "scraped/nbac_schedule"},
        description="One row a field-goal attempt, with distance, x/y and shot zone.",
    ),
    table_asset(
        "nba_raw/odds_api_player_points_props",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=lambda dates, scraped: parsers.parse_player_props(scraped),
        same_day={"scraped": "scraped/odds_api_player_props"},
        description="Player points lines: one row a game, player, bookmaker and snapshot.",
    ),
    table_asset(
        "nba_raw/odds_api_game_lines",
        group=GROUP,
        date_blocks=BLOCK_DATES,
        compute=lambda dates, scraped: parsers.parse_game_lines(scraped),
        same_day={"scraped": "scraped/odds_api_game_lines"},
        description="Spreads and totals: one row a game, bookmaker, market, outcome and snapshot.",
    ),
]
