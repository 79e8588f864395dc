"""Automation: today's slate every morning, and a sensor that backfills the gaps of the last days.

- ``todays_slate_schedule``: at 09:00 ET, one run of every asset over yesterday and today (the
  calendar's ``end_offset=1`` makes today a partition from midnight): yesterday's final box scores,
  analytics and grades, then today's odds, context and predictions before the first tip-off.
- ``gap_backfill_sensor`` (stopped until switched on): plans the last ``GAP_DAYS`` days exactly as
  ``nba-backfill run`` does (the completeness model of checks/matrix.py: missing, failed, stale,
  provisional, degraded partitions, after re-validating rows changed outside the tool) and
  launches ONE asset backfill of the partitions to run. Dagster's
  asset backfill follows the partition mappings, so lookback context runs before what reads it.
- ``report_after_gap_backfill``: once such a backfill has ended (succeeded, failed or cancelled),
  one run of ``nba_meta/completeness_report`` over the dates the gap sensor planned, in the same
  instance, as ``nba-backfill run`` and ``validate`` refresh it for theirs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from nba_backfill import calendar
from nba_backfill.backfill.plan import Partitions, Plan
from nba_backfill.backfill.refresh import refresh_request
from nba_backfill.backfill.service import Session
from nba_backfill.calendar import EASTERN, GROUP_OF_PHASE, TIMEZONE, game_dates
from nba_backfill.naming import asset_key
from nba_backfill.reports import completeness_report

#: Every partitioned asset: the five phase groups (not the unpartitioned report).
PARTITIONED = dg.AssetSelection.groups(*GROUP_OF_PHASE.values())
SLATE_HOUR_ET = 9
GAP_DAYS = 14
GAP_SENSOR_INTERVAL_SECONDS = 3600
BUSY_RUN_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
BUSY_BACKFILL_STATUSES = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING]
#: The gap sensor's backfills carry the dates it planned (start..end) under this tag.
GAPS_TAG = "nba_backfill/gaps"
ENDED_BACKFILL_STATUSES = [
    BulkActionStatus.COMPLETED_SUCCESS,
    BulkActionStatus.COMPLETED_FAILED,
    BulkActionStatus.FAILED,
    BulkActionStatus.CANCELED,
]
REPORT_SENSOR_INTERVAL_SECONDS = 60
#: Ended backfills looked at a tick: the sensor's run keys (the backfill ids) keep it from refreshing twice.
RECENT_BACKFILLS = 20

todays_slate_job = dg.define_asset_job(
    "todays_slate",
    selection=PARTITIONED,
    description="Every phase over yesterday and today: the morning run of the day's slate.",
)


@dg.schedule(
    job=todays_slate_job,
    name="todays_slate_schedule",
    cron_schedule=f"0 {SLATE_HOUR_ET} * * *",
    execution_timezone=TIMEZONE,
    description=f"At {SLATE_HOUR_ET:02d}:00 ET, one run over yesterday and today: yesterday's games are final "
    "now, and today's windows read them.",
)
def todays_slate_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # Yesterday's partitions were written yesterday morning, before its games were played. Without
    # this refresh its box scores would never arrive, and today's lookback would pass while lacking
    # them: the window check counts the games its schedule partition calls final.
    today = context.scheduled_execution_time.astimezone(EASTERN).date()
    yesterday = today - dt.timedelta(days=1)
    return dg.RunRequest(
        run_key=str(today),
        tags={ASSET_PARTITION_RANGE_START_TAG: str(yesterday), ASSET_PARTITION_RANGE_END_TAG: str(today)},
    )


def busy(instance: dg.DagsterInstance) -> str | None:
    """Why not to plan now: a backfill or run in flight would be planned again, and a run holds the
    DuckDB file (one process at a time), so reading the warehouse now could fail it."""
    if instance.get_backfills(filters=BulkActionsFilter(statuses=BUSY_BACKFILL_STATUSES), limit=1):
        return "a backfill is in progress"
    if instance.get_runs_count(dg.RunsFilter(statuses=BUSY_RUN_STATUSES)):
        return "runs are queued or in progress"
    return None


def plan_gaps(instance: dg.DagsterInstance, start: dt.date, end: dt.date) -> Plan | None:
    """The plan ``nba-backfill plan`` makes for ``start``..``end``; None before the first backfill
    (an empty warehouse is for an operator to fill, not for a sensor to discover as one big gap).
    A warehouse that cannot be read fails the tick rather than reading as empty. A tick only reads:
    partitions changed outside the tool are re-validated by the next ``nba-backfill run``."""
    session = Session(instance)
    if session.data.ledger.empty:
        return None
    return session.plan(start, end)


def asset_graph_subset(to_run: Partitions) -> AssetGraphSubset:
    # AssetGraphSubset is internal, but it is what RunRequest.for_asset_graph_subset (a sensor's
    # way to launch one backfill over several assets with different partitions) takes.
    return AssetGraphSubset(
        partitions_subsets_by_asset_key={
            asset_key(asset): game_dates.subset_with_partition_keys([str(d) for d in sorted(dates)])
            for asset, dates in to_run.items()
            if dates
        }
    )


def fingerprint(to_run: Partitions) -> str:
    text = ";".join(f"{a}:{d}" for a in sorted(to_run) for d in sorted(to_run[a]))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_gap_sensor(days: int = GAP_DAYS, today: Callable[[], dt.date] = calendar.today_et) -> dg.SensorDefinition:
    """The gap sensor over the ``days`` dates before ``today()`` (today is the schedule's)."""

    @dg.sensor(
        name="gap_backfill_sensor",
        asset_selection=PARTITIONED,
        minimum_interval_seconds=GAP_SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=f"Backfill, as one backfill, the missing or failed partitions of the last {days} days.",
    )
    def gap_backfill_sensor(context: dg.SensorEvaluationContext):
        reason = busy(context.instance)
        if reason:
            return dg.SkipReason(f"{reason}; planning after it ends")
        end = today() - dt.timedelta(days=1)  # the morning schedule's own dates are its to (re)write
        start = end - dt.timedelta(days=days - 1)
        plan = plan_gaps(context.instance, start, end)
        if plan is None:
            return dg.SkipReason(
                "the warehouse has no partitions yet (or is busy): run the first backfill with nba-backfill"
            )
        to_run = {a: d for a, d in plan.to_run.items() if d}
        if not to_run:
            return dg.SkipReason(f"no missing or failed partitions in {start} .. {end}")
        submitted = fingerprint(to_run)
        if submitted == context.cursor:  # the last backfill failed on exactly these
            return dg.SkipReason(
                f"the same {sum(map(len, to_run.values()))} partitions were submitted last time "
                "and are still missing or failed: see that backfill, fix the cause, re-run it"
            )
        context.update_cursor(submitted)
        return dg.RunRequest.for_asset_graph_subset(asset_graph_subset(to_run), tags={GAPS_TAG: f"{start}..{end}"})

    return gap_backfill_sensor


gap_backfill_sensor = build_gap_sensor()

completeness_report_job = dg.define_asset_job(
    "completeness_report_refresh",
    selection=[completeness_report],
    description="The completeness report over given dates (the sensor after a gap backfill gives them).",
)


@dg.sensor(
    name="report_after_gap_backfill",
    job=completeness_report_job,
    minimum_interval_seconds=REPORT_SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the completeness report over the dates a gap backfill worked on, once it has ended.",
)
def report_after_gap_backfill(context: dg.SensorEvaluationContext):
    ended = context.instance.get_backfills(
        filters=BulkActionsFilter(statuses=ENDED_BACKFILL_STATUSES), limit=RECENT_BACKFILLS
    )
    for backfill in (b for b in ended if GAPS_TAG in b.tags):  # the tag filter matches values, not a key
        start, end = (dt.date.fromisoformat(d) for d in backfill.tags[GAPS_TAG].split(".."))
        config, tags = refresh_request(start, end)
        # The backfill's id as run key: Dagster launches one refresh per backfill, however many ticks see it.
        yield dg.RunRequest(run_key=backfill.backfill_id, run_config=config, tags=tags)
