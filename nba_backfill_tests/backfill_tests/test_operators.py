"""Operators and their mistakes, through the command line: one writer at a time per home, exit 0
only when the range ends complete, and rollback of what a run replaced, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nba_backfill.backfill.lock import LockHeld, operator_lock
from nba_backfill.checks.catalogue import GRAINS
from nba_backfill.testing.plugin import ISOLATED_VARIABLES

# Phases 1-2 keep these runs to seconds: no lookback window is pulled in, and the lock, the plan
# and the report are the same for every phase.
A = ["--start-date", "2024-10-22", "--end-date", "2024-10-23", "--phases", "1-2"]
B = ["--start-date", "2024-10-23", "--end-date", "2024-10-24", "--phases", "1-2"]
BOTH = ["--start-date", "2024-10-22", "--end-date", "2024-10-24"]


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*ISOLATED_VARIABLES, "DAGSTER_HOME")}
    return env | {"NBA_BACKFILL_HOME": str(home), "NBA_SCRAPER_RETRIES": "0", **extra}


def start(home: Path, name: str, *argv: str) -> subprocess.Popen:
    """``nba-backfill *argv --json`` in a process of its own, writing to ``name``.out and .err
    beside the home (files, not pipes: a full pipe would stall a run that holds the lock)."""
    home.parent.mkdir(parents=True, exist_ok=True)
    with (home.parent / f"{name}.out").open("w") as out, (home.parent / f"{name}.err").open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "nba_backfill.backfill.cli", *argv, "--json"],
            env=environment(home),
            stdout=out,
            stderr=err,
        )


def finish(proc: subprocess.Popen, home: Path, name: str) -> tuple[int, str, str]:
    code = proc.wait(timeout=600)
    return code, (home.parent / f"{name}.out").read_text(), (home.parent / f"{name}.err").read_text()


def tables(home: Path, schema: str) -> dict[str, pd.DataFrame]:
    """Every table of ``schema``, its rows in a fixed order (for byte-for-byte comparison)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]
            ).fetchall()
        ]
        return {n: con.execute(f"SELECT * FROM {schema}.{n} ORDER BY ALL").df() for n in names}


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def duplicates(home: Path) -> dict[str, int]:
    """Rows beyond the first of each grain, per phase-2 table."""
    found = {}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for asset, keys in GRAINS.items():
            if asset.startswith("nba_raw/"):
                table, columns = asset.replace("/", "."), ", ".join(keys)
                found[asset] = con.execute(f"SELECT count(*) - count(DISTINCT ({columns})) FROM {table}").fetchone()[0]
    return found


