"""The whole graph on the embedded defaults, across the opening of the 2024-25 season.

One module-scoped backfill (2024-10-15 .. 2024-11-10: preseason quiet days, opening night on
10-22, the first weeks) is shared by the read-only specifications below; tests that change data
build their own.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

START, OPENING, END = "2024-10-15", "2024-10-22", "2024-11-10"
pytestmark = pytest.mark.nba_range(START, END)


@pytest.fixture(scope="module")
def season_start(nba_backfilled):
    return nba_backfilled.result, nba_backfilled.platform.resources["warehouse"]


def table(warehouse, name: str) -> pd.DataFrame:
    return warehouse.query(f"SELECT * FROM {name}")


def per_date(df: pd.DataFrame) -> pd.Series:
    return df.groupby(df["game_date"].dt.date).size()


def test_every_asset_materializes_every_partition_of_the_range(season_start):
    result, _ = season_start
    assert result.success
    materialized = {}
    for event in result.get_asset_materialization_events():
        key = event.asset_key.to_user_string()
        materialized.setdefault(key, set()).add(event.partition)
    assert len(materialized) == 24
    days = len(pd.date_range(START, END))
    assert all(len(parts) == days for parts in materialized.values()), materialized


def test_quiet_days_before_opening_night_have_no_games_and_no_rows(season_start):
    _, warehouse = season_start
    schedule = table(warehouse, "nba_raw.nbac_schedule")
    assert schedule["game_date"].min() == pd.Timestamp(OPENING)
    ledger = warehouse.query("SELECT * FROM nba_meta.partition_ledger WHERE table_name = 'nba_raw.nbac_schedule'")
    assert len(ledger) == len(pd.date_range(START, END))  # written, with zero rows, not missing


def test_box_scores_add_up(season_start):
    _, warehouse = season_start
    teams = table(warehouse, "nba_raw.nbac_team_boxscore")
    players = table(warehouse, "nba_raw.nbac_gamebook_player_stats")
    assert (teams.groupby("game_id").size() == 2).all()
    summed = players.groupby(["game_id", "team_abbr"])["points"].sum()
    assert (teams.set_index(["game_id", "team_abbr"])["points"].sort_index() == summed.sort_index()).all()
    minutes = players.groupby(["game_id", "team_abbr"])["minutes_decimal"].sum()
    assert minutes.between(239, 241).mean() > 0.85 and minutes.between(239, 316).all()


def test_game_ids_are_canonical_everywhere(season_start):
    _, warehouse = season_start
    for name in (
        "nba_raw.nbac_schedule",
        "nba_analytics.player_game_summary",
        "nba_predictions.player_prop_predictions",
    ):
        ids = table(warehouse, name)["game_id"]
        assert ids.str.fullmatch(r"\d{8}_[A-Z]{3}_[A-Z]{3}").all(), name


def test_usage_rate_and_shot_zones_are_computed_for_players_who_played(season_start):
    _, warehouse = season_start
    pgs = table(warehouse, "nba_analytics.player_game_summary")
    active = pgs[pgs["is_active"]]
    assert active["usage_rate"].notna().all()
    rotation = active[active["minutes_played"] >= 10]
    assert rotation["usage_rate"].between(0, 50).all() and 15 < rotation["usage_rate"].mean() < 25
    assert (active["usage_rate_valid"] == (active["usage_rate"] <= 50)).all()  # cameos can exceed 50%
    assert active["has_complete_shot_zones"].all()
    zone_sum = active["paint_attempts"] + active["mid_range_attempts"] + active["three_attempts_pbp"]
    assert (zone_sum == active["fg_attempts"]).all()
    assert pgs.loc[pgs["is_dnp"], "minutes_played"].eq(0).all()


def test_quality_rises_from_zero_on_opening_night(season_start):
    _, warehouse = season_start
    mlfs = table(warehouse, "nba_precompute.ml_feature_store")
    quality = mlfs.groupby(mlfs["game_date"].dt.date)["quality_score"]
    assert quality.max()[dt.date(2024, 10, 22)] == 0
    assert (mlfs["quality_score"] == 10 * mlfs["games_in_sample"].clip(upper=10)).all()
    assert (mlfs["early_season_flag"] == (mlfs["games_in_sample"] < 10)).all()
    means = quality.mean()
    assert means[dt.date(2024, 10, 28)] < means[dt.date(2024, 11, 5)] < means[dt.date(2024, 11, 10)]
    assert quality.max()[dt.date(2024, 11, 10)] == 100  # a regular has ten games by then


def test_phase4_writes_a_row_for_every_player_with_a_game(season_start):
    _, warehouse = season_start
    played = table(warehouse, "nba_analytics.player_game_summary")
    played = played[played["is_active"]][["game_date", "player_lookup"]]
    for name in (
        "nba_precompute.player_shot_zone_analysis",
        "nba_precompute.player_daily_cache",
        "nba_precompute.player_composite_factors",
        "nba_precompute.ml_feature_store",
        "nba_predictions.player_prop_predictions",
    ):
        rows = table(warehouse, name)[["game_date", "player_lookup"]]
        missing = played.merge(rows, how="left", indicator=True).query("_merge == 'left_only'")
        assert missing.empty, (name, missing.head())
        assert not rows.duplicated().any(), name


def test_team_defense_is_compared_with_the_league(season_start):
    _, warehouse = season_start
    tdza = table(warehouse, "nba_precompute.team_defense_zone_analysis")
    late = tdza[tdza["game_date"] >= pd.Timestamp("2024-11-05")]
    assert late["paint_defense_vs_league_avg"].notna().all()
    assert late["paint_defense_vs_league_avg"].std() > 0.5  # teams differ
    assert set(tdza["strongest_zone"]) <= {"paint", "mid_range", "three_pt"}


def test_predictions_follow_the_baseline_formula_and_rules(season_start):
    _, warehouse = season_start
    preds = table(warehouse, "nba_predictions.player_prop_predictions")
    features = table(warehouse, "nba_precompute.ml_feature_store")
    df = preds.merge(features, on=["game_date", "player_lookup"], suffixes=("", "_f"))
    adjustments = df[[c for c in preds.columns if c.endswith("_adjustment")]].sum(axis=1)
    base = 0.5 * df["points_avg_last_5"] + 0.3 * df["points_avg_last_10"] + 0.2 * df["points_avg_season"]
    scored = df["predicted_points"].notna()
    assert (
        (base + adjustments).clip(lower=0).round(1)[scored] - df.loc[scored, "predicted_points"]
    ).abs().max() <= 0.11  # inputs are stored rounded
    assert (preds.loc[preds["current_points_line"].isna(), "recommendation"] == "NO_LINE").all()
    assert (preds.loc[preds["quality_score"] < 50, "recommendation"].isin(["PASS", "NO_LINE"])).all()
    calls = preds[preds["recommendation"].isin(["OVER", "UNDER"])]
    assert len(calls) > 0
    assert ((calls["predicted_points"] - calls["current_points_line"]).abs() > 2.0).all()
    assert (calls["confidence_score"] > 0.45).all()
    assert not (preds["current_points_line"] == 20.0).any()
    assert (preds["current_points_line"].dropna() >= 5.0).all()


def test_grading_voids_dnp_and_leaves_pass_and_push_ungraded(season_start):
    _, warehouse = season_start
    graded = table(warehouse, "nba_predictions.prediction_accuracy")
    assert graded.loc[graded["recommendation"].isin(["PASS", "NO_LINE"]), "prediction_correct"].isna().all()
    assert graded.loc[graded["is_voided"], "prediction_correct"].isna().all()
    pushes = graded[graded["actual_points"] == graded["line_value"]]
    assert pushes["prediction_correct"].isna().all()
    called = graded[graded["recommendation"].isin(["OVER", "UNDER"]) & ~graded["is_voided"]]
    over = called["recommendation"] == "OVER"
    expected = (called["actual_points"] > called["line_value"]) == over
    decided = called["actual_points"] != called["line_value"]
    assert (called.loc[decided, "prediction_correct"] == expected[decided]).all()
    assert graded["is_voided"].any()
