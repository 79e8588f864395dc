"""``nba-backfill run --submit`` without a running daemon: the refusal, the launch payload, and how
a backfill's runs become the report ``run`` prints (from canned GraphQL answers)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time

import dagster as dg
from dagster._daemon.types import DaemonHeartbeat

from nba_backfill.backfill import cli, submit
from nba_backfill.backfill.progress import Progress
from nba_backfill.backfill.service import Session
from nba_backfill.calendar import date_range

RANGE = ["--start-date", "2024-10-22", "--end-date", "2024-10-28"]
DAY = dt.date(2024, 10, 22)


def test_submit_without_a_daemon_says_so_and_exits_non_zero_at_once(home, capsys):
    started = time.monotonic()
    code = cli.main(["run", "--submit", *RANGE])

    err = capsys.readouterr().err
    assert code == 1 and time.monotonic() - started < 20
    assert f"no Dagster daemon is running for DAGSTER_HOME={home / 'dagster'}" in err
    assert "start one with `nba-backfill ui` (dg dev, webserver and daemon) or `dagster-daemon run" in err
    assert "dagster dev" not in err  # superseded in 1.13: `nba-backfill ui` runs dg dev
    with dg.DagsterInstance.get() as instance:
        assert instance.get_backfills() == []  # nothing launched that a later daemon would run twice


def test_a_daemon_silent_for_minutes_counts_as_gone(home, capsys):
    assert cli.main(["plan", *RANGE]) == 0  # creates the instance
    with dg.DagsterInstance.get() as instance:
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time() - 600, "BACKFILL", "gone", None))
    assert cli.main(["run", "--submit", *RANGE]) == 1
    assert "no Dagster daemon is running" in capsys.readouterr().err


def test_the_plan_is_launched_as_per_asset_ranges_of_consecutive_dates():
    dates = {dt.date(2024, 10, d) for d in (1, 2, 3, 7)}
    assert submit.partitions_by_assets({"nba_raw/nbac_schedule": dates, "scraped/nbac_schedule": set()}) == [
        {
            "assetKey": {"path": ["nba_raw", "nbac_schedule"]},
            "partitions": {
                "ranges": [{"start": "2024-10-01", "end": "2024-10-03"}, {"start": "2024-10-07", "end": "2024-10-07"}]
            },
        },
    ]


def _canned(query: str, variables: dict) -> dict:
    """The webserver's answers for a backfill whose first run failed at the raw schedule."""
    if query is submit.LAUNCH:
        return {"launchPartitionBackfill": {"__typename": "LaunchBackfillSuccess", "backfillId": "canned"}}
    if query is submit.WRITERS:  # nobody else writes these dates
        return {
            "runsOrError": {"__typename": "Runs", "results": []},
            "partitionBackfillsOrError": {"__typename": "PartitionBackfills", "results": []},
        }
    if query is submit.STEP_FAILURES:
        error = {
            "message": "Error occurred while executing op nba_raw__nbac_schedule",
            "cause": {"message": "ValueError: bad schedule\ntrace"},
        }
        return {"logsForRun": {"events": [{}, {"stepKey": "nba_raw__nbac_schedule", "error": error}]}}
    steps = [
        {"stepKey": "scraped__nbac_schedule", "status": "SUCCESS"},
        {"stepKey": "nba_raw__nbac_schedule", "status": "FAILURE"},
    ]
    run = {
        "runId": "r1",
        "status": "FAILURE",
        "stepStats": steps,
        "tags": [
            {"key": "dagster/asset_partition_range_start", "value": "2024-09-22"},
            {"key": "dagster/asset_partition_range_end", "value": "2024-10-22"},
        ],
    }
    return {
        "instance": {"daemonHealth": {"daemonStatus": {"lastHeartbeatTime": time.time()}}},
        "partitionBackfillOrError": {
            "__typename": "PartitionBackfill",
            "status": "COMPLETED_FAILED",
            "error": None,
            "runs": [run],
        },
    }


def test_a_failed_run_makes_its_partitions_failed_and_what_reads_them_blocked(home, instance):
    session = Session(instance)
    plan = session.plan(DAY, DAY)

    result, backfill_id = submit.backfill(_canned, plan, session.graph, None, Progress(enabled=False))

    assert backfill_id == "canned" and result.done == {"scraped/nbac_schedule": plan.to_run["scraped/nbac_schedule"]}
    assert result.failed[("nba_raw/nbac_schedule", DAY)] == "nba_raw__nbac_schedule: ValueError: bad schedule"
    planned = {(a, d) for a, dates in plan.to_run.items() for d in dates}
    assert planned == {(a, d) for a, dates in result.done.items() for d in dates} | set(result.failed) | set(
        result.blocked
    )
    assert (
        result.blocked[("nba_predictions/player_prop_predictions", DAY)] == "nba_precompute/ml_feature_store 2024-10-22"
    )


