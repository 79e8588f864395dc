"""The schedule, the gap sensor and the completeness report, without a daemon."""

from __future__ import annotations

import base64
import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from nba_backfill import calendar
from nba_backfill.automation import build_gap_sensor, fingerprint
from nba_backfill.backfill.execute import materialize_range
from nba_backfill.backfill.run import TARGET_TAG
from nba_backfill.calendar import date_range
from nba_backfill.definitions import defs
from nba_backfill.environment import resources
from nba_backfill.reports import completeness_report

TODAY = dt.date(2024, 11, 15)
ACCURACY = "nba_predictions/prediction_accuracy"


def played_on(day: dt.date):
    return resources()["warehouse"].read("nba_analytics.player_game_summary", [day], ["game_id"])


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None = None):
    context = dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor)
    return sensor.evaluate_tick(context)


def _requested(run_request: dg.RunRequest) -> dict[str, list[str]]:
    subset = run_request.asset_graph_subset
    return {k.to_user_string(): subset.get_partitions_subset(k).get_partition_keys() for k in subset.asset_keys}


def test_the_gap_sensor_launches_one_backfill_of_exactly_the_missing_partitions(written, instance):
    # Everything the last 3 days read is written, except two grades: only they need running
    # (nothing reads prediction_accuracy, so no reader is refreshed).
    written(
        date_range("2024-10-01", "2024-11-14"), {(ACCURACY, dt.date(2024, 11, 12)), (ACCURACY, dt.date(2024, 11, 14))}
    )
    sensor = build_gap_sensor(days=3, today=lambda: TODAY)

    result = _tick(sensor, instance)

    assert len(result.run_requests) == 1 and result.run_requests[0].requires_backfill_daemon()
    assert _requested(result.run_requests[0]) == {ACCURACY: ["2024-11-12", "2024-11-14"]}
    assert result.run_requests[0].tags["nba_backfill/gaps"] == "2024-11-12..2024-11-14"
    assert result.cursor == fingerprint({ACCURACY: {dt.date(2024, 11, 12), dt.date(2024, 11, 14)}})


def test_the_gap_sensor_does_not_resubmit_what_failed_last_time(written, instance):
    written(date_range("2024-10-01", "2024-11-14"), {(ACCURACY, dt.date(2024, 11, 13))})
    sensor = build_gap_sensor(days=3, today=lambda: TODAY)
    first = _tick(sensor, instance)

    again = _tick(sensor, instance, cursor=first.cursor)

    assert not again.run_requests and "submitted last time" in again.skip_message


def test_the_gap_sensor_skips_without_a_ledger_and_when_complete(written, instance):
    sensor = build_gap_sensor(days=3, today=lambda: TODAY)
    assert "no partitions yet" in _tick(sensor, instance).skip_message
    written(date_range("2024-10-01", "2024-11-14"), set())
    assert "no missing or failed partitions" in _tick(sensor, instance).skip_message


def test_the_morning_schedule_runs_every_asset_over_yesterday_and_today(instance):
    schedule = defs.resolve_schedule_def("todays_slate_schedule")
    morning = dt.datetime(2024, 11, 8, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=morning, repository_def=defs.get_repository_def()
    )

    (request,) = schedule.evaluate_tick(context).run_requests

    assert schedule.cron_schedule == "0 9 * * *" and schedule.execution_timezone == "America/New_York"
    assert (request.partition_key_range.start, request.partition_key_range.end) == ("2024-11-07", "2024-11-08")
    assert len(defs.resolve_job_def(schedule.job_name).asset_layer.selected_asset_keys) == 24


def test_the_completeness_report_shows_the_matrix_as_a_table_and_a_heat_map(written, platform, instance):
    written(date_range("2024-09-21", "2024-10-24"), {("nba_precompute/ml_feature_store", dt.date(2024, 10, 23))})
    config = {
        "ops": {"nba_meta__completeness_report": {"config": {"start_date": "2024-10-22", "end_date": "2024-10-24"}}}
    }

    result = dg.materialize([completeness_report], resources=platform, instance=instance, run_config=config)

    metadata = result.asset_materializations_for_node("nba_meta__completeness_report")[0].metadata
    rows = [r.data for r in metadata["matrix"].records]
    assert [r["date"] for r in rows] == ["2024-10-22", "2024-10-23", "2024-10-24"]
    assert rows[1]["phase4"] == "missing" and rows[0]["phase4"] == rows[2]["phase4"] == "no games"
    assert metadata["range"].value == "2024-10-22 .. 2024-10-24"
    image = metadata["heat_map"].value.split("data:image/png;base64,")[1].rstrip(")")
    assert base64.b64decode(image).startswith(b"\x89PNG")


def test_the_morning_run_brings_in_yesterdays_games_before_today_reads_them(home, instance, monkeypatch):
    yesterday, today = dt.date(2024, 11, 7), dt.date(2024, 11, 8)
    monkeypatch.setattr(calendar, "today_et", lambda: yesterday)  # yesterday morning: no game played yet
    assert materialize_range("2024-10-22", yesterday, instance=instance, log_level="ERROR").success
    assert played_on(yesterday).empty

    monkeypatch.setattr(calendar, "today_et", lambda: today)
    morning = dt.datetime(2024, 11, 8, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=morning, repository_def=defs.get_repository_def()
    )
    (request,) = defs.resolve_schedule_def("todays_slate_schedule").evaluate_tick(context).run_requests
    span = request.partition_key_range
    assert materialize_range(span.start, span.end, instance=instance, log_level="ERROR").success

    schedule = resources()["warehouse"].read("nba_raw.nbac_schedule", [yesterday])
    assert (schedule["game_status"] == 3).all()
    assert set(played_on(yesterday)["game_id"]) == set(schedule["game_id"])  # today's window holds them


def test_the_completeness_report_defaults_to_the_last_command_line_backfill(written, platform, instance):
    written(date_range("2024-09-21", "2024-10-24"), set())
    instance.add_run(dg.DagsterRun(job_name="__ephemeral_asset_job__", tags={TARGET_TAG: "2024-09-25..2024-09-27"}))
    instance.add_run(dg.DagsterRun(job_name="__ephemeral_asset_job__", tags={TARGET_TAG: "2024-10-01..2024-10-03"}))

    result = dg.materialize([completeness_report], resources=platform, instance=instance)

    metadata = result.asset_materializations_for_node("nba_meta__completeness_report")[0].metadata
    assert metadata["range"].value == "2024-10-01 .. 2024-10-03"  # the newest of the two runs
