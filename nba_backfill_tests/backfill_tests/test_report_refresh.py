"""Every command that works on a range leaves the completeness report current for that range."""

from __future__ import annotations

import base64
import re

import dagster as dg

from nba_backfill.backfill import cli

REPORT = dg.AssetKey(["nba_meta", "completeness_report"])


def latest_report(home) -> dict:
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        event = instance.get_latest_materialization_event(REPORT)
        assert event is not None, "the completeness report was never materialized"
        return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_run_then_validate_refresh_the_report_for_their_range(nba, home):
    code, _ = nba("run", "--start-date", "2024-10-22", "--end-date", "2024-10-24")
    assert code == 0
    report = latest_report(home)
    assert report["range"] == "2024-10-22 .. 2024-10-24" and report["complete_game_dates"] == "3 of 3"
    quality = {r.data["date"]: r.data for r in report["quality_by_date"].records}
    assert set(quality) == {"2024-10-22", "2024-10-23", "2024-10-24"}
    assert (
        quality["2024-10-22"]["players"] > 0
        and quality["2024-10-22"]["early_season_rows"] == quality["2024-10-22"]["players"]
    )
    assert (
        quality["2024-10-24"]["quality_score_max"]
        >= quality["2024-10-24"]["quality_score_avg"]
        >= quality["2024-10-24"]["quality_score_min"]
    )
    # The inline heat map: short enough for the UI to show it on the Overview, and a real PNG.
    inline = report["heat_map"]
    assert len(inline) < 1000
    png = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)\)", inline).group(1))
    assert png.startswith(b"\x89PNG")

    code, _ = nba("validate", "--start-date", "2024-10-23", "--end-date", "2024-10-26")
    assert code == 0
    report = latest_report(home)
    assert report["range"] == "2024-10-23 .. 2024-10-26" and report["dates_needing_work"] == 2  # 25-26: never scraped
    quality = {r.data["date"]: r.data for r in report["quality_by_date"].records}
    assert quality["2024-10-26"]["players"] == 0 and quality["2024-10-26"]["quality_score_avg"] is None


def test_a_report_that_cannot_be_written_is_said_and_leaves_the_exit_code(nba, home, monkeypatch):
    monkeypatch.setattr(cli, "refresh_completeness", lambda *_: False)
    code, _ = nba("validate", "--start-date", "2024-10-22", "--end-date", "2024-10-22")
    assert code == 0 and "completeness_report could not be refreshed" in nba.err
