"""Check results as the dashboard sees them: one per partition, however the partition was
materialized, and a failed blocking check stops downstream work in later runs too."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.phases.failed_dates import named_in

TOGS = dg.AssetKey(["nba_analytics", "team_offense_game_summary"])
ROWS = dg.AssetCheckKey(TOGS, "rows_match_schedule")


def statuses(instance, key: dg.AssetCheckKey) -> dict:
    return {
        i.partition_key: i.latest_execution_status.value
        for i in instance.event_log_storage.get_asset_check_partition_info([key])
        if i.partition_key
    }


def test_a_range_run_and_a_single_partition_run_both_record_a_result_per_partition(platform, instance):
    materialize_range("2024-10-22", "2024-10-25", resources=platform, instance=instance, log_level="ERROR")
    materialize_range("2024-10-26", "2024-10-26", resources=platform, instance=instance, log_level="ERROR")
    assert statuses(instance, ROWS) == {f"2024-10-{d}": "SUCCEEDED" for d in range(22, 27)}


def test_a_failed_blocking_check_stops_downstream_in_a_later_run(platform, instance):
    materialize_range("2024-10-22", "2024-10-24", resources=platform, instance=instance, log_level="ERROR")
    with platform["warehouse"]._connect() as con:  # a team box score goes missing, then TOGS is rebuilt
        con.execute(
            "DELETE FROM nba_raw.nbac_team_boxscore WHERE game_date = '2024-10-24' AND team_abbr IN "
            "(SELECT min(team_abbr) FROM nba_raw.nbac_team_boxscore WHERE game_date = '2024-10-24')"
        ).fetchall()
    rebuilt = materialize_range(
        "2024-10-23",
        "2024-10-24",
        selection="key:nba_analytics/team_offense_game_summary",
        resources=platform,
        instance=instance,
        raise_on_error=False,
        log_level="ERROR",
    )
    assert not rebuilt.success and statuses(instance, ROWS) == {
        "2024-10-22": "SUCCEEDED",
        "2024-10-23": "SUCCEEDED",
        "2024-10-24": "FAILED",
    }
    # The check step's failure names the one date (the runner re-runs the rest, no bisection).
    (failure,) = [e for e in rebuilt.all_events if e.is_step_failure]
    assert named_in(failure) == {
        dt.date(2024, 10, 24): "blocking check(s) failed at ERROR on 2024-10-24: rows_match_schedule"
    }
    later = materialize_range(
        "2024-10-24",
        "2024-10-24",
        selection="key:nba_analytics/player_game_summary",
        resources=platform,
        instance=instance,
        raise_on_error=False,
        log_level="ERROR",
    )
    assert not later.success
    failure = next(e for e in later.all_events if e.is_step_failure).event_specific_data.error
    text = failure.message + (failure.cause.message if failure.cause else "")
    assert "nba_analytics/team_offense_game_summary:rows_match_schedule 2024-10-24" in text
    other_day = materialize_range(
        "2024-10-23",
        "2024-10-23",
        selection="key:nba_analytics/player_game_summary",
        resources=platform,
        instance=instance,
        log_level="ERROR",
    )
    assert other_day.success  # only the partitions that read the bad one are stopped
