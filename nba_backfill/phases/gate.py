"""Blocking checks, honoured across runs.

Dagster stops downstream steps of the *same* run when a blocking check fails, but a backfill made
of many runs carries on (reference/dagster-1.13-measured.md §2). So before computing, a table asset
asks the instance whether any blocking check of a partition it reads last failed at ERROR.
(Uses the instance's event-log storage API; ``PartitionKeyFilter`` lives in a private module.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus


def _failed_at_error(storage, check_key: dg.AssetCheckKey, partition: str) -> bool:
    latest = storage.get_latest_asset_check_execution_by_key([check_key], partition_filter=PartitionKeyFilter(key=partition))
    record = latest.get(check_key)
    event = record.event.dagster_event if record and record.event else None
    evaluation = event.event_specific_data if event else None
    return evaluation is None or evaluation.severity == dg.AssetCheckSeverity.ERROR


@cache
def _blocking_checks() -> dict[dg.AssetKey, list[dg.AssetCheckKey]]:
    """Blocking checks per asset, from the whole graph: a run's own graph only knows the checks of
    the assets it selected, not those of the upstream partitions it reads."""
    from nba_backfill.definitions import defs  # the graph the asset belongs to; imported late

    graph = defs.resolve_asset_graph()
    found: dict[dg.AssetKey, list[dg.AssetCheckKey]] = {}
    for key in graph.asset_check_keys:
        if graph.get(key).blocking:
            found.setdefault(key.asset_key, []).append(key)
    return found


def failed_checks(instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey],
                  partitions: Sequence[str]) -> Iterator[tuple[dg.AssetCheckKey, str]]:
    """(check, partition) for each of ``partitions`` whose check of ``check_keys`` last failed at ERROR."""
    storage = instance.event_log_storage
    for info in storage.get_asset_check_partition_info(list(check_keys), partition_keys=list(partitions)):
        if info.partition_key is None or info.latest_execution_status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        if _failed_at_error(storage, info.check_key, info.partition_key):
            yield info.check_key, info.partition_key


def failed_blocking_checks(instance: dg.DagsterInstance, upstream: Mapping[dg.AssetKey, Sequence[str]]) -> list[str]:
    """``asset:check partition`` for every upstream partition whose blocking check last failed."""
    found = []
    for asset_key, partitions in upstream.items():
        blocking = _blocking_checks().get(asset_key, [])
        if blocking and partitions:
            found += [f"{key.asset_key.to_user_string()}:{key.name} {partition}"
                      for key, partition in failed_checks(instance, blocking, partitions)]
    return sorted(found)
