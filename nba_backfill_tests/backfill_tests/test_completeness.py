"""`complete` means complete (issue 15): each case end to end through the command line on the
simulated league, with the state `status` reports and the plain re-run that repairs it.

Cases 3-5 start from a copy of one base backfill (2024-10-22 .. 2024-10-29).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from nba_backfill import calendar
from nba_backfill_tests.backfill_tests.homes import backfilled_home, sql

pytestmark = pytest.mark.slow
BASE = ["--start-date", "2024-10-22", "--end-date", "2024-10-29"]


@pytest.fixture(scope="module")
def base_home(tmp_path_factory):
    return backfilled_home(tmp_path_factory.mktemp("base"), BASE)


@pytest.fixture
def from_base(base_home, home, nba):
    shutil.copytree(base_home, home)
    return nba


def written_at(home, table: str, day: str) -> pd.Timestamp:
    found = sql(
        home,
        f"SELECT written_at FROM nba_meta.partition_ledger WHERE table_name = '{table}' AND game_date = '{day}'",
    )
    return found["written_at"][0]


def state(status: dict, day: str, phase: str) -> str:
    return next(d[phase] for d in status["dates"] if d["date"] == day)


def test_odds_api_down_on_a_date_is_degraded_until_a_plain_rerun_fetches_its_odds(nba, home, monkeypatch):
    args, day = ["--start-date", "2024-10-23", "--end-date", "2024-10-24"], "2024-10-24"
    monkeypatch.setenv("NBA_SIM_OUTAGES", f"odds_api:{day}")
    code, report = nba.json("run", *args)
    assert code == 1 and day in report["incomplete"], report
    code, status = nba.json("status", *args)
    assert code == 1 and state(status, day, "phase1") == "degraded"
    assert "has no player props" in " ".join(next(d for d in status["dates"] if d["date"] == day)["reasons"]["phase1"])
    _, plan = nba.json("plan", *args)
    assert plan["why"]["scraped/odds_api_player_props"][day].startswith("degraded")

    monkeypatch.delenv("NBA_SIM_OUTAGES")
    code, report = nba.json("run", *args)  # plain: no --force
    assert code == 0 and report["complete_game_dates"] == report["game_dates"] == 2, report
    assert nba("status", *args)[0] == 0
    lines = sql(
        home,
        f"SELECT count(*) AS n FROM nba_predictions.player_prop_predictions WHERE game_date = '{day}' AND has_prop_line",
    )
    assert lines["n"][0] > 20


def test_a_schedule_scraped_before_final_is_provisional_until_a_rerun_after_final(nba, home, monkeypatch):
    args, day = ["--start-date", "2024-10-23", "--end-date", "2024-10-24"], dt.date(2024, 10, 24)
    real_today = calendar.today_et
    monkeypatch.setattr(calendar, "today_et", lambda now=None: day)  # the run happens on the day's morning
    code, report = nba.json("run", *args)
    assert report["failed"] == {}, report
    assert (
        sql(home, f"SELECT count(*) AS n FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '{day}'")["n"][0]
        == 0
    )

    monkeypatch.setattr(calendar, "today_et", real_today)  # later: the games are final now
    code, status = nba.json("status", *args)
    assert code == 1 and state(status, str(day), "phase1") == "provisional", status["dates"]
    code, report = nba.json("run", *args)
    assert code == 0 and report["complete_game_dates"] == 2, report
    assert (
        sql(home, f"SELECT count(*) AS n FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '{day}'")["n"][0] > 0
    )
    code, status = nba.json("status", *args)
    assert code == 0 and state(status, str(day), "phase1") == "complete"


def test_stale_partitions_are_repaired_by_a_plain_run(from_base, home):
    day = "2024-10-24"
    assert from_base("run", "--start-date", day, "--end-date", day, "--phases", "3", "--force")[0] == 0
    code, status = from_base.json("status", *BASE)
    assert code == 1 and state(status, "2024-10-27", "phase4") == "stale"
    before = written_at(home, "nba_precompute.player_daily_cache", "2024-10-27")

    code, report = from_base.json("run", *BASE)
    assert code == 0, report
    assert written_at(home, "nba_precompute.player_daily_cache", "2024-10-27") > before
    assert from_base("status", *BASE)[0] == 0


def test_rows_lost_or_damaged_after_a_write_are_seen_and_repaired_by_a_plain_run(from_base, home):
    lost, damaged = "2024-10-25", "2024-10-26"
    sql(home, f"DELETE FROM nba_analytics.player_game_summary WHERE game_date = '{lost}' AND points > 10")
    sql(home, f"UPDATE nba_raw.nbac_gamebook_player_stats SET player_lookup = NULL WHERE game_date = '{damaged}'")
    code, status = from_base.json("status", *BASE)
    assert code == 1 and state(status, lost, "phase3") == "missing"
    assert state(status, damaged, "phase2") == "changed"
    code, report = from_base.json("validate", *BASE)
    assert any(
        f["asset"] == "nba_raw/nbac_gamebook_player_stats" and f["game_date"] == damaged for f in report["failures"]
    )
    code, status = from_base.json("status", *BASE)
    assert state(status, damaged, "phase2") == "failed"  # validate's result, recorded in the instance

    code, report = from_base.json("run", *BASE)
    assert code == 0, report
    assert from_base("status", *BASE)[0] == 0
    assert (
        sql(
            home,
            f"SELECT count(*) AS n FROM nba_raw.nbac_gamebook_player_stats WHERE game_date = '{damaged}' AND player_lookup IS NULL",
        )["n"][0]
        == 0
    )


def test_rows_damaged_outside_the_tool_are_judged_and_repaired_by_one_plain_run(from_base, home):
    damaged = "2024-10-26"
    sql(home, f"UPDATE nba_raw.nbac_gamebook_player_stats SET player_lookup = NULL WHERE game_date = '{damaged}'")
    code, report = from_base.json("run", *BASE)  # no validate first: the run's re-validation judges it
    assert code == 0, report
    assert from_base("status", *BASE)[0] == 0
    nulls = sql(
        home,
        "SELECT count(*) AS n FROM nba_raw.nbac_gamebook_player_stats "
        f"WHERE game_date = '{damaged}' AND player_lookup IS NULL",
    )
    assert nulls["n"][0] == 0


def test_runbook_scenario_4_a_correction_in_the_warehouse_reaches_the_windows_that_read_it(from_base, home):
    day, later = "2024-10-24", "2024-10-29"
    row = sql(
        home,
        f"SELECT player_lookup, points FROM nba_analytics.player_game_summary WHERE game_date = '{day}' AND points > 5 LIMIT 1",
    )
    player, points = row["player_lookup"][0], int(row["points"][0])
    sql(
        home,
        f"UPDATE nba_analytics.player_game_summary SET points = points + 1 WHERE game_date = '{day}' AND player_lookup = '{player}'",
    )
    code, status = from_base.json("status", *BASE)
    assert code == 1 and state(status, day, "phase3") == "changed" and state(status, later, "phase4") == "stale"
    before = written_at(home, "nba_precompute.player_shot_zone_analysis", later)

    code, report = from_base.json("run", "--start-date", day, "--end-date", day, "--phases", "4-5", "--force")
    assert code == 0, report
    assert written_at(home, "nba_precompute.player_shot_zone_analysis", later) > before  # its window reads the day
    corrected = sql(
        home,
        f"SELECT points FROM nba_analytics.player_game_summary WHERE game_date = '{day}' AND player_lookup = '{player}'",
    )
    assert list(corrected["points"]) == [points + 1]  # the correction was adopted, not overwritten
    code, status = from_base.json("status", *BASE)
    assert state(status, day, "phase3") == "complete" and state(status, later, "phase4") == "complete"
