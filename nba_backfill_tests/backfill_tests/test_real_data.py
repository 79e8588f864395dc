"""The platform on real data: the 2025-26 dataset through the command line, from empty.

Opening night to 2025-10-23 (16 games) in the default run; the whole five weeks in the slow set.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from nba_backfill.calendar import date_range
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.lines_matched import classify, lines_matched
from nba_backfill.environment import resources
from nba_backfill.phases.phase3_analytics.lines import MIN_LINE, pre_tip
from nba_backfill.storage.accepted_gaps import accepted

FEW = ("2025-10-21", "2025-10-23")
STRETCH = ("2025-10-21", "2025-11-24")


@pytest.fixture
def real(home, monkeypatch):
    monkeypatch.setenv("NBA_BACKFILL_SOURCE", "dataset")
    return home


def dates_of(start: str, end: str) -> list[dt.date]:
    return date_range(start, end)


def backfill_and_check(nba, start: str, end: str) -> dict:
    code, out = nba("run", "--start-date", start, "--end-date", end)
    assert code == 0, out + nba.err
    code, status = nba.json("status", "--start-date", start, "--end-date", end)
    assert code == 0, status["summary"]
    game_dates = [d for d in status["dates"] if d["games"]]
    assert game_dates and all(
        d[p] in ("complete", "accepted") for d in game_dates for p in ("phase1", "phase2", "phase3", "phase4", "phase5")
    )
    # the dataset holds no play-by-play: an accepted gap, shown on its scraper (Phase 1)
    assert all(
        d["phase1"] == "accepted" and any("nbac_play_by_play" in why for why in d["reasons"]["phase1"])
        for d in game_dates
    )
    return status


def predictions_cover_everyone_who_played(warehouse, days: list[dt.date]) -> pd.DataFrame:
    played = warehouse.read("nba_analytics.player_game_summary", days)
    played = played[played["is_active"].astype(bool)]
    predictions = warehouse.read("nba_predictions.player_prop_predictions", days)
    missing = played.merge(predictions, on=["game_date", "player_lookup"], how="left", indicator=True)
    assert (missing["_merge"] == "both").all(), missing.loc[missing["_merge"] != "both", ["game_date", "player_lookup"]]
    return predictions


def share_of_lines_reaching_predictions(warehouse, days: list[dt.date]) -> float:
    """Of the lines the documented rule admits (pre-tip, >= 5.0) whose player played, the share
    whose prediction carries a line."""
    props = pre_tip(warehouse.read("nba_raw.odds_api_player_points_props", days))
    props = props[props["points_line"] >= MIN_LINE]
    gamebook = warehouse.read("nba_raw.nbac_gamebook_player_stats", days).rename(
        columns={"player_name_original": "player_name"}
    )
    lines = props.drop_duplicates(["game_date", "game_id", "player_lookup"])[
        ["game_date", "game_id", "player_name", "player_lookup"]
    ]
    played = classify(lines, gamebook, set()).query("outcome == 'played'")[["game_date", "player_lookup"]]
    predictions = warehouse.read("nba_predictions.player_prop_predictions", days)
    reached = played.merge(
        predictions[["game_date", "player_lookup", "has_prop_line"]], on=["game_date", "player_lookup"], how="left"
    )
    return float(reached["has_prop_line"].fillna(False).astype(bool).mean())


def test_a_few_real_dates_run_from_empty_with_shot_zones_absent_not_invented(nba, real):
    backfill_and_check(nba, *FEW)
    platform, days = resources(), dates_of(*FEW)
    warehouse = platform["warehouse"]
    predictions = predictions_cover_everyone_who_played(warehouse, days)
    assert predictions["has_prop_line"].sum() > 150  # opening nights' lines reached their players
    assert share_of_lines_reaching_predictions(warehouse, days) >= 0.99
    gaps = accepted(warehouse, days)
    by_feed = gaps.groupby("feed").size().to_dict()
    assert by_feed["nbac_play_by_play"] == by_feed["odds_api_game_lines"] == 16  # not in the dataset
    assert set(by_feed) <= {"nbac_play_by_play", "odds_api_game_lines", "odds_api_player_props"}
    assert gaps["accepted_by"].str.startswith("source:").all()
    # No play-by-play: every zone figure NULL and flagged, never a made-up number.
    offense = warehouse.read("nba_analytics.team_offense_game_summary", days)
    assert offense["team_paint_attempts"].isna().all() and not offense["shot_zones_available"].any()
    zones = warehouse.read("nba_precompute.player_shot_zone_analysis", days)
    assert zones["paint_rate_last_10"].isna().all() and not zones["shot_zone_data_available"].any()
    later = warehouse.read("nba_precompute.team_defense_zone_analysis", [dt.date(2025, 10, 23)])
    seen = later["games_in_sample"] > 0  # a team yet to play is league average by design (DESIGN §4 defaults)
    assert seen.any() and later.loc[seen, "paint_defense_vs_league_avg"].isna().all()
    assert later["three_pt_defense_vs_league_avg"].notna().all()  # threes allowed come from the box score
    features = warehouse.read("nba_precompute.ml_feature_store", days)
    assert (features["missing_feature_count"] >= 4).all() and not features["shot_zone_data_available"].any()
    # Lines matched to the players who played, per date.
    assert all(o.metadata["matched_share_pct"] >= 96 for o in lines_matched(days, CheckData(warehouse)))
    # Grading: each date's figures on its prediction_accuracy materialization (a range run).
    with dg.DagsterInstance.from_config(str(real / "dagster")) as instance:
        for day in days:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(
                    asset_key=dg.AssetKey(["nba_predictions", "prediction_accuracy"]), asset_partitions=[str(day)]
                ),
                limit=1,
            )
            metadata = records.records[0].asset_materialization.metadata
            assert metadata["grading/with_line"].value > 0 and metadata["grading/mae_line"].value > 0
            assert "grading/by_quality_band" in metadata


@pytest.mark.slow
def test_the_whole_real_stretch_is_complete_or_accepted_with_lines_matched(nba, real):
    status = backfill_and_check(nba, *STRETCH)
    assert status["summary"]["game_dates"] == 35
    warehouse, days = resources()["warehouse"], dates_of(*STRETCH)
    predictions_cover_everyone_who_played(warehouse, days)
    outcomes = lines_matched(days, CheckData(warehouse))
    played = sum(o.metadata.get("played", 0) for o in outcomes)
    unmatched = sum(o.metadata.get("unmatched", 0) for o in outcomes)
    assert played / (played + unmatched) >= 0.99
    assert share_of_lines_reaching_predictions(warehouse, days) >= 0.99
    code, report = nba.json("validate", "--start-date", STRETCH[0], "--end-date", STRETCH[1], "--strict")
    assert code == 0, [f for f in report["failures"] if f["severity"] == "ERROR"]
