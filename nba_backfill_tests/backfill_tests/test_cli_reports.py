"""The runbook's figures from the shell: validate --json with each check's metadata, and report."""

from __future__ import annotations

import duckdb


def test_report_and_validate_give_the_figures_the_ui_shows(nba, home):
    assert nba("run", "--start-date", "2024-10-22", "--end-date", "2024-10-23")[0] == 0
    code, report = nba.json("report", "--start-date", "2024-10-23", "--end-date", "2024-10-23")
    assert code == 0
    tables = {t["table"]: t for t in report["tables"]}
    assert {t["date"] for t in report["tables"]} == {"2024-10-23"} and len(tables) == 24
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        players = con.execute(
            "SELECT count(*) FROM nba_precompute.ml_feature_store WHERE game_date = '2024-10-23'"
        ).fetchone()[0]
    assert tables["nba_precompute.ml_feature_store"]["rows"] == players > 0
    assert all(t["written_at"].startswith("20") for t in report["tables"])
    (quality,) = report["quality"]
    assert quality["date"] == "2024-10-23" and quality["players"] == players
    assert quality["quality_score_min"] <= quality["quality_score_avg"] <= quality["quality_score_max"]

    code, text = nba("report", "--start-date", "2024-10-23", "--end-date", "2024-10-23")
    assert code == 0 and "quality by date" in text and "nba_precompute.ml_feature_store" in text

    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ((planted,),) = con.execute(
            "UPDATE nba_predictions.player_prop_predictions SET current_points_line = 20.0 "
            "WHERE game_date = '2024-10-23' AND current_points_line IS NOT NULL"
        ).fetchall()
        predictions = con.execute(
            "SELECT count(*) FROM nba_predictions.player_prop_predictions WHERE game_date = '2024-10-23'"
        ).fetchone()[0]
    code, validated = nba.json("validate", "--start-date", "2024-10-23", "--end-date", "2024-10-23")
    (placeholder,) = [
        f for f in validated["failures"] if f["check"] == "no_placeholder_lines" and "prop_predictions" in f["asset"]
    ]
    # The values the UI shows for the check: the rows it read and the offending ones.
    assert planted > 0
    assert placeholder["metadata"]["placeholder_lines"] == planted and placeholder["metadata"]["rows"] == predictions
