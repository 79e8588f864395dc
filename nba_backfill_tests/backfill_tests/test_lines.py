"""Runbook scenario 5 through the command line (issue 11): the Odds API was down on a date;
``nba-backfill lines`` buys that date's odds, and only what reads them is recomputed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from nba_backfill.backfill.lines import LINES_SELECTION
from nba_backfill_tests.backfill_tests.homes import backfilled_home, sql

DAY = "2024-10-30"
RANGE = ["--start-date", "2024-10-28", "--end-date", "2024-11-01"]
ONE_DAY = ["--start-date", DAY, "--end-date", DAY]
SCHEMAS = ("nba_raw", "nba_analytics", "nba_precompute", "nba_predictions")
pytestmark = pytest.mark.slow


def rows_of_other_dates(home, keep_day: bool = False) -> dict[str, pd.DataFrame]:
    """Every table's rows of every date but DAY (or of every date), without the time each was
    processed (and, across homes, the scrape times in the names of the files they came from)."""
    columns = sql(
        home,
        "SELECT table_schema || '.' || table_name AS t, list(column_name ORDER BY ordinal_position) AS c "
        f"FROM information_schema.columns WHERE table_schema IN {SCHEMAS} GROUP BY 1",
    )
    out = {}
    for table, names in zip(columns["t"], columns["c"]):
        skipped = {"processed_at", "source_file_path"} if keep_day else {"processed_at"}
        kept = ", ".join(f'"{n}"' for n in names if n not in skipped)
        where = "true" if keep_day else f"game_date <> '{DAY}'"
        out[table] = sql(home, f"SELECT {kept} FROM {table} WHERE {where} ORDER BY ALL")
    return out


def differences(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Per table, the columns whose values differ (every column if the rows do not line up)."""
    out = {}
    for table in before.keys() | after.keys():
        old, new = before.get(table), after.get(table)
        if old is None or new is None or old.shape != new.shape:
            out[table] = {"*"}
            continue
        columns = {c for c in old.columns if not old[c].reset_index(drop=True).equals(new[c].reset_index(drop=True))}
        if columns:
            out[table] = columns
    return out


def never_down(tmp_path) -> Path:
    return backfilled_home(tmp_path / "control", RANGE)


def nba_com_files(home) -> dict[str, str]:
    root = home / "raw" / "nba-com"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.json")}


def with_lines(home) -> int:
    found = sql(
        home,
        f"SELECT count(*) AS n FROM nba_predictions.player_prop_predictions WHERE game_date = '{DAY}' AND has_prop_line",
    )
    return int(found["n"][0])


def test_lines_fills_a_date_whose_odds_api_was_down_and_spends_what_plan_said(nba, home, monkeypatch, tmp_path):
    monkeypatch.setenv("NBA_SIM_OUTAGES", f"odds_api:{DAY}")
    assert nba("run", *RANGE)[0] == 1  # DAY is degraded (no lines): not complete
    assert with_lines(home) == 0  # every prediction of DAY says NO_LINE
    monkeypatch.delenv("NBA_SIM_OUTAGES")
    before_rows, before_files = rows_of_other_dates(home), nba_com_files(home)
    games = int(sql(home, f"SELECT count(*) AS n FROM nba_raw.nbac_schedule WHERE game_date = '{DAY}'")["n"][0])

    code, plan = nba.json("plan", *ONE_DAY, "--select", LINES_SELECTION, "--force")
    assert code == 0 and plan["odds_api_credits"] == 1 + 10 * games  # the listing, one closing snapshot a game
    assert not [a for a in plan["to_run"] if a.startswith("scraped/nbac_")]

    code, report = nba.json("lines", *ONE_DAY)
    assert code == 0, report
    assert report["odds_api_credits_spent"] == report["odds_api_credits_estimated"] == plan["odds_api_credits"]
    assert with_lines(home) > 50

    assert nba_com_files(home) == before_files  # NBA.com neither called nor rewritten
    after_rows = rows_of_other_dates(home)
    changed = differences(before_rows, after_rows)
    # Only the readers of DAY's lines changed: the prop streaks of later contexts now count DAY.
    assert changed == {"nba_analytics.upcoming_player_game_context": {"prop_over_streak", "prop_under_streak"}}
    control = never_down(tmp_path)  # the same range where the Odds API was never down
    assert not differences(rows_of_other_dates(control, keep_day=True), rows_of_other_dates(home, keep_day=True))

    assert nba("status", *RANGE)[0] == 0  # DAY no longer degraded
    code, again = nba.json("lines", *ONE_DAY)  # nothing is bought twice
    assert code == 0 and again["odds_api_credits_spent"] == again["odds_api_credits_estimated"] == 0
