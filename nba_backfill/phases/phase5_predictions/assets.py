"""Phase 5: predictions and grades (``nba_predictions``)."""

from __future__ import annotations

from nba_backfill.phases.phase5_predictions import grading, transforms
from nba_backfill.phases.table_asset import table_asset

GROUP = "phase5_predictions"

assets = [
    table_asset(
        "nba_predictions/player_prop_predictions",
        group=GROUP,
        compute=transforms.player_prop_predictions,
        same_day={"feature_store": "nba_precompute/ml_feature_store"},
        description="Baseline points prediction, confidence and OVER/UNDER/PASS/NO_LINE per player.",
    ),
    table_asset(
        "nba_predictions/prediction_accuracy",
        group=GROUP,
        compute=transforms.prediction_accuracy,
        same_day={
            "predictions": "nba_predictions/player_prop_predictions",
            "player_game_summary": "nba_analytics/player_game_summary",
        },
        partition_metadata=grading.partition_figures,
        run_metadata=grading.run_figures,
        description="Each prediction graded against the box score (push, PASS and NO_LINE grade NULL; DNP voids); "
        "each date's grading (predictions with a line, MAE of predictions and lines, hit rate) as metadata.",
    ),
]
