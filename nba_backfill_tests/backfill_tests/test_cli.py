"""The command line's interface: plans from the graph, clear errors, help with examples."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from nba_backfill.backfill import cli
from nba_backfill.backfill.refresh import REFRESH_TAG
from nba_backfill.backfill.run import TARGET_TAG

RANGE = ["--start-date", "2024-11-08", "--end-date", "2024-11-14"]


def test_plan_derives_the_lookback_ranges_from_the_graph(nba):
    code, plan = nba.json("plan", *RANGE)
    assert code == 0
    assert plan["ranges"]["phase1"] == plan["ranges"]["phase3"] == {"start": "2024-10-09", "end": "2024-11-14"}
    assert plan["ranges"]["phase4"] == plan["ranges"]["phase5"] == {"start": "2024-11-08", "end": "2024-11-14"}
    assert plan["to_run"]["nba_precompute/ml_feature_store"] == [f"2024-11-{d:02d}" for d in range(8, 15)]
    assert plan["to_run"]["nba_analytics/player_game_summary"][0] == "2024-10-09"
    assert plan["odds_api_credits"] > 0


def test_plan_for_downstream_phases_adds_upstream_only_where_missing(nba, home):
    code, report = nba("run", "--start-date", "2024-10-22", "--end-date", "2024-10-25")
    assert code == 0 and "4 of 4 game dates complete" in report
    assert (
        f"tables: DuckDB {home.resolve()}/warehouse.duckdb" in report and f"raw files: {home.resolve()}/raw" in report
    )
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:  # each run names the backfill's target
        runs = [r.dagster_run for r in instance.get_run_records()]
        backfill_runs = [r for r in runs if REFRESH_TAG not in r.tags]  # the completeness report's refresh apart
        assert {r.tags.get(TARGET_TAG) for r in backfill_runs} == {"2024-10-22..2024-10-25"} and len(runs) > len(
            backfill_runs
        )
    code, status = nba.json("status", "--start-date", "2024-10-20", "--end-date", "2024-10-25")
    assert status["summary"]["dates"] == 6 and status["summary"]["game_dates"] == 4  # opening night is the 22nd
    assert status["summary"]["by_phase"]["phase5"] == {"complete": 4}  # counted over game dates
    code, plan = nba.json(
        "plan", "--start-date", "2024-10-24", "--end-date", "2024-10-25", "--phases", "4-5", "--force"
    )
    assert code == 0
    assert set(plan["to_run"]) == {a for a in plan["to_run"] if a.startswith(("nba_precompute/", "nba_predictions/"))}
    assert plan["to_run"]["nba_precompute/player_daily_cache"] == ["2024-10-24", "2024-10-25"]
    assert nba.json("plan", "--start-date", "2024-10-24", "--end-date", "2024-10-25")[1]["to_run"] == {}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["plan", "--start-date", "2024-11-14", "--end-date", "2024-11-08"], "before --start-date"),
        (["status", "--start-date", "2019-01-01", "--end-date", "2019-01-02"], "within the partitions"),
        (["plan", "--start-date", "2024-11-08", "--end-date", "2024-11-09", "--phases", "7"], "unknown phase"),
        (["plan", "--start-date", "2024-11-08", "--end-date", "2024-11-09", "--phases", "four"], "unknown phase"),
        (
            ["run", "--start-date", "2024-11-08", "--end-date", "2024-11-09", "--parallel"],
            "DuckDB admits one writing process",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(home, capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"NBA_BACKFILL_TARGET": "s3"}, "NBA_BACKFILL_TARGET='s3': expected one of local, gcp"),
        ({"NBA_BACKFILL_TARGET": "gcp", "GCP_PROJECT": ""}, "GCP_PROJECT is not set"),
    ],
)
def test_a_misconfigured_environment_exits_2_with_one_clear_line(home, capsys, monkeypatch, variables, message):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["status", *RANGE]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_warehouse_kept_busy_by_another_process_is_one_line_not_a_traceback(home, capsys, monkeypatch):
    from nba_backfill.errors import WarehouseError

    def busy(*_args, **_kwargs):
        raise WarehouseError(f"{home}/warehouse.duckdb stayed in use by another process for 120 s (a run in progress?)")

    monkeypatch.setattr("nba_backfill.storage.warehouse._connect_when_free", busy)
    assert cli.main(["status", *RANGE]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warehouse.duckdb stayed in use" in err and "Traceback" not in err


def test_a_date_that_is_not_a_date_is_a_usage_error(home, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["status", "--start-date", "2024-13-01", "--end-date", "2024-11-09"])
    assert exit_.value.code == 2 and "is not a date" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plan", "status", "run", "validate", "rollback"])
def test_every_command_has_help_with_an_example(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0 and "example: nba-backfill " + command in capsys.readouterr().out


def test_validate_is_strict_only_when_asked(nba, home):
    assert nba("run", "--start-date", "2024-10-22", "--end-date", "2024-10-23")[0] == 0
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            "UPDATE nba_predictions.player_prop_predictions SET current_points_line = 20.0 "
            "WHERE game_date = '2024-10-23' AND current_points_line IS NOT NULL"
        ).fetchall()
    code, report = nba.json("validate", "--start-date", "2024-10-22", "--end-date", "2024-10-23")
    assert code == 0 and report["errors"] >= 1
    assert any(f["check"] == "no_placeholder_lines" and f["game_date"] == "2024-10-23" for f in report["failures"])
    assert nba("validate", "--start-date", "2024-10-22", "--end-date", "2024-10-23", "--strict")[0] == 1
    code, text = nba("validate", "--start-date", "2024-10-22", "--end-date", "2024-10-22", "--strict")
    assert code == 0 and "0 failed" in text


def test_ui_starts_dg_dev_on_the_same_instance_from_a_fresh_checkout(home, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: started.append((path, argv, os.environ["DAGSTER_HOME"])))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workspace.yaml").write_text("load_from:\n  - python_module: nba_backfill.definitions\n")

    assert cli.main(["ui", "-p", "3001"]) == 0

    ((path, argv, dagster_home),) = started
    assert path.endswith("/dg") and argv[1:] == ["dev", "-w", "workspace.yaml", "-p", "3001"]
    assert (
        dagster_home == str(home / "dagster")
        and "max_concurrent_runs: 1" in (home / "dagster" / "dagster.yaml").read_text()
    )


def test_ui_outside_the_repository_says_where_to_run_it(home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["ui"]) == 2 and "no workspace.yaml here" in capsys.readouterr().err
