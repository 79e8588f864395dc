"""Phase 5 on tiny frames, beyond test_transforms.py: the baseline's blend of three averages and its
factor adjustments, the quality rule, pushes and voids in the grades, and the range's grading
figures (no Dagster run, no warehouse)."""

from __future__ import annotations

import base64
import datetime as dt

import numpy as np
import pandas as pd

from nba_backfill.phases.phase5_predictions import grading
from nba_backfill.phases.phase5_predictions import transforms as p5

D = dt.date(2024, 11, 30)


def feature_row(player: str, **values) -> dict:
    base = {
        "game_date": pd.Timestamp(D),
        "player_lookup": player,
        "game_id": "g1",
        "team_abbr": "BOS",
        "opponent_team_abbr": "NYK",
        "quality_score": 100,
        "early_season_flag": False,
        "points_avg_last_5": 30.0,
        "points_avg_last_10": 20.0,
        "points_avg_season": 10.0,
        "points_std_last_10": 3.0,
        "games_in_last_7_days": 2,
        "fatigue_score": 60,
        "shot_zone_mismatch_score": 4.0,
        "pace_score": 1.0,
        "usage_spike_score": 1.2,
        "home_away": 1,
        "back_to_back": 0,
        "vegas_points_line": 20.5,
    }
    return base | values


def test_the_baseline_blends_three_averages_and_adds_the_factor_adjustments():
    store = pd.DataFrame([feature_row("a"), feature_row("e", quality_score=40, early_season_flag=True)])
    out = p5.player_prop_predictions([D], store).set_index("player_lookup")
    a = out.loc["a"]
    # 0.5 x 30 + 0.3 x 20 + 0.2 x 10 = 23; zones 4.0 x 0.3, pace 1.0 x 0.3, usage 1.2 x 0.4, home +0.5,
    # fatigue 60 (< 75) -1.0: 23 + 1.2 + 0.3 + 0.48 + 0.5 - 1.0 = 24.48
    assert (a["shot_zone_adjustment"], a["pace_adjustment"], a["usage_adjustment"], a["fatigue_adjustment"]) == (
        1.2,
        0.3,
        0.48,
        -1.0,
    )
    assert a["predicted_points"] == 24.5 and a["line_margin"] == 4.0
    # steady scorer (std 3), two games in 7 days: 0.5 + 0.05 = 0.55 at full quality: an OVER call
    assert a["confidence_score"] == 0.55 and a["recommendation"] == "OVER"
    # the same player with 4 games behind him (quality 40): 0.55 x 0.4 = 0.22, so no call however big the edge
    e = out.loc["e"]
    assert e["predicted_points"] == 24.5 and e["confidence_score"] == 0.22 and e["recommendation"] == "PASS"
    assert e["early_season_flag"]


def test_grades_leave_a_push_ungraded_and_void_a_player_with_no_minutes_or_no_box_score():
    predictions = pd.DataFrame(
        {
            "game_date": [pd.Timestamp(D)] * 3,
            "player_lookup": ["push", "zero", "absent"],
            "game_id": ["g1"] * 3,
            "system_id": ["moving_average"] * 3,
            "predicted_points": [24.0, 15.0, 12.0],
            "confidence_score": [0.55] * 3,
            "recommendation": ["OVER"] * 3,
            "has_prop_line": [True] * 3,
            "quality_score": [100] * 3,
            "early_season_flag": [False] * 3,
            "current_points_line": [21.0, 12.5, 9.5],
        }
    )
    summary = pd.DataFrame(
        {
            "game_date": [pd.Timestamp(D)] * 2,
            "player_lookup": ["push", "zero"],
            "points": [21, 0],
            "minutes_played": [31.0, 0.0],
            "is_dnp": [False, False],
        }
    )
    out = p5.prediction_accuracy([D], predictions, summary).set_index("player_lookup")
    push = out.loc["push"]
    assert pd.isna(push["prediction_correct"]) and not push["is_voided"]  # 21 on a line of 21.0
    assert push["signed_error"] == 3.0 and push["within_3_points"] and push["confidence_decile"] == 6
    # listed active but neither minutes nor points, and no box-score row at all: both voided, no error
    for player in ("zero", "absent"):
        assert out.loc[player, "is_voided"] and out.loc[player, "void_reason"] == "dnp_unknown"
        assert pd.isna(out.loc[player, "signed_error"]) and pd.isna(out.loc[player, "within_5_points"])


def test_run_figures_give_the_ranges_numbers_and_a_by_date_plot():
    rows = pd.DataFrame(
        {
            "game_date": [pd.Timestamp(D)] * 2 + [pd.Timestamp(D + dt.timedelta(days=1))],
            "recommendation": ["OVER", "UNDER", "OVER"],
            "line_value": [20.5, 10.5, 15.5],
            "actual_points": [25, 12, 18],
            "predicted_points": [24.0, 8.0, 19.0],
            "prediction_correct": pd.array([True, False, True], dtype="boolean"),
            "is_voided": [False] * 3,
            "quality_score": [100, 60, 100],
        }
    )
    figures = grading.run_figures(rows)
    assert (figures["grading/calls"], figures["grading/hits"], figures["grading/hit_rate"]) == (3, 2, 0.667)
    assert figures["grading/mae_predicted"] == round((1 + 4 + 1) / 3, 2)
    by_band = figures["grading/by_quality_band"].value
    assert "| 100 " in by_band and "| 50-90 " in by_band
    for key in ("grading/by_date_plot", "grading/by_date_plot_labelled"):
        plot = figures[key].value
        assert plot.startswith("![grading by date") and "](data:image/png;base64," in plot
        assert base64.b64decode(plot.split(",", 1)[1].rstrip(")")).startswith(b"\x89PNG")
    assert len(figures["grading/by_date_plot"].value) < 1000  # the UI shows it inline, on the Overview


def test_the_inline_grading_plot_stays_inline_for_a_season():
    days = pd.date_range("2024-10-22", "2025-04-13")
    rng = np.random.default_rng(0)  # noisy figures: the hardest case for the PNG's compression
    n = len(days) * 20
    rows = pd.DataFrame(
        {
            "game_date": np.repeat(days, 20),
            "recommendation": rng.choice(["OVER", "UNDER", "PASS"], n),
            "line_value": rng.integers(5, 30, n) + 0.5,
            "actual_points": rng.integers(0, 40, n),
            "predicted_points": rng.uniform(5, 30, n),
            "prediction_correct": pd.array(rng.choice([True, False], n), dtype="boolean"),
            "is_voided": rng.random(n) < 0.05,
            "quality_score": rng.choice([30, 60, 100], n),
        }
    )
    bins = grading.binned(rows)["game_date"]
    assert bins.nunique() <= grading.INLINE_COLUMNS and bins.min() == days[0]
    assert (bins <= rows["game_date"]).all() and ((rows["game_date"] - bins).dt.days < 5).all()
    assert len(grading.run_figures(rows)["grading/by_date_plot"].value) < 1000


def test_the_inline_grading_plot_draws_a_range_whose_predictions_were_all_exact():
    rows = pd.DataFrame(
        {
            "game_date": pd.to_datetime(["2024-11-04", "2024-11-05"]),
            "recommendation": ["OVER", "UNDER"],
            "line_value": [20.0, 12.0],
            "actual_points": [20, 12],
            "predicted_points": [20.0, 12.0],
            "prediction_correct": pd.array([None, None], dtype="boolean"),
            "is_voided": [False, False],
            "quality_score": [100, 100],
        }
    )
    assert grading.run_figures(rows)["grading/by_date_plot"].value.startswith("![")
