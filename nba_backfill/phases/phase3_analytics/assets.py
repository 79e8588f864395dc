"""Phase 3: analytics (``nba_analytics``)."""

from __future__ import annotations

from nba_backfill.phases.phase3_analytics import transforms
from nba_backfill.phases.table_asset import table_asset

GROUP = "phase3_analytics"
#: What the summaries read of the two widest raw tables (a season is ~250k rows of each).
SHOTS = ["game_id", "team_abbr", "player_id", "shot_zone", "shot_made", "is_assisted"]
LINES = [
    "game_id",
    "player_name",
    "player_lookup",
    "bookmaker",
    "points_line",
    "snapshot_timestamp",
    "minutes_before_tipoff",
]
#: What a player's context reads of his earlier games (game_id: the window is verified by game).
TEAM_FORM = ["game_id", "team_abbr", "win_flag", "margin_of_victory", "pace", "offensive_rating"]
PLAYER_FORM = [
    "game_id",
    "player_name",
    "player_lookup",
    "team_abbr",
    "is_active",
    "points",
    "minutes_played",
    "usage_rate",
    "over_under_result",
]

assets = [
    table_asset(
        "nba_analytics/team_offense_game_summary",
        group=GROUP,
        compute=transforms.team_offense_game_summary,
        same_day={"team_boxscore": "nba_raw/nbac_team_boxscore", "play_by_play": "nba_raw/nbac_play_by_play"},
        columns={"play_by_play": SHOTS},
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
        columns={"play_by_play": SHOTS, "props": LINES},
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
        columns={"props": LINES, "player_game_summary": PLAYER_FORM},
        description="Each rostered player's pre-game context: rest, load, recent scoring, today's line.",
    ),
    table_asset(
        "nba_analytics/upcoming_team_game_context",
        group=GROUP,
        compute=transforms.upcoming_team_game_context,
        same_day={"game_lines": "nba_raw/odds_api_game_lines"},
        lookback={"team_offense": "nba_analytics/team_offense_game_summary"},
        columns={"team_offense": TEAM_FORM},
        description="Each scheduled team's pre-game context: rest, streaks, recent pace, spread and total.",
    ),
]
