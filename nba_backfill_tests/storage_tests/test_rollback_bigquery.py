"""nba-backfill rollback on the gcp target: a forced range is put back byte for byte on BigQuery
(the emulator), rows and ledger, through the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nba_backfill.backfill import cli
from nba_backfill.environment import resources

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

# Phases 1-2: the tables a changed scrape rewrites, without a lookback window to pull in.
RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-10-23", "--phases", "1-2"]


def snapshot(warehouse) -> dict[str, pd.DataFrame]:
    """Every raw table written, and the ledger, each in a fixed row order."""
    ledger = warehouse.ledger()
    tables = sorted(t for t in set(ledger["table_name"]) if t.startswith("nba_raw."))
    out = {t: warehouse.query(f"SELECT * FROM {t}") for t in tables} | {"ledger": ledger}
    return {name: frame.sort_values(list(frame.columns)).reset_index(drop=True) for name, frame in out.items()}


def run(capsys, *argv: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_forced_range_rolls_back_byte_for_byte_on_bigquery(gcp_env, home, monkeypatch, capsys):
    monkeypatch.setenv("NBA_BACKFILL_TARGET", "gcp")
    warehouse = resources()["warehouse"]
    assert run(capsys, "run", *RANGE)[0] == 0
    before = snapshot(warehouse)
    monkeypatch.setenv("NBA_SIM_SEED", "7")  # a changed input: the forced rows really differ
    code, forced = run(capsys, "run", *RANGE, "--force")
    assert code == 0
    changed = snapshot(warehouse)
    assert any(not changed[name].equals(before[name]) for name in before if name != "ledger")

    code, undone = run(capsys, "rollback", "--run-id", forced["undo"].split()[-1])
    assert code == 0 and undone["restored"] == 2 * 12 and undone["check_runs_failed"] == 0

    after = snapshot(warehouse)
    assert after.keys() == before.keys()
    for name in before:  # rows, and the ledger's row counts and written_at
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    assert run(capsys, "status", *RANGE[:4])[0] == 1  # phases 3-5 were never run; phases 1-2 are complete
    code, plan = run(capsys, "plan", *RANGE)
    assert plan["to_run"] == {}
