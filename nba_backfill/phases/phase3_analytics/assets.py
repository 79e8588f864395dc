"""Phase 3: analytics (``nba_analytics``)."""

from __future__ import annotations

from nba_backfill.phases.phase3_analytics import transforms
from nba_backfill.phases.table_asset import table_asset

GROUP = "phase3_analytics"

assets = [
    table_asset(
        "nba_analytics/team_offense_game_summary",
        group=GROUP,
        compute=transforms.team_offense_game_summary,
        same_day={"team_boxscore": "nba_raw/nbac_team_boxscore", "play_by_play": "nba_raw/nbac_play_by_play"},
        description="Each team's offence in a game: possessions, pace, offensive rating, shot zones.",
    ),
    table_asset(
        "nba_analytics/team_defense_game_summary",
        group=GROUP,
        compute=transforms.team_defense_game_summary,
        same_day={"team_offense": "nba_analytics/team_offense_game_summary"},
        description="Each team's defence in a game: what its opponent scored, by zone; defensive rating.",
    ),
    table_asset(
        "nba_analytics/player_game_summary",
        group=GROUP,
        compute=transforms.player_game_summary,
        same_day={
            "gamebook": "nba_raw/nbac_gamebook_player_stats",
            "play_by_play": "nba_raw/nbac_play_by_play",
            "team_offense": "nba_analytics/team_offense_game_summary",
            "props": "nba_raw/odds_api_player_points_props",
        },
        description="One row a player and game date: box score, shot zones, usage rate, prop result.",
    ),
    table_asset(
        "nba_analytics/upcoming_player_game_context",
        group=GROUP,
        compute=transforms.upcoming_player_game_context,
        same_day={
            "gamebook": "nba_raw/nbac_gamebook_player_stats",
            "props": "nba_raw/odds_api_player_points_props",
            "game_lines": "nba_raw/odds_api_game_lines",
        },
        lookback={"player_game_summary": "nba_analytics/player_game_summary"},
        description="Each rostered player's pre-game context: rest, load, recent scoring, today's line.",
    ),
    table_asset(
        "nba_analytics/upcoming_team_game_context",
        group=GROUP,
        compute=transforms.upcoming_team_game_context,
        same_day={"game_lines": "nba_raw/odds_api_game_lines"},
        lookback={"team_offense": "nba_analytics/team_offense_game_summary"},
        description="Each scheduled team's pre-game context: rest, streaks, recent pace, spread and total.",
    ),
]
