"""The completeness report refreshed after a backfill the gap sensor launched, for the dates it planned."""

from __future__ import annotations

import datetime as dt
import time

import dagster as dg
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from nba_backfill.automation import build_gap_sensor, report_after_gap_backfill
from nba_backfill.backfill.refresh import REFRESH_TAG
from nba_backfill.calendar import date_range
from nba_backfill.definitions import defs

TODAY = dt.date(2024, 11, 15)
ACCURACY = "nba_predictions/prediction_accuracy"
REPORT = dg.AssetKey(["nba_meta", "completeness_report"])


def _add_backfill(instance: dg.DagsterInstance, request: dg.RunRequest, backfill_id: str) -> PartitionBackfill:
    """The backfill the daemon makes of a sensor's request (as dagster's sensor daemon does)."""
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=backfill_id,
        dynamic_partitions_store=instance,
        backfill_timestamp=time.time(),
        asset_graph_subset=request.asset_graph_subset,
        tags=request.tags,
        title=None,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill


def _refreshes(instance: dg.DagsterInstance) -> list[dg.RunRequest]:
    context = dg.build_sensor_context(instance=instance, definitions=defs)
    return list(report_after_gap_backfill.evaluate_tick(context).run_requests)


def test_a_gap_backfill_that_ended_refreshes_the_report_for_the_dates_it_planned(written, platform, instance):
    written(date_range("2024-10-01", "2024-11-14"), {(ACCURACY, dt.date(2024, 11, 13))})
    (gap_request,) = (
        build_gap_sensor(days=3, today=lambda: TODAY)
        .evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
        .run_requests
    )
    gaps = _add_backfill(instance, gap_request, "gapsgaps")
    # Someone's own backfill (no gap tag) that ended: not the sensor's to report on.
    other = _add_backfill(instance, dg.RunRequest.for_asset_graph_subset(gap_request.asset_graph_subset, {}), "ownown")
    instance.update_backfill(other.with_status(BulkActionStatus.COMPLETED_SUCCESS))

    assert _refreshes(instance) == []  # still running: nothing to report yet

    instance.update_backfill(gaps.with_status(BulkActionStatus.COMPLETED_FAILED))
    (request,) = _refreshes(instance)
    assert request.run_key == "gapsgaps"  # one refresh per backfill, however many ticks see it ended
    assert request.tags[REFRESH_TAG] == "2024-11-12..2024-11-14"

    job = defs.resolve_job_def(report_after_gap_backfill.job_name)
    result = job.execute_in_process(
        run_config=request.run_config, instance=instance, tags=request.tags, resources=platform
    )
    assert result.success
    event = instance.get_latest_materialization_event(REPORT)
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["range"] == "2024-11-12 .. 2024-11-14"
    assert metadata["dates_needing_work"] == 1  # Nov 13's missing grades, as the gap sensor found them
    assert instance.get_run_by_id(event.run_id).tags[REFRESH_TAG] == "2024-11-12..2024-11-14"
