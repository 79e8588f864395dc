"""Phase 5: baseline predictions and their grades.

The baseline (``moving_average``) system: ``0.5·L5 + 0.3·L10 + 0.2·window average`` plus
composite-factor adjustments; a recommendation only with a real line, enough history and an edge.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from nba_backfill.phases.windows import on_dates, with_columns

SYSTEM_ID = "moving_average"
MIN_EDGE = 2.0
MIN_CONFIDENCE = 0.45
MIN_QUALITY = 50


def adjustments(f: pd.DataFrame) -> pd.DataFrame:
    """Point adjustments from the composite factors (reference §4, moving_average)."""
    return pd.DataFrame(
        {
            "fatigue_adjustment": np.select([f["fatigue_score"] < 50, f["fatigue_score"] < 75], [-2.5, -1.0], 0.0),
            "shot_zone_adjustment": (f["shot_zone_mismatch_score"] * 0.3).fillna(0.0),
            "pace_adjustment": (f["pace_score"] * 0.3).fillna(0.0),
            "usage_adjustment": (f["usage_spike_score"] * 0.4).fillna(0.0),
            "home_away_adjustment": np.where(f["home_away"] == 1, 0.5, -0.5),
            "back_to_back_adjustment": np.where(f["back_to_back"] == 1, -1.5, 0.0),
        },
        index=f.index,
    )


def confidence(f: pd.DataFrame) -> pd.Series:
    """0.5, less for volatile scorers, more for players in rhythm, scaled by data quality."""
    score = 0.5 - np.select([f["points_std_last_10"] > 6, f["points_std_last_10"] > 4], [0.15, 0.08], 0.0)
    games7 = f["games_in_last_7_days"].fillna(0)
    score = score + np.select([games7 >= 3, games7 == 2], [0.10, 0.05], -0.10)
    return (score * f["quality_score"] / 100).clip(0.2, 0.8).round(3)


def recommend(predicted: pd.Series, line: pd.Series, conf: pd.Series, quality: pd.Series) -> pd.Series:
    edge = predicted - line
    call = np.where(edge > 0, "OVER", "UNDER")
    actionable = (edge.abs() > MIN_EDGE) & (conf > MIN_CONFIDENCE) & (quality >= MIN_QUALITY)
    return pd.Series(np.where(line.isna(), "NO_LINE", np.where(actionable, call, "PASS")), index=predicted.index)


def player_prop_predictions(dates: list[dt.date], feature_store: pd.DataFrame) -> pd.DataFrame:
    f = on_dates(with_columns(feature_store, ["game_date", "player_lookup"]), dates).reset_index(drop=True)
    base = 0.5 * f["points_avg_last_5"] + 0.3 * f["points_avg_last_10"] + 0.2 * f["points_avg_season"]
    adj = adjustments(f)
    out = pd.concat(
        [
            f[
                [
                    "game_date",
                    "player_lookup",
                    "game_id",
                    "team_abbr",
                    "opponent_team_abbr",
                    "quality_score",
                    "early_season_flag",
                ]
            ],
            adj.round(2),
        ],
        axis=1,
    )
    out["system_id"] = SYSTEM_ID
    out["predicted_points"] = (base + adj.sum(axis=1)).clip(lower=0).round(1)
    out["confidence_score"] = confidence(f)
    out["current_points_line"] = f["vegas_points_line"]
    out["has_prop_line"] = out["current_points_line"].notna()
    out["line_source"] = np.where(out["has_prop_line"], "ODDS_API", "NO_PROP_LINE")
    out["line_margin"] = (out["predicted_points"] - out["current_points_line"]).round(1)
    out["recommendation"] = recommend(
        out["predicted_points"], out["current_points_line"], out["confidence_score"], out["quality_score"]
    )
    return out


def prediction_accuracy(
    dates: list[dt.date], predictions: pd.DataFrame, player_game_summary: pd.DataFrame
) -> pd.DataFrame:
    keys = ["game_date", "player_lookup"]
    p = on_dates(with_columns(predictions, keys), dates)
    actual = with_columns(player_game_summary, [*keys, "points", "minutes_played", "is_dnp"])[
        [*keys, "points", "minutes_played", "is_dnp"]
    ].rename(columns={"points": "actual_points"})
    df = p.merge(actual, on=keys, how="left")
    # A DNP voids the prediction: no box-score row, flagged DNP, or no minutes and no points.
    voided = (
        df["actual_points"].isna()
        | df["is_dnp"].astype("boolean").fillna(True).astype(bool)
        | ((df["actual_points"] == 0) & (df["minutes_played"].fillna(0) == 0))
    )
    error = df["predicted_points"] - df["actual_points"]
    line = df["current_points_line"]
    called = df["recommendation"].isin(["OVER", "UNDER"]) & line.notna() & (df["actual_points"] != line) & ~voided
    correct = (df["actual_points"] > line) == (df["recommendation"] == "OVER")
    out = df[
        [
            *keys,
            "game_id",
            "system_id",
            "predicted_points",
            "confidence_score",
            "recommendation",
            "has_prop_line",
            "quality_score",
            "early_season_flag",
            "actual_points",
            "minutes_played",
        ]
    ].copy()
    out["line_value"] = line
    out["confidence_decile"] = np.minimum(10, np.floor(df["confidence_score"] * 10) + 1).astype("int64")
    out["is_voided"] = voided
    out["void_reason"] = np.where(voided, "dnp_unknown", None)
    out["signed_error"] = error.where(~voided).round(1)
    out["absolute_error"] = out["signed_error"].abs()
    out["prediction_correct"] = correct.where(called).astype("boolean")
    out["within_3_points"] = (out["absolute_error"] <= 3).where(out["absolute_error"].notna()).astype("boolean")
    out["within_5_points"] = (out["absolute_error"] <= 5).where(out["absolute_error"].notna()).astype("boolean")
    return out
