"""The runbook's scenarios, end to end through the command line on the simulated league.

Most scenarios start from a copy of one base backfill (2024-10-22 .. 2024-11-02, with its 30-day
lookback before opening night): warehouse, raw store and Dagster instance are copied per test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

from nba_backfill_tests.backfill_tests.homes import backfilled_home, sql

BASE = ["--start-date", "2024-10-22", "--end-date", "2024-11-02"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_home(tmp_path_factory):
    return backfilled_home(tmp_path_factory.mktemp("base"), BASE)


@pytest.fixture
def from_base(base_home, home, nba):
    shutil.copytree(base_home, home)
    return nba


def written(home, where: str = "true") -> pd.DataFrame:
    return sql(
        home, f"SELECT table_name, game_date, written_at FROM nba_meta.partition_ledger WHERE {where} ORDER BY 1, 2"
    )


def test_a_season_with_its_lookback_before_opening_night_ends_complete(nba):
    code, report = nba.json("run", "--start-date", "2023-10-24", "--end-date", "2024-04-14")
    assert code == 0 and report["complete_game_dates"] == report["game_dates"] > 150
    code, status = nba.json("status", "--start-date", "2023-10-24", "--end-date", "2024-04-14")
    assert code == 0 and status["summary"]["complete_game_dates"] == status["summary"]["game_dates"]
    assert nba("validate", "--start-date", "2023-10-24", "--end-date", "2024-04-14", "--strict")[0] == 0


def test_gap_fill_after_a_week_long_scraper_outage(nba, home, monkeypatch):
    args = ["--start-date", "2024-10-22", "--end-date", "2024-11-18"]
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-11-08..2024-11-14")
    code, report = nba.json("run", *args)
    assert code == 1
    assert sorted(report["failed"]) == [f"2024-11-{d:02d}" for d in range(8, 15)]
    assert "HTTP 503" in " ".join(report["failed"]["2024-11-10"])
    assert {f"2024-11-{d}" for d in range(15, 19)} <= set(report["blocked"])  # their windows hold the gap
    assert report["resume"] == "nba-backfill run --start-date 2024-10-22 --end-date 2024-11-18"
    before = written(home, "game_date < '2024-11-08'")

    monkeypatch.delenv("NBA_SIM_OUTAGES")
    code, report = nba.json("run", *args)
    assert code == 0 and report["complete_game_dates"] == report["game_dates"]
    pd.testing.assert_frame_equal(before, written(home, "game_date < '2024-11-08'"))  # only the gap and what it blocked
    assert nba("status", *args)[0] == 0


def test_reprocessing_one_date_after_its_raw_file_was_corrected(from_base, home):
    day = "2024-10-28"
    store = home / "raw" / "nba-com" / "boxscores" / day
    path = sorted(store.rglob("*.json"))[0]
    box = json.loads(path.read_text())
    played = [p for p in box["boxScoreTraditional"]["homeTeam"]["players"] if p["statistics"]["minutes"]]
    giver = next(p for p in played if p["statistics"]["freeThrowsMade"])
    player = next(p for p in played if p is not giver)
    # The corrected file: a free throw credited to the wrong player moves to the right one (totals,
    # margin and plus-minus unchanged, so the file still agrees with itself).
    for stats, change in ((giver["statistics"], -1), (player["statistics"], +1)):
        stats["freeThrowsMade"] += change
        stats["freeThrowsAttempted"] += change
        stats["points"] += change
    path.write_text(json.dumps(box))
    raw_before = sorted(p.name for p in (home / "raw").rglob(f"*/{day}/**/*.json"))
    before = written(home)

    code, _ = from_base.json("run", "--start-date", day, "--end-date", day, "--phases", "2-5", "--force")
    assert code == 0
    after = written(home).merge(before, on=["table_name", "game_date"], suffixes=("", "_before"))
    rewritten = after[after["written_at"] > after["written_at_before"]]
    assert not rewritten["table_name"].str.startswith("scraped.").any()  # phase 1 did not re-scrape
    assert sorted(p.name for p in (home / "raw").rglob(f"*/{day}/**/*.json")) == raw_before
    on_day = set(rewritten.loc[rewritten["game_date"] == pd.Timestamp(day), "table_name"])
    assert {
        "nba_raw.nbac_gamebook_player_stats",
        "nba_analytics.player_game_summary",
        "nba_predictions.prediction_accuracy",
    } <= on_day
    later = rewritten[rewritten["game_date"] > pd.Timestamp(day)]
    assert set(later.loc[later["table_name"] == "nba_precompute.player_daily_cache", "game_date"].dt.day) == {
        29,
        30,
        31,
        1,
        2,
    }
    assert rewritten["game_date"].min() == pd.Timestamp(day)
    name = f"{player['firstName']} {player['familyName']}"
    points = sql(
        home,
        f"SELECT points FROM nba_analytics.player_game_summary WHERE game_date = '{day}' AND player_name = '{name}'",
    )
    assert points["points"][0] == player["statistics"]["points"]


def test_downstream_reprocessing_after_a_logic_change_recomputes_only_phases_4_and_5(from_base, home):
    before = written(home)
    code, report = from_base.json(
        "run", "--start-date", "2024-10-30", "--end-date", "2024-11-01", "--phases", "4-5", "--force"
    )
    assert code == 0
    after = written(home).merge(before, on=["table_name", "game_date"], suffixes=("", "_before"))
    rewritten = after[after["written_at"] > after["written_at_before"]]
    assert set(rewritten["table_name"].str.split(".").str[0]) == {"nba_precompute", "nba_predictions"}
    assert set(rewritten["game_date"].dt.strftime("%m-%d")) == {"10-30", "10-31", "11-01"}
    assert len(rewritten) == 3 * 7


def test_a_date_whose_odds_feed_was_down_gets_its_lines_on_rerun(nba, home, monkeypatch):
    day = "2024-10-30"
    monkeypatch.setenv("NBA_SIM_OUTAGES", f"odds_api:{day}")
    assert nba("run", "--start-date", "2024-10-28", "--end-date", "2024-10-31")[0] == 1  # the date is degraded
    recs = sql(home, f"SELECT recommendation FROM nba_predictions.player_prop_predictions WHERE game_date = '{day}'")
    assert (recs["recommendation"] == "NO_LINE").all()
    code, report = nba.json("validate", "--start-date", day, "--end-date", day)
    assert any(f["check"] == "real_line_share" for f in report["failures"])

    monkeypatch.delenv("NBA_SIM_OUTAGES")
    assert nba("run", "--start-date", day, "--end-date", day)[0] == 0  # a plain re-run buys what was missing
    no_line = sql(
        home,
        f"""
        SELECT p.player_lookup FROM nba_predictions.player_prop_predictions p
        JOIN nba_raw.odds_api_player_points_props o USING (game_date, player_lookup)
        WHERE p.game_date = '{day}' AND p.recommendation = 'NO_LINE'
          AND o.minutes_before_tipoff >= 0 AND o.points_line >= 5 AND o.points_line != 20""",
    )
    assert no_line.empty  # NO_LINE is left only where the league posted no usable line
    lines = sql(
        home,
        f"SELECT count(*) AS n FROM nba_predictions.player_prop_predictions WHERE game_date = '{day}' AND has_prop_line",
    )
    assert lines["n"][0] > 50


def test_the_first_two_weeks_of_a_season_complete_with_rising_quality(nba, home):
    args = ["--start-date", "2024-10-22", "--end-date", "2024-11-04"]
    assert nba("run", *args)[0] == 0
    code, status = nba.json("status", *args)
    assert code == 0 and not any("failed" in (d["phase4"], d["phase5"]) for d in status["dates"])
    quality = sql(
        home, "SELECT game_date, avg(quality_score) AS q FROM nba_precompute.ml_feature_store GROUP BY 1 ORDER BY 1"
    )
    assert quality["q"].iloc[0] == 0 and quality["q"].is_monotonic_increasing and quality["q"].iloc[-1] > 40


def test_an_interrupted_run_resumes_without_duplicates_or_recomputation(nba, home):
    args = ["--start-date", "2024-10-22", "--end-date", "2024-11-02"]
    env = os.environ | {"NBA_BACKFILL_HOME": str(home)}
    log = (home.parent / "killed-run.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nba_backfill.backfill.cli", "run", *args], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        try:
            if not written(home, "table_name = 'nba_analytics.player_game_summary'").empty:
                break
        except (duckdb.Error, duckdb.CatalogException):  # the run holds the file, or nothing written yet
            continue
    assert proc.poll() is None, (home.parent / "killed-run.log").read_text()[-2000:]  # still running: kill it
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = written(home)
    assert not finished.empty and len(finished) < 24 * 42  # killed part-way

    code, report = nba.json("run", *args)
    assert code == 0 and report["complete_game_dates"] == report["game_dates"], report
    kept = written(home).merge(finished, on=["table_name", "game_date"], suffixes=("", "_before"))
    recomputed = kept[kept["written_at"] != kept["written_at_before"]]
    assert recomputed.empty, (
        recomputed.groupby("table_name").size().to_dict(),
        report["ran"],
    )  # finished partitions were not recomputed
    assert nba("validate", *args, "--strict")[0] == 0  # unique grain and everything else hold
