"""``plan|run --select``: Dagster's asset selection syntax as the target, planned with the same
lookback and staleness rules as ``--phases`` (issue 11)."""

from __future__ import annotations

import pytest

from nba_backfill.backfill.lines import LINES_SELECTION

RANGE = ["--start-date", "2024-11-08", "--end-date", "2024-11-14"]


def test_a_selection_of_whole_phases_plans_as_those_phases(nba):
    _, by_phases = nba.json("plan", *RANGE, "--phases", "4-5")
    code, by_select = nba.json("plan", *RANGE, "--select", "group:phase4_precompute or group:phase5_predictions")
    assert code == 0 and by_select["select"] and by_phases["select"] is None
    assert by_select["to_run"] == by_phases["to_run"] and by_select["ranges"] == by_phases["ranges"]


def test_a_selection_targets_its_assets_and_pulls_in_only_missing_upstream(nba):
    code, plan = nba.json("plan", *RANGE, "--select", "key:nba_predictions/player_prop_predictions")
    assert code == 0 and plan["select"] == ["nba_predictions/player_prop_predictions"]
    assert plan["to_run"]["nba_predictions/player_prop_predictions"] == [f"2024-11-{d:02d}" for d in range(8, 15)]
    assert "nba_predictions/prediction_accuracy" not in plan["to_run"]  # downstream of the target: not selected
    assert plan["to_run"]["scraped/nbac_schedule"][0] == "2024-10-09"  # its lookback, as --phases would


def test_stale_readers_are_refreshed_within_the_selection(nba):
    args = ["--start-date", "2024-10-22", "--end-date", "2024-10-25"]
    assert nba("run", *args)[0] == 0
    code, plan = nba.json(
        "plan", "--start-date", "2024-10-23", "--end-date", "2024-10-23", "--select", LINES_SELECTION, "--force"
    )
    assert code == 0
    assert plan["to_run"]["nba_analytics/player_game_summary"] == ["2024-10-23"]
    # later contexts read the rewritten summary through their lookback: stale, so in the plan
    assert plan["to_run"]["nba_analytics/upcoming_player_game_context"] == ["2024-10-23", "2024-10-24", "2024-10-25"]
    assert not [a for a in plan["to_run"] if a.startswith("scraped/nbac_") or a.startswith("nba_raw/nbac_")]


def test_a_bad_selection_is_one_line_and_exit_2(nba):
    for selection, said in [("key:(", "--select 'key:('"), ("key:no_such_asset", "selects no asset")]:
        code, out = nba("plan", *RANGE, "--select", selection)
        assert code == 2 and out == ""
        assert said in nba.err and len(nba.err.strip().splitlines()) == 1


def test_select_and_phases_do_not_combine(nba, capsys):
    with pytest.raises(SystemExit) as exited:
        nba("plan", *RANGE, "--select", "group:phase5_predictions", "--phases", "4-5")
    assert exited.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_what_runs_in_this_process_only_is_refused_with_submit_in_one_line(nba):
    for flag in (["--select", "group:phase5_predictions"], ["--odds-policy", "full"]):
        code, out = nba("run", *RANGE, *flag, "--submit")
        assert code == 2 and out == ""
        assert f"{flag[0]} applies to this process's runs" in nba.err and len(nba.err.strip().splitlines()) == 1


def test_the_resume_command_keeps_the_selection_and_the_odds_policy(nba):
    day = ["--start-date", "2024-10-20", "--end-date", "2024-10-20"]
    _, report = nba.json("run", *day, "--odds-policy", "full", "--select", "group:phase1_scrapers")
    assert report["resume"].endswith("--select group:phase1_scrapers --odds-policy full")