def test_the_command_reports_a_failed_backfill_as_run_does(home, capsys, monkeypatch):
    monkeypatch.setattr(submit, "graphql", lambda instance, url: contextlib.nullcontext(_canned))

    code = cli.main(["run", "--submit", "--start-date", "2024-10-22", "--end-date", "2024-10-22", "--json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["backfill_id"] == "canned" and report["ran"] == {"scraped/nbac_schedule": 31}
    assert report["failed"]["2024-10-22"] == ["nba_raw/nbac_schedule: nba_raw__nbac_schedule: ValueError: bad schedule"]
    assert report["resume"] == "nba-backfill run --start-date 2024-10-22 --end-date 2024-10-22 --submit"


def _range_tags(start: str, end: str) -> list[dict]:
    return [
        {"key": "dagster/asset_partition_range_start", "value": start},
        {"key": "dagster/asset_partition_range_end", "value": end},
    ]


def _writers(runs: list[dict], backfills: list[dict]) -> dict:
    return {
        "runsOrError": {"__typename": "Runs", "results": runs},
        "partitionBackfillsOrError": {"__typename": "PartitionBackfills", "results": backfills},
    }


def test_who_else_writes_a_range_its_unfinished_runs_and_the_backfills_that_ran_on_it():
    dates = set(date_range("2024-10-22", "2024-10-24"))
    runs = [
        {"runId": "overlapping", "tags": _range_tags("2024-10-23", "2024-10-25")},
        {"runId": "one-date", "tags": [{"key": "dagster/partition", "value": "2024-10-24"}]},
        {"runId": "later", "tags": _range_tags("2024-10-25", "2024-10-30")},
        {"runId": "unpartitioned", "tags": [{"key": "nba_backfill/refresh", "value": "x"}]},
        # Another job's partitions, not game dates: none of ours.
        {"runId": "static", "tags": [{"key": "dagster/partition", "value": "2024-10-22|east"}]},
        {"runId": "static-range", "tags": _range_tags("a", "b")},
    ]
    backfills = [
        # Between its waves: the run that rewrote the dates ended, the next is not launched yet.
        {"id": "between-waves", "runs": [{"runId": "done", "tags": _range_tags("2024-10-01", "2024-10-22")}]},
        {"id": "elsewhere", "runs": [{"runId": "far", "tags": _range_tags("2024-11-01", "2024-11-05")}]},
    ]
    assert submit.writers(_writers(runs, backfills), dates) == [
        "backfill between-waves",
        "run one-date",
        "run overlapping",
    ]
    assert submit.writers(_writers([], []), dates) == []


def test_the_report_waits_for_another_backfill_still_writing_its_dates(home, instance, monkeypatch, capsys):
    """The race of the production test: this backfill has ended while another operator's run still
    rewrites some of its dates. Nothing may be judged until that run has ended."""
    session = Session(instance)
    plan = session.plan(DAY, DAY)
    monkeypatch.setattr(submit, "POLL_SECONDS", 0)
    asked: list[str] = []

    def answers(query: str, variables: dict) -> dict:
        if query is submit.WRITERS:
            asked.append("writers")
            other = {"runId": "other", "tags": _range_tags("2024-10-22", "2024-10-24")}
            return _writers([other] if asked.count("writers") < 3 else [], [])
        if query is submit.FOLLOW:
            asked.append("follow")
        return _canned(query, variables)

    submit.backfill(answers, plan, session.graph, None, Progress(enabled=False))

    # Followed to its end, then asked who else writes until nobody does; only then does it return.
    assert asked == ["follow", "writers", "writers", "writers"]
    assert "waiting for run other, writing the same dates, to end" in capsys.readouterr().err


def test_the_wait_for_others_is_bounded_and_said(home, instance, monkeypatch, capsys):
    session = Session(instance)
    plan = session.plan(DAY, DAY)
    monkeypatch.setattr(submit, "POLL_SECONDS", 0)
    monkeypatch.setattr(submit, "SETTLE_SECONDS", 0)
    busy = _writers([{"runId": "stuck", "tags": _range_tags("2024-10-22", "2024-10-22")}], [])

    submit.settle(lambda query, variables: busy, plan)  # returns, although the run still writes
    assert "judging 2024-10-22 .. 2024-10-22 while run stuck still write(s) its dates" in capsys.readouterr().err


def test_an_instance_that_cannot_say_who_writes_does_not_cost_the_report(home, instance, capsys):
    session = Session(instance)
    plan = session.plan(DAY, DAY)

    def failing(query: str, variables: dict) -> dict:
        raise submit.SubmitError("cannot reach the Dagster webserver at http://x/graphql: timed out")

    submit.settle(failing, plan)  # returns: the backfill has ended, its report follows
    assert "cannot ask who else writes these dates (cannot reach the Dagster webserver" in capsys.readouterr().err
