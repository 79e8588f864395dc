"""Held events written as the rows Dagster's SQL event logs would store, a statement per table.

Dagster's ``store_event`` writes an event at a time: a check evaluation is serialised three times
(its ``event_logs`` row, then an UPDATE of its ``asset_check_executions`` row and, when that finds
none, the INSERT), and every statement is built and executed on its own: 12.9k of ``validate``'s
results took 7.9 s. :func:`write_rows` stores a held batch (storage/held_events.py) with each event
serialised once and each table written by one executemany, rows in the events' order, so that the
tables end as Dagster's would have them, row for row and id for id:

- ``event_logs``: every event, and its storage id (the id the index rows point to) as the storage
  says (:meth:`RowWriter._insert_event_rows`: a run shard and the cross-run index on SQLite, one
  table on Postgres);
- the asset index (``asset_event_tags``, ``asset_keys``): Dagster's own code. Its ``asset_keys``
  upsert is run for the asset events that leave a trace (per asset key, its first, and the last of
  each event type: each later one overwrites what an earlier one of its type set), or for every one
  where each upsert takes an id (Postgres: see :attr:`RowWriter.upsert_takes_an_id`);
- ``asset_check_executions``: a planned event's rows and an evaluation's row. An evaluation updates
  the row of its (check, run, partition) where one exists (a run's planned row, written before or
  earlier in the batch) and inserts one where none does (``validate``'s, which plan nothing), as
  Dagster's ``_update_asset_check_evaluation`` does, without asking per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster._check as check
import sqlalchemy as db
from dagster import DagsterEventType
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from sqlalchemy.engine import Connection

#: An asset check execution's key: what Dagster's unique index (and its UPDATE) match on.
CheckRow = tuple[str, str, str | None, str | None]  # asset key, check name, run id, partition

_EXECUTION = AssetCheckExecutionsTable.c
#: Dagster's UPDATE of an evaluation's row (``_update_asset_check_evaluation``), for many at once;
#: a NULL partition is matched by IS NULL, as its partition filter does.
_SET = {
    name: db.bindparam(f"new_{name}")
    for name in (
        "execution_status",
        "evaluation_event",
        "evaluation_event_timestamp",
        "evaluation_event_storage_id",
        "materialization_event_storage_id",
    )
}
_MATCH = [
    _EXECUTION.asset_key == db.bindparam("key_asset_key"),
    _EXECUTION.check_name == db.bindparam("key_check_name"),
    _EXECUTION.run_id == db.bindparam("key_run_id"),
]
_UPDATE = {
    True: AssetCheckExecutionsTable.update().where(*_MATCH, _EXECUTION.partition.is_(None)).values(_SET),
    False: AssetCheckExecutionsTable.update()
    .where(*_MATCH, _EXECUTION.partition == db.bindparam("key_partition"))
    .values(_SET),
}


class RowWriter:
    """What a storage class (Dagster's SQL event log) adds to be written by :func:`write_rows`."""

    #: Whether an ``asset_keys`` upsert that finds the key's row still takes the next id from the
    #: table's sequence (Postgres's ON CONFLICT does; SQLite's failed INSERT does not): then only
    #: as many upserts as Dagster's leave new keys' rows with the ids Dagster's would have.
    upsert_takes_an_id = False

    def _insert_event_rows(self, events: Sequence[EventLogEntry], rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert ``rows`` (the events' ``event_logs`` rows, in order) where Dagster's ``store_event``
        inserts them; the id Dagster's ``store_event`` would give each (None where it gives none)."""
        raise NotImplementedError


def write_rows(storage, events: Sequence[EventLogEntry]) -> None:
    """Store ``events`` (in order) as ``storage`` (a :class:`RowWriter` and Dagster's
    ``SqlEventLogStorage``) would one by one, inside the caller's transaction."""
    if not events:
        return
    rows = [storage._event_to_row(event) for event in events]  # the one serialisation of each event
    ids = storage._insert_event_rows(events, rows)
    assets = [
        i
        for i, event in enumerate(events)
        if event.dagster_event_type in ASSET_EVENTS and event.dagster_event and event.dagster_event.asset_key
    ]
    if assets:
        _write_asset_index(storage, [events[i] for i in assets], [check.not_none(ids[i]) for i in assets])
    checks = [i for i, event in enumerate(events) if event.dagster_event_type in ASSET_CHECK_EVENTS]
    if checks:
        check.invariant(
            storage.supports_asset_checks,
            "Asset checks require a database schema migration. Run `dagster instance migrate`.",
        )
        _write_check_executions(storage, [(events[i], rows[i]["event"], ids[i]) for i in checks])


def _write_asset_index(storage, events: list[EventLogEntry], ids: list[int]) -> None:
    """The asset events' tags, and each asset key's entry as Dagster's one-by-one upserts leave it."""
    with storage.index_transaction() as conn:
        storage._store_asset_event_tags(conn, events, ids)
        for n in range(len(events)) if storage.upsert_takes_an_id else _leaving_a_trace(events):
            storage._store_asset_event(conn, events[n], ids[n])


#: The asset events whose upsert writes values (``_get_asset_entry_values``); Dagster's upsert of the
#: others (a failure to materialize, a freshness change) returns before inserting a row.
VALUED = {
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_OBSERVATION,
}


def _leaving_a_trace(events: list[EventLogEntry]) -> list[int]:
    """The asset events whose upserts decide what ``asset_keys`` holds, in order: each key's first
    valued one (where a new key's row is inserted, so rows keep their ids) and its last of each
    event type."""
    first: dict[str, int] = {}
    last: dict[tuple[str, DagsterEventType], int] = {}  # (asset key, event type) -> its last event
    for n, event in enumerate(events):
        key = event.dagster_event.asset_key.to_string()
        if event.dagster_event_type in VALUED:
            first.setdefault(key, n)
        last[(key, event.dagster_event_type)] = n
    return sorted({*first.values(), *last.values()})


def _write_check_executions(storage, events: list[tuple[EventLogEntry, str, int | None]]) -> None:
    """``asset_check_executions`` after the check events (each with its serialisation and storage id)."""
    planned = DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    made = [
        (event, (_planned if event.dagster_event_type == planned else _evaluated)(storage, event, serialized, event_id))
        for event, serialized, event_id in events
    ]
    inserts: list[dict[str, Any]] = []
    created: dict[CheckRow, dict[str, Any]] = {}  # rows this batch inserts, by key: later evaluations update them
    updates: list[tuple[CheckRow, dict[str, Any]]] = []
    with storage.index_connection() as conn:
        existing = _existing_rows(conn, [row for event, row in made if _is_run_evaluation(event)])
        for event, row in made:
            if event.dagster_event_type == planned:
                created |= {_key(r): r for r in row}
                inserts += row
            elif not _is_run_evaluation(event):  # a runless one is always inserted
                inserts.append(row)
            elif _key(row) in created:
                created[_key(row)].update({name: row[name] for name in _SET})
            elif _key(row) in existing:
                updates.append((_key(row), row))
            else:
                created[_key(row)] = row
                inserts.append(row)
        if inserts:
            conn.execute(AssetCheckExecutionsTable.insert(), inserts)
        for null_partition in (True, False):
            params = [
                {"key_asset_key": k[0], "key_check_name": k[1], "key_run_id": k[2], "key_partition": k[3]}
                | {f"new_{name}": row[name] for name in _SET}
                for k, row in updates
                if (k[3] is None) is null_partition
            ]
            if params:
                conn.execute(_UPDATE[null_partition], params)


def _key(row: dict[str, Any]) -> CheckRow:
    return row["asset_key"], row["check_name"], row["run_id"], row["partition"]


def _is_run_evaluation(event: EventLogEntry) -> bool:
    return event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION and bool(event.run_id)


def _existing_rows(conn: Connection, evaluations: list[dict[str, Any]]) -> set[CheckRow]:
    """Which of the evaluations' rows exist already (their runs' planned rows): what they update.
    Asked by asset key, check and run, the unique index's first columns (a run id alone is not
    indexed: that would read every execution of the history)."""
    if not evaluations:
        return set()
    query = db.select(_EXECUTION.asset_key, _EXECUTION.check_name, _EXECUTION.run_id, _EXECUTION.partition).where(
        *(_EXECUTION[c].in_(sorted({r[c] for r in evaluations})) for c in ("asset_key", "check_name", "run_id"))
    )
    return {tuple(r) for r in conn.execute(query)}


def _planned(storage, event: EventLogEntry, serialized: str, event_id: int | None) -> list[dict[str, Any]]:
    """The rows ``_store_asset_check_evaluation_planned`` inserts: one per planned partition."""
    planned = event.get_dagster_event().event_specific_data
    keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
    return [
        {
            "asset_key": planned.asset_key.to_string(),
            "check_name": planned.check_name,
            "partition": key,
            "run_id": event.run_id,
            "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
            "evaluation_event": serialized,
            "evaluation_event_timestamp": storage._event_insert_timestamp(event),
            "evaluation_event_storage_id": event_id,
            "materialization_event_storage_id": None,
        }
        for key in keys
    ]


def _evaluated(storage, event: EventLogEntry, serialized: str, event_id: int | None) -> dict[str, Any]:
    """The row an evaluation leaves (inserted, or its planned row updated to it)."""
    evaluation = event.get_dagster_event().event_specific_data
    passed = evaluation.passed
    target = evaluation.target_materialization_data
    return {
        "asset_key": evaluation.asset_key.to_string(),
        "check_name": evaluation.check_name,
        "partition": evaluation.partition,
        "run_id": event.run_id,
        "execution_status": (
            AssetCheckExecutionRecordStatus.SUCCEEDED if passed else AssetCheckExecutionRecordStatus.FAILED
        ).value,
        "evaluation_event": serialized,
        "evaluation_event_timestamp": storage._event_insert_timestamp(event),
        "evaluation_event_storage_id": event_id,
        "materialization_event_storage_id": target.storage_id if target else None,
    }