@pytest.fixture
def busy_machine():
    """A process burning a core for the test's length: the race shows under load."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


@pytest.mark.slow
@pytest.mark.parametrize("attempt, no_wait", [(1, False), (2, False), (3, True)])
def test_two_runs_started_together_on_an_empty_home_have_one_clear_outcome_each(
    tmp_path, busy_machine, attempt, no_wait
):
    home = tmp_path / f"home{attempt}"
    first = start(home, "first", "run", *A)
    if no_wait:  # refusal is what is tested: the --no-wait run starts once the first holds the lock
        deadline = time.monotonic() + 120
        while f'"pid": {first.pid}' not in _text(home / "operator.lock") and time.monotonic() < deadline:
            time.sleep(0.05)
    second = start(home, "second", "run", *B, *(["--no-wait"] if no_wait else []))
    results = {first.pid: finish(first, home, "first"), second.pid: finish(second, home, "second")}
    other = {first.pid: second.pid, second.pid: first.pid}
    outcomes = {}
    for pid, (code, out, err) in results.items():  # each: ran at once, waited then ran, or refused
        assert "Traceback" not in err, err
        lines = err.strip().splitlines()
        if code == 2:
            assert pid == second.pid and no_wait, results  # refused only when told not to wait
            assert len(lines) == 1 and f"is in use by pid {other[pid]} (nba-backfill run --start-date" in lines[0], err
            outcomes[pid] = "refused"
        else:
            assert code == 0, results
            waited = [line for line in lines if "waiting for" in line]
            holder = f"nba-backfill run: waiting for pid {other[pid]} (nba-backfill run --start-date"
            assert len(waited) <= 1 and all(line.startswith(holder) for line in waited), err
            outcomes[pid] = "waited" if waited else "ran"
    assert sorted(outcomes.values()) == (["ran", "refused"] if no_wait else ["ran", "waited"]), outcomes
    if "waited" in outcomes.values():  # the later one re-planned and did only what was left
        ran = [json.loads(out)["ran"] for _, out, _ in results.values()]
        assets = set(ran[0]) | set(ran[1])
        assert len(assets) == 12  # phases 1-2
        assert {a: ran[0].get(a, 0) + ran[1].get(a, 0) for a in assets} == dict.fromkeys(assets, 3)  # no date twice
    assert not any(duplicates(home).values()), duplicates(home)
    code = subprocess.run(
        [sys.executable, "-m", "nba_backfill.backfill.cli", "run", *BOTH, "--phases", "1-2"],
        env=environment(home),
        capture_output=True,
    ).returncode
    assert code == 0  # the whole range complete (after the refused one's dates, if one was refused)
    assert not any(duplicates(home).values())


def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    holding = (
        "import sys, time; from pathlib import Path; from nba_backfill.backfill.lock import operator_lock\n"
        "with operator_lock(Path(sys.argv[1]), 'nba-backfill run --start-date x', True, print):\n"
        "    print('held', flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", holding, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(LockHeld, match=rf"in use by pid {holder.pid} \(nba-backfill run --start-date x\) since "):
        with operator_lock(tmp_path, "second", wait=False, on_wait=print):
            pass
    holder.kill()  # SIGKILL: no cleanup runs in the holder
    holder.wait()
    with operator_lock(tmp_path, "second", wait=False, on_wait=print):
        assert json.loads((tmp_path / "operator.lock").read_text())["command"] == "second"


def test_run_exits_non_zero_when_a_date_of_its_range_does_not_end_complete(nba, home, monkeypatch):
    # The Odds API is down on the 23rd: every table is written, but its final games have no odds,
    # so the date is degraded, not complete (a stale date, which a plain run now repairs, is
    # test_completeness.py's).
    monkeypatch.setenv("NBA_SIM_OUTAGES", "odds_api:2024-10-23")
    code, report = nba.json("run", *A)
    assert code == 1, report
    assert report["incomplete"] == {"2024-10-23": ["phase1 degraded"]}
    assert report["complete_game_dates"] == 1 and report["game_dates"] == 2
    monkeypatch.delenv("NBA_SIM_OUTAGES")
    assert nba("run", *A)[0] == 0


def test_a_forced_range_rolls_back_to_its_previous_rows_byte_for_byte(nba, home, monkeypatch):
    assert nba("run", *A)[0] == 0
    before = tables(home, "nba_raw") | tables(home, "nba_meta")
    monkeypatch.setenv("NBA_SIM_SEED", "7")  # a changed input: the forced rows really differ
    code, forced = nba.json("run", *A, "--force")
    assert code == 0 and forced["undo"].startswith("nba-backfill rollback --run-id run-")
    changed = tables(home, "nba_raw")
    assert any(not changed[t].equals(before[t]) for t in changed)

    code, listed = nba.json("rollback", "--list")
    run_id = forced["undo"].split()[-1]
    assert code == 0 and listed["kept"][0]["run_id"] == run_id  # newest first
    code, undone = nba.json("rollback", "--run-id", run_id)
    assert code == 0 and undone["restored"] == 2 * 12 and undone["removed"] == 0

    after = tables(home, "nba_raw") | tables(home, "nba_meta")
    assert after.keys() == before.keys()
    for name in before:  # rows and ledger (row counts and written_at) as they were
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    code, status = nba.json("status", *A[:4])
    assert [(d["phase1"], d["phase2"]) for d in status["dates"]] == [("complete", "complete")] * 2
    assert nba.json("plan", *A)[1]["to_run"] == {}  # the instance agrees: nothing to redo

    code = nba("rollback", "--run-id", run_id)[0]  # consumed: once only
    assert code == 2 and "nothing is kept for run id" in nba.err and nba.err.count("\n") == 1


def test_rolling_back_a_run_whose_checks_failed_leaves_status_and_plan_telling_the_truth(nba, home):
    day = "2024-10-23"
    assert nba("run", *A)[0] == 0
    before = tables(home, "nba_raw")
    path = sorted((home / "raw" / "nba-com" / "boxscores" / day).rglob("*.json"))[0]
    box = json.loads(path.read_text())
    stats = box["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"]
    minutes, seconds = stats["minutes"].split(":")
    stats["minutes"] = f"{int(minutes) + 10}:{seconds}"  # a mistaken edit: the team now played 250 minutes
    path.write_text(json.dumps(box))
    code, forced = nba.json("run", "--start-date", day, "--end-date", day, "--phases", "2", "--force")
    assert code == 1 and "box_scores_add_up" in json.dumps(forced["failed"])
    assert nba.json("status", *A[:4])[1]["dates"][1]["phase2"] == "failed"

    assert nba("rollback", "--run-id", forced["undo"].split()[-1])[0] == 0

    after = tables(home, "nba_raw")
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    code, status = nba.json("status", *A[:4])
    assert [d["phase2"] for d in status["dates"]] == ["complete", "complete"]  # the checks ran on the restored rows
    assert nba.json("plan", *A)[1]["to_run"] == {}


def test_an_older_run_is_rolled_back_only_after_the_newer_ones(nba, home):
    assert nba("run", *A)[0] == 0
    older = nba.json("run", *A, "--force")[1]["undo"].split()[-1]
    newer = nba.json("run", *A, "--force")[1]["undo"].split()[-1]
    assert nba("rollback", "--run-id", older)[0] == 2 and f"rewritten since by {newer}" in nba.err
    assert nba("rollback", "--run-id", newer)[0] == 0
    assert nba("rollback", "--run-id", older)[0] == 0
    code, listed = nba.json("rollback", "--prune", "0")
    assert code == 0 and listed["kept"] == [] and len(listed["pruned"]) == 1  # the first run's copies


@pytest.mark.parametrize("argv", [["rollback", "--run-id", "x'; DROP TABLE t; --"], ["rollback", "--run-id", "nope"]])
def test_rollback_of_nothing_is_one_line_exit_2(nba, argv):
    assert nba(*argv)[0] == 2
    assert nba.err.count("\n") == 1 and "Traceback" not in nba.err
