"""Blocking checks, honoured across runs.

Dagster stops downstream steps of the *same* run when a blocking check fails, but a backfill made
of many runs carries on (reference/dagster-1.13-measured.md §2). So before computing, a table asset
asks the instance whether any blocking check of a partition it reads last failed at ERROR.
Which upstream checks block is declared on the asset itself (metadata ``BLOCKING_UPSTREAM``,
written by the asset graph, which knows both the assets and the check catalogue): a run's own
graph only knows the checks of the assets it selected, not those of the upstream partitions it
reads, and the asset never reaches for a global object. (Uses the instance's event-log storage API; ``PartitionKeyFilter`` lives in
a private module.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

#: Asset metadata: the blocking checks (``asset/key:check``) of the upstream assets it reads.
BLOCKING_UPSTREAM = "nba_backfill/blocking_upstream_checks"


def _failed_at_error(storage, check_key: dg.AssetCheckKey, partition: str) -> bool:
    latest = storage.get_latest_asset_check_execution_by_key(
        [check_key], partition_filter=PartitionKeyFilter(key=partition)
    )
    record = latest.get(check_key)
    event = record.event.dagster_event if record and record.event else None
    evaluation = event.event_specific_data if event else None
    return evaluation is None or evaluation.severity == dg.AssetCheckSeverity.ERROR


def declared_blocking(specs: dg.AssetSpec) -> dict[dg.AssetKey, list[dg.AssetCheckKey]]:
    """Blocking checks per upstream asset, as the asset's spec declares them."""
    found: dict[dg.AssetKey, list[dg.AssetCheckKey]] = {}
    declared = specs.metadata.get(BLOCKING_UPSTREAM)
    for text in declared.data if declared is not None else []:
        asset, _, name = text.partition(":")
        found.setdefault(dg.AssetKey.from_user_string(asset), []).append(
            dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), name)
        )
    return found


def declare_blocking(spec: dg.AssetSpec, blocking: Mapping[dg.AssetKey, Sequence[dg.AssetCheckKey]]) -> dg.AssetSpec:
    """``spec`` with the blocking checks of the assets it depends on declared in its metadata."""
    keys = [f"{k.asset_key.to_user_string()}:{k.name}" for dep in spec.deps for k in blocking.get(dep.asset_key, [])]
    return spec.merge_attributes(metadata={BLOCKING_UPSTREAM: dg.MetadataValue.json(sorted(keys))}) if keys else spec


def failed_checks(
    instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey], partitions: Sequence[str]
) -> Iterator[tuple[dg.AssetCheckKey, str]]:
    """(check, partition) for each of ``partitions`` whose check of ``check_keys`` last failed at ERROR."""
    storage = instance.event_log_storage
    for info in storage.get_asset_check_partition_info(list(check_keys), partition_keys=list(partitions)):
        if info.partition_key is None or info.latest_execution_status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        if _failed_at_error(storage, info.check_key, info.partition_key):
            yield info.check_key, info.partition_key


def failed_blocking_checks(
    instance: dg.DagsterInstance,
    upstream: Mapping[dg.AssetKey, Sequence[str]],
    blocking_of: Mapping[dg.AssetKey, Sequence[dg.AssetCheckKey]],
) -> list[str]:
    """``asset:check partition`` for every upstream partition whose blocking check (of
    ``blocking_of``, per asset) last failed."""
    found = []
    for asset_key, partitions in upstream.items():
        blocking = blocking_of.get(asset_key, [])
        if blocking and partitions:
            found += [
                f"{key.asset_key.to_user_string()}:{key.name} {partition}"
                for key, partition in failed_checks(instance, blocking, partitions)
            ]
    return sorted(found)
