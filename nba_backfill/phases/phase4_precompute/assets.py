"""Phase 4: precompute (``nba_precompute``). Each asset with a lookback verifies its window first."""

from __future__ import annotations

from nba_backfill.phases.phase4_precompute import transforms
from nba_backfill.phases.table_asset import table_asset

GROUP = "phase4_precompute"
UPGC = "nba_analytics/upcoming_player_game_context"
PSZA = "nba_precompute/player_shot_zone_analysis"
TDZA = "nba_precompute/team_defense_zone_analysis"
#: What each profile reads of the earlier games in its window (game_id: the window is verified by game).
SHOOTING = [
    "game_id",
    "player_lookup",
    "is_active",
    "minutes_played",
    "fg_attempts",
    "fg_makes",
    "has_complete_shot_zones",
    "paint_attempts",
    "paint_makes",
    "mid_range_attempts",
    "mid_range_makes",
    "three_attempts_pbp",
    "three_makes_pbp",
    "assisted_fg_makes",
]
SCORING = ["game_id", "player_lookup", "is_active", "minutes_played", "points", "usage_rate", "ts_pct"]
TEAM_PACE = ["game_id", "team_abbr", "pace", "offensive_rating"]

assets = [
    table_asset(
        TDZA,
        group=GROUP,
        compute=transforms.team_defense_zone_analysis,
        lookback={"team_defense": "nba_analytics/team_defense_game_summary"},
        description="Each scheduled team's defence by zone over its last 15 games, against the league.",
    ),
    table_asset(
        PSZA,
        group=GROUP,
        compute=transforms.player_shot_zone_analysis,
        same_day={"upcoming_player_context": UPGC},
        lookback={"player_game_summary": "nba_analytics/player_game_summary"},
        columns={"player_game_summary": SHOOTING},
        description="Each player's shot mix and accuracy by zone over his last 10 games.",
    ),
    table_asset(
        "nba_precompute/player_daily_cache",
        group=GROUP,
        compute=transforms.player_daily_cache,
        same_day={"upcoming_player_context": UPGC, "shot_zones": PSZA},
        lookback={
            "player_game_summary": "nba_analytics/player_game_summary",
            "team_offense": "nba_analytics/team_offense_game_summary",
        },
        columns={"player_game_summary": SCORING, "team_offense": TEAM_PACE},
        description="Each player's scoring form for the day: last 5/10/window averages, minutes, usage, team pace.",
    ),
    table_asset(
        "nba_precompute/player_composite_factors",
        group=GROUP,
        compute=transforms.player_composite_factors,
        same_day={
            "upcoming_player_context": UPGC,
            "upcoming_team_context": "nba_analytics/upcoming_team_game_context",
            "shot_zones": PSZA,
            "defense_zones": TDZA,
        },
        description="Fatigue, shot-zone mismatch, pace, usage spike and opponent strength for each player.",
    ),
    table_asset(
        "nba_precompute/ml_feature_store",
        group=GROUP,
        compute=transforms.ml_feature_store,
        same_day={
            "upcoming_player_context": UPGC,
            "daily_cache": "nba_precompute/player_daily_cache",
            "composite_factors": "nba_precompute/player_composite_factors",
            "shot_zones": PSZA,
            "defense_zones": TDZA,
        },
        description="One feature vector per player and date, with its quality score and tier.",
    ),
]
