"""Phase 4's tables on tiny frames: a few rows written here, each expected value worked out by hand
(no Dagster, no warehouse). Each input table also holds a row on D itself, which a row for D must
never read (no look-ahead). The scoring helpers are tested in test_transforms.py."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_backfill.phases.phase4_precompute import transforms as p4

D = dt.date(2024, 11, 30)


def ts(day: dt.date | str) -> pd.Timestamp:
    return pd.Timestamp(str(day))


SCHEDULE = pd.DataFrame(
    {
        "game_id": ["g1"],
        "nba_game_id": ["0022400001"],
        "game_date": [ts(D)],
        "season_year": [2024],
        "home_team_tricode": ["BOS"],
        "away_team_tricode": ["NYK"],
    }
)


def defense_game(
    team: str, day: str, paint: tuple, mid: tuple, three: tuple, points: int, pace: float, rating: float
) -> dict:
    return {
        "game_date": ts(day),
        "defending_team_abbr": team,
        "opp_paint_makes": paint[0],
        "opp_paint_attempts": paint[1],
        "opp_mid_range_makes": mid[0],
        "opp_mid_range_attempts": mid[1],
        "opp_three_pt_makes": three[0],
        "opp_three_pt_attempts": three[1],
        "points_in_paint_allowed": None if paint[0] is None else 2 * paint[0],
        "mid_range_points_allowed": None if mid[0] is None else 2 * mid[0],
        "three_pt_points_allowed": 3 * three[0],
        "points_allowed": points,
        "opponent_pace": pace,
        "defensive_rating": rating,
    }


def test_team_defense_zones_against_the_league_defaults_and_null_without_play_by_play():
    history = pd.DataFrame(
        [
            defense_game("BOS", "2024-11-28", (30, 50), (10, 25), (12, 36), 110, 100.0, 110.0),
            defense_game("BOS", "2024-11-26", (28, 50), (8, 25), (10, 30), 100, 98.0, 104.0),
            defense_game("BOS", "2024-11-30", (50, 50), (25, 25), (30, 30), 150, 50.0, 150.0),  # D: not read
            defense_game("NYK", "2024-11-28", (None, None), (None, None), (10, 30), 90, 96.0, 100.0),  # no play-by-play
        ]
    )
    out = p4.team_defense_zone_analysis([D], history, SCHEDULE).set_index("team_abbr")
    bos, nyk = out.loc["BOS"], out.loc["NYK"]
    # paint 58/100, mid 18/50, threes 22/66, against the league defaults (two teams: too few for an average)
    assert (
        bos["paint_pct_allowed_last_15"],
        bos["mid_range_pct_allowed_last_15"],
        bos["three_pt_pct_allowed_last_15"],
    ) == (0.58, 0.36, 0.333)
    assert bos["paint_defense_vs_league_avg"] == 0.0 and bos["mid_range_defense_vs_league_avg"] == -5.0
    assert bos["three_pt_defense_vs_league_avg"] == pytest.approx(-2.2)
    assert bos["strongest_zone"] == "mid_range" and bos["weakest_zone"] == "paint"
    assert (bos["opponent_points_per_game"], bos["opponent_pace"], bos["defensive_rating_last_15"]) == (
        105.0,
        99.0,
        107.0,
    )
    assert bos["paint_points_allowed_per_game"] == 58.0 and bos["shot_zone_data_available"]
    assert bos["games_in_sample"] == 2 and bos["quality_score"] == 20 and bos["early_season_flag"]
    assert bos["data_quality_tier"] == "low"
    # NYK's one game has no shot zones: paint and mid-range unknown (NULL), threes from the box score
    assert pd.isna(nyk["paint_defense_vs_league_avg"]) and pd.isna(nyk["mid_range_defense_vs_league_avg"])
    assert nyk["three_pt_defense_vs_league_avg"] == pytest.approx(-2.2)
    assert pd.isna(nyk["strongest_zone"]) and not nyk["shot_zone_data_available"]


def summary_game(player: str, day: str, zones: tuple | None, **values) -> dict:
    paint, mid, three = zones or ((None, None),) * 3
    return {
        "game_date": ts(day),
        "player_lookup": player,
        "is_active": True,
        "minutes_played": 30.0,
        "fg_attempts": 20,
        "fg_makes": 10,
        "has_complete_shot_zones": zones is not None,
        "paint_makes": paint[0],
        "paint_attempts": paint[1],
        "mid_range_makes": mid[0],
        "mid_range_attempts": mid[1],
        "three_makes_pbp": three[0],
        "three_attempts_pbp": three[1],
        "assisted_fg_makes": None if zones is None else values.pop("assisted", 5),
    } | values


def context(*players: str, team: str = "BOS", **values) -> pd.DataFrame:
    return pd.DataFrame(
        [{"game_date": ts(D), "player_lookup": p, "game_id": "g1", "team_abbr": team} | values for p in players]
    )


def test_player_shot_zones_from_complete_games_before_d_and_null_without_any():
    history = pd.DataFrame(
        [
            summary_game("a", "2024-11-28", ((6, 10), (2, 5), (2, 5)), assisted=6),
            summary_game("a", "2024-11-26", ((4, 10), (3, 5), (3, 5)), assisted=4),
            summary_game("a", "2024-11-24", None),  # no play-by-play: counted as a game, not in the rates
            summary_game("a", "2024-11-30", ((20, 20), (0, 0), (0, 0))),  # D
            summary_game("b", "2024-11-28", None),
        ]
    )
    out = p4.player_shot_zone_analysis([D], history, context("a", "b")).set_index("player_lookup")
    a, b = out.loc["a"], out.loc["b"]
    # 20 paint, 10 mid-range, 10 three attempts over the two complete games
    assert (a["paint_rate_last_10"], a["mid_range_rate_last_10"], a["three_pt_rate_last_10"]) == (50.0, 25.0, 25.0)
    assert (a["paint_pct_last_10"], a["mid_range_pct_last_10"], a["three_pt_pct_last_10"]) == (0.5, 0.5, 0.5)
    assert a["primary_scoring_zone"] == "paint" and a["paint_attempts_per_game"] == 10.0
    assert (a["assisted_rate_last_10"], a["unassisted_rate_last_10"]) == (50.0, 50.0)  # 10 of 20 makes
    assert a["games_in_sample_10"] == 3 and a["total_shots_last_10"] == 40 and a["shot_zone_data_available"]
    assert a["sample_quality_10"] == "insufficient" and a["quality_score"] == 30
    assert pd.isna(b["paint_rate_last_10"]) and pd.isna(b["primary_scoring_zone"]) and not b["shot_zone_data_available"]
    assert b["games_in_sample_10"] == 1


def test_player_daily_cache_averages_played_games_before_d():
    history = pd.DataFrame(
        [
            {
                "game_date": ts(day),
                "player_lookup": "a",
                "is_active": active,
                "minutes_played": minutes,
                "points": points,
                "usage_rate": 20.0,
                "ts_pct": 0.5,
            }
            for day, active, minutes, points in [
                ("2024-11-24", True, 30.0, 10),
                ("2024-11-26", True, 20.0, 20),
                ("2024-11-27", False, 0.0, 0),
                ("2024-11-28", True, 34.0, 30),
                ("2024-11-30", True, 40.0, 90),
            ]
        ]
    )
    offense = pd.DataFrame(
        {
            "game_date": [ts("2024-11-26"), ts("2024-11-28"), ts(D)],
            "team_abbr": ["BOS"] * 3,
            "pace": [98.0, 100.0, 10.0],
            "offensive_rating": [110.0, 114.0, 0.0],
        }
    )
    ctx = context(
        "a", games_in_last_7_days=3, games_in_last_14_days=3, minutes_in_last_7_days=84.0, back_to_backs_last_14_days=0
    )
    zones = pd.DataFrame(
        {
            "game_date": [ts(D)],
            "player_lookup": ["a"],
            "primary_scoring_zone": ["paint"],
            "paint_rate_last_10": [50.0],
            "three_pt_rate_last_10": [25.0],
            "assisted_rate_last_10": [50.0],
        }
    )
    row = p4.player_daily_cache([D], history, offense, ctx, zones).set_index("player_lookup").loc["a"]
    assert row["games_played_season"] == 3  # the DNP on the 27th and D's own game are not in it
    assert row["points_avg_last_10"] == 20.0 and row["points_std_last_10"] == round((200 / 3) ** 0.5, 2)
    assert row["minutes_avg_last_10"] == 28.0
    assert (row["team_pace_last_10"], row["team_off_rating_last_10"]) == (99.0, 112.0)
    assert row["primary_scoring_zone"] == "paint" and row["shot_zone_data_available"]
    assert row["quality_score"] == 30 and row["early_season_flag"]


def test_composite_factors_pace_usage_mismatch_and_opponent_strength():
    load = {
        "back_to_back": False,
        "days_rest": 1,
        "games_in_last_7_days": 2,
        "minutes_in_last_7_days": 60,
        "avg_minutes_per_game_last_7": 30.0,
        "back_to_backs_last_14_days": 0,
        "games_in_sample": 12,
    }
    ctx = pd.concat(
        [
            context("a", opponent_team_abbr="NYK", usage_rate_last_3=24.0, usage_rate_last_10=20.0, **load),
            context("b", team="NYK", opponent_team_abbr="BOS", usage_rate_last_3=None, usage_rate_last_10=20.0, **load),
        ],
        ignore_index=True,
    )
    teams = pd.DataFrame({"game_date": [ts(D)] * 2, "team_abbr": ["BOS", "NYK"], "team_pace_last_10": [104.0, 100.0]})
    zones = pd.DataFrame(
        {
            "game_date": [ts(D)],
            "player_lookup": ["a"],
            "primary_scoring_zone": ["paint"],
            "paint_rate_last_10": [60.0],
            "mid_range_rate_last_10": [10.0],
            "three_pt_rate_last_10": [30.0],
            "games_in_sample_10": [10],
        }
    )
    defense = pd.DataFrame(
        {
            "game_date": [ts(D)] * 2,
            "team_abbr": ["NYK", "BOS"],
            "paint_defense_vs_league_avg": [4.0, 1.0],
            "mid_range_defense_vs_league_avg": [0.0, 0.0],
            "three_pt_defense_vs_league_avg": [0.0, 0.0],
            "defensive_rating_last_15": [115.0, 105.0],
        }
    )
    out = p4.player_composite_factors([D], ctx, teams, zones, defense).set_index("player_lookup")
    a, b = out.loc["a"], out.loc["b"]
    # a: paint 4.0 x min(60/50, 1); pace (104 + 100)/2 = 102 -> +1.0; usage (24 - 20) x 0.3; NYK 115 vs mean 110
    assert (a["shot_zone_mismatch_score"], a["pace_score"], a["usage_spike_score"], a["opponent_strength_score"]) == (
        4.0,
        1.0,
        1.2,
        0.5,
    )
    assert a["total_composite_adjustment"] == 6.7 and a["shot_zone_data_available"] and a["fatigue_score"] == 100
    # b: no shot zones and no recent usage: those factors are NULL and add nothing
    assert (
        pd.isna(b["shot_zone_mismatch_score"]) and pd.isna(b["usage_spike_score"]) and not b["shot_zone_data_available"]
    )
    assert b["opponent_strength_score"] == -0.5 and b["total_composite_adjustment"] == 0.5
    assert a["quality_score"] == 100 and not a["early_season_flag"]


def test_feature_store_joins_the_features_and_names_the_early_season_rows():
    ctx = context(
        "a",
        "b",
        opponent_team_abbr="NYK",
        home_game=True,
        days_rest=1,
        back_to_back=False,
        current_points_line=21.5,
        opening_points_line=20.5,
        line_movement=1.0,
        has_prop_line=True,
    )
    ctx.loc[1, ["current_points_line", "opening_points_line", "line_movement", "has_prop_line"]] = [
        None,
        None,
        None,
        False,
    ]
    cache = pd.DataFrame(
        {
            "game_date": [ts(D)] * 2,
            "player_lookup": ["a", "b"],
            "games_played_season": [12, 2],
            "points_avg_last_5": [22.0, 8.0],
            "points_avg_last_10": [21.0, 8.0],
            "points_avg_season": [20.0, 8.0],
            "points_std_last_10": [4.0, 1.0],
            "games_in_last_7_days": [3, 2],
            "minutes_avg_last_10": [32.0, 12.0],
            "paint_rate_last_10": [50.0, None],
            "three_pt_rate_last_10": [25.0, None],
            "team_pace_last_10": [99.0, 99.0],
            "team_off_rating_last_10": [112.0, 112.0],
        }
    )
    factors = pd.DataFrame(
        {
            "game_date": [ts(D)] * 2,
            "player_lookup": ["a", "b"],
            "fatigue_score": [90, 100],
            "shot_zone_mismatch_score": [4.0, None],
            "pace_score": [1.0, 1.0],
            "usage_spike_score": [1.2, None],
            "opponent_strength_score": [0.5, 0.5],
            "shot_zone_data_available": [True, False],
        }
    )
    zones = pd.DataFrame({"game_date": [ts(D)], "player_lookup": ["a"], "mid_range_rate_last_10": [25.0]})
    defense = pd.DataFrame(
        {"game_date": [ts(D)], "team_abbr": ["NYK"], "defensive_rating_last_15": [115.0], "opponent_pace": [97.0]}
    )
    out = p4.ml_feature_store([D], ctx, cache, factors, zones, defense).set_index("player_lookup")
    a, b = out.loc["a"], out.loc["b"]
    assert (a["vegas_points_line"], a["vegas_line_move"], a["has_vegas_line"], a["home_away"]) == (21.5, 1.0, 1.0, 1.0)
    assert (a["pct_paint"], a["pct_mid_range"], a["pct_three"]) == (50.0, 25.0, 25.0)
    assert (a["opponent_def_rating"], a["opponent_pace"], a["team_pace"]) == (115.0, 97.0, 99.0)
    assert a["quality_tier"] == "gold" and a["data_source"] == "phase4" and a["feature_count"] == len(p4.FEATURES)
    # b: two games, no line, no zones: an early-season row that says what it lacks
    assert b["early_season_flag"] and b["quality_score"] == 20 and b["quality_tier"] == "unusable"
    assert b["data_source"] == "early_season" and b["has_vegas_line"] == 0.0
    # a has every feature; b lacks his 3 zone rates, 2 zone-based factors and the 3 line figures
    assert a["missing_feature_count"] == 0 and b["missing_feature_count"] == 8


def test_league_zone_average_from_teams_with_a_full_sample_else_the_defaults():
    days = [f"2024-11-{day:02d}" for day in range(10, 30, 2)]  # ten game days before D
    full = [
        defense_game(f"T{t:02d}", day, (5, 10), (4, 10), (3, 10), 100, 100.0, 100.0) for t in range(10) for day in days
    ]
    thin = [defense_game("XXX", "2024-11-28", (10, 10), (10, 10), (10, 10), 100, 100.0, 100.0)]  # one game: left out
    on_d = [defense_game("T00", "2024-11-30", (10, 10), (10, 10), (10, 10), 100, 100.0, 100.0)]  # D: not read
    history = pd.DataFrame(full + thin + on_d)
    league = p4.league_zone_pct(history, pd.Series([ts(D), ts("2024-11-12")]))
    assert league.loc[ts(D)].round(3).to_dict() == {"paint": 0.5, "mid_range": 0.4, "three_pt": 0.3}
    # on the 12th each team has one game behind it: too few, so the fixed defaults
    assert league.loc[ts("2024-11-12")].to_dict() == p4.DEFAULT_LEAGUE_PCT
