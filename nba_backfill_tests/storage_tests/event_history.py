"""What an instance's event log holds after a range run and a ``validate``, read the ways the
platform reads it, for comparing the bulk-writing storages with Dagster's own (SQLite and Postgres).

A range asset and a per-partition check as the platform's (one evaluation per date, one of them
failing); validate-style results recorded by ``backfill/revalidate.py: record``. What is compared:
the rows of ``event_logs`` (per run, in order) and ``asset_check_executions``, the materialized
partitions, the check status per partition (the UI's read) and the cross-run gate's failures.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy
from dagster import DagsterEventType
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationPlanned
from dagster._core.definitions.data_version import DATA_VERSION_TAG
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange
from dagster._core.events import (
    AssetMaterializationPlannedData,
    AssetObservationData,
    DagsterEvent,
    StepMaterializationData,
)
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    AssetEventTagsTable,
    AssetKeyTable,
    SqlEventLogStorageTable,
)
from dagster._serdes import serialize_value

from nba_backfill.backfill.revalidate import record
from nba_backfill.phases.gate import failed_checks
from nba_backfill.storage.held_events import HELD_EVENTS, written_in_bulk

DAYS = dg.DailyPartitionsDefinition(start_date="2024-10-22")
RANGE = [f"2024-10-{d}" for d in range(22, 32)] + [f"2024-11-{d:02d}" for d in range(1, 21)]

# A range asset and a per-partition check, as the platform's (beta and preview features in 1.13).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
    def games(context) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"dates": len(context.partition_keys)})

    @dg.asset_check(asset=games, partitions_def=DAYS, blocking=True)
    def games_counted(context) -> dg.AssetCheckResult:
        for day in context.partition_keys:  # one evaluation per date, as the catalogue's range checks record
            context.op_execution_context.log_event(
                dg.AssetCheckEvaluation(
                    asset_key=games.key, check_name="games_counted", passed=day != RANGE[3], partition=day
                )
            )
        return dg.AssetCheckResult(passed=True, metadata={"dates": len(context.partition_keys)})


#: validate's results for the range: two checks, one failing at ERROR on RANGE[5], one at WARN on RANGE[6].
VALIDATED = [dg.AssetCheckKey(games.key, "games_counted"), dg.AssetCheckKey(games.key, "games_unique")]


def validate_results() -> pd.DataFrame:
    """Rows as ``checks/catalogue.py: evaluate`` gives them, for ``record``."""
    rows = []
    for key in VALIDATED:
        for day in RANGE:
            failing = (key.name, day) in {("games_counted", RANGE[5]), ("games_unique", RANGE[6])}
            rows.append(
                {
                    "asset": key.asset_key.to_user_string(),
                    "check": key.name,
                    "game_date": dt.date.fromisoformat(day),
                    "passed": not failing,
                    "severity": "WARN" if key.name == "games_unique" else "ERROR",
                    "blocking": key.name == "games_counted",
                    "description": "2 games missing" if failing else "",
                    "metadata": {"missing": 2 if failing else 0},
                }
            )
    return pd.DataFrame(rows)


def range_run(instance: dg.DagsterInstance) -> None:
    tags = {"dagster/asset_partition_range_start": RANGE[0], "dagster/asset_partition_range_end": RANGE[-1]}
    assert dg.materialize([games, games_counted], instance=instance, tags=tags).success


@contextmanager
def counted(target, name: str):
    """How often SQLAlchemy's event ``name`` fires on ``target`` meanwhile (a list that grows)."""
    seen: list[int] = []
    listener = lambda *_: seen.append(1)  # noqa: E731
    sqlalchemy.event.listen(target, name, listener)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(target, name, listener)


#: What each event costs: a commit on SQLite; on Postgres (whose engine autocommits each statement
#: and pools nothing) a connection.
COMMITS = (sqlalchemy.engine.Engine, "commit")
CONNECTIONS = (sqlalchemy.pool.Pool, "checkout")


def run_then_validate(instance_dir: Path, cost: tuple = COMMITS) -> tuple[int, int]:
    """A range run, then validate's results recorded, on the instance at ``instance_dir``: the
    ``cost`` (commits or connections) each took."""
    with dg.DagsterInstance.from_config(str(instance_dir)) as instance:
        with counted(*cost) as run_cost:
            range_run(instance)
        with counted(*cost) as validate_cost:
            assert record(instance, validate_results(), "validate of the range") is not None
    return len(run_cost), len(validate_cost)


#: What differs between two recordings of one history besides run ids: times, process ids, and
#: what derives from a run's id (a data version hashes the code version, which defaults to the run's
#: id; captured logs are filed under a key per run).
VARYING = re.compile(r'"(timestamp|pid|file_key|dagster/data_version)": ("[^"]*"|[0-9.e+-]+)')


def _event(blob: str | None, runs: dict[str, int]) -> str | None:
    """A stored event as stored (serialized), without what differs between two recordings."""
    if blob is None:
        return None
    for run_id, n in runs.items():
        blob = blob.replace(run_id, f"run {n}")
    return VARYING.sub(r'"\1": _', blob)


def _event_logs(conn, runs: dict[str, int], where=None) -> list[tuple]:
    """(id, run, event type, asset key, partition, step, event) of ``event_logs`` in order."""
    table = SqlEventLogStorageTable.c
    query = sqlalchemy.select(
        table.id, table.run_id, table.event, table.dagster_event_type, table.asset_key, table.partition, table.step_key
    ).order_by(table.id)
    rows = conn.execute(query if where is None else query.where(where)).fetchall()
    return [
        (r.id, runs[r.run_id], r.dagster_event_type, r.asset_key, r.partition, r.step_key, _bookkeeping(r, runs))
        for r in rows
    ]


def _bookkeeping(row, runs: dict[str, int]) -> str | None:
    """The whole event where it is bookkeeping (what is written in bulk); of the others (engine
    events, logs, whose messages carry durations) the type and step only."""
    return _event(row.event, runs) if DagsterEventType(row.dagster_event_type) in HELD_EVENTS else None


def stored(instance_dir: Path) -> dict:
    """What the instance at ``instance_dir`` holds and answers, run ids, times and row ids left out."""
    with dg.DagsterInstance.from_config(str(instance_dir)) as reader:
        storage = reader.event_log_storage
        # The range run, then validate's: numbered, as their ids differ between two recordings.
        runs = {r.run_id: n for n, r in enumerate(sorted(reader.get_runs(), key=lambda r: r.job_name))}
        run_logs = []
        for run_id in runs:  # a file per run on SQLite, one table on Postgres
            with storage.run_connection(run_id) as conn:
                run_logs += [row[1:] for row in _event_logs(conn, runs, SqlEventLogStorageTable.c.run_id == run_id)]
        with storage.index_connection() as conn:
            index = {row[0]: row[1:] for row in _event_logs(conn, runs)}  # the cross-run index's rows
            executions = sorted(
                (
                    (
                        runs[r.run_id],
                        r.asset_key,
                        r.check_name,
                        r.partition or "",
                        r.execution_status,
                        _event(r.evaluation_event, runs),
                        index.get(r.evaluation_event_storage_id),  # the very event it points to
                        index.get(r.materialization_event_storage_id),
                    )
                    for r in conn.execute(sqlalchemy.select(AssetCheckExecutionsTable))
                ),
                key=repr,
            )
        [asset] = storage.get_asset_records([games.key])
        latest = asset.asset_entry.last_materialization_record
        checks = [games_counted.check_key, VALIDATED[1]]
        return {
            "run_event_logs": run_logs,
            "index_event_logs": list(index.values()),
            "asset_check_executions": executions,
            "asset_entry": (_event(serialize_value(latest.event_log_entry), runs), runs[asset.asset_entry.last_run_id]),
            "materialized": reader.get_materialized_partitions(games.key),
            "check_status": sorted(
                (str(i.check_key), i.partition_key, i.latest_execution_status.value)
                for i in storage.get_asset_check_partition_info(checks, partition_keys=RANGE)
            ),
            "gate": sorted(failed_checks(reader, checks, RANGE)),
        }


# --- every kind of held event, in batches, at fixed run ids and times --------------------------

#: Two runs and the runless "run" (run ids fixed, so two recordings store identical rows, ids included).
RUN_A, RUN_B, RUNLESS = "0a0a0a0a-0000-4000-8000-00000000000a", "0b0b0b0b-0000-4000-8000-00000000000b", ""
BOX = dg.AssetKey(["box"])
TIME = 1_730_000_000.0


def _entry(n: int, run_id: str, event_type: DagsterEventType | None, data=None) -> EventLogEntry:
    """Event ``n`` (its time: TIME + n); a log line when ``event_type`` is None."""
    event = None if event_type is None else DagsterEvent(event_type.value, "mixed", event_specific_data=data)
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message="a log line" if event is None else "",
        run_id=run_id,
        timestamp=TIME + n,
        job_name="mixed",
        dagster_event=event,
    )


def _planned_check(partitions: list[str]) -> AssetCheckEvaluationPlanned:
    subset = DAYS.subset_with_partition_keys(partitions).to_serializable_subset()
    return AssetCheckEvaluationPlanned(asset_key=games.key, check_name="games_counted", partitions_subset=subset)


def _evaluated(partition: str | None, passed: bool, name: str = "games_counted") -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=games.key, check_name=name, passed=passed, partition=partition, metadata={"n": int(passed)}
    )


def _materialized(partition: str, version: str) -> StepMaterializationData:
    tags = {DATA_VERSION_TAG: version, "not_indexed": "x"}
    return StepMaterializationData(dg.AssetMaterialization(games.key, partition=partition, tags=tags))


EVALUATION, PLANNED_CHECK = DagsterEventType.ASSET_CHECK_EVALUATION, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
MATERIALIZATION, PLANNED = DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED

#: Batches of events, each written together (held) by a bulk storage. The first plans checks and
#: evaluates them in the same batch (an evaluation of a planned row, twice; one of no planned row,
#: then again; one without a partition), with asset events of two assets of two runs, a log line
#: and a runless evaluation; the second evaluates rows the first stored (the UPDATE of a stored
#: row, a NULL partition's included) and one new; the third is a single event.
LATE, LATER = dg.AssetKey("late"), dg.AssetKey("later")


def _freshness_changed(key: dg.AssetKey) -> FreshnessStateChange:
    return FreshnessStateChange(
        key=key, new_state=FreshnessState.WARN, previous_state=FreshnessState.PASS, state_change_timestamp=TIME
    )


MIXED_BATCHES = [
    [
        (RUN_A, PLANNED, AssetMaterializationPlannedData(games.key, partition=RANGE[0])),
        (RUN_A, PLANNED_CHECK, _planned_check(RANGE[:3])),
        (RUN_A, MATERIALIZATION, _materialized(RANGE[0], "v1")),
        (RUN_A, EVALUATION, _evaluated(RANGE[0], False)),
        (RUN_A, EVALUATION, _evaluated(RANGE[0], True)),
        (RUN_A, None, None),
        (RUN_A, EVALUATION, _evaluated(RANGE[4], False)),
        (RUN_A, EVALUATION, _evaluated(RANGE[4], True)),
        (RUN_A, EVALUATION, _evaluated(None, True)),
        (
            RUN_A,
            DagsterEventType.ASSET_OBSERVATION,
            AssetObservationData(dg.AssetObservation(BOX, tags={DATA_VERSION_TAG: "o1"})),
        ),
        (RUNLESS, EVALUATION, _evaluated(RANGE[5], False, "games_unique")),
        (RUN_B, MATERIALIZATION, _materialized(RANGE[1], "v2")),
        (RUN_B, PLANNED, AssetMaterializationPlannedData(games.key, partition=RANGE[2])),
    ],
    [
        (RUN_A, EVALUATION, _evaluated(RANGE[1], False)),
        (RUN_A, EVALUATION, _evaluated(None, False)),
        (RUN_A, EVALUATION, _evaluated(RANGE[2], False)),
        (RUN_A, EVALUATION, _evaluated(RANGE[2], True)),
        (RUN_A, EVALUATION, _evaluated(RANGE[6], True)),
        (RUN_A, MATERIALIZATION, _materialized(RANGE[2], "v3")),
    ],
    [(RUN_B, EVALUATION, _evaluated(RANGE[1], True))],
    # A new key whose first event inserts no row (a freshness change): its row is inserted at its
    # first planned event, before another new key's, so the two keep Dagster's ids.
    [
        (RUN_B, DagsterEventType.FRESHNESS_STATE_CHANGE, _freshness_changed(LATE)),
        (RUN_B, PLANNED, AssetMaterializationPlannedData(LATE, partition=RANGE[3])),
        (RUN_B, PLANNED, AssetMaterializationPlannedData(LATER, partition=RANGE[3])),
        (RUN_B, PLANNED, AssetMaterializationPlannedData(LATE, partition=RANGE[4])),
    ],
]


def store_mixed_batches(instance_dir: Path) -> None:
    """:data:`MIXED_BATCHES` stored, each in bulk where the instance's event log can."""
    with dg.DagsterInstance.from_config(str(instance_dir)) as instance:
        n = 0
        for batch in MIXED_BATCHES:
            with written_in_bulk(instance):
                for run_id, event_type, data in batch:
                    instance.handle_new_event(_entry(n, run_id, event_type, data))
                    n += 1


#: Columns that hold when a row was written to the database (the server's clock), not what.
WRITTEN_AT = {"create_timestamp", "update_timestamp"}


def _rows(conn, table: sqlalchemy.Table, where=None) -> list[tuple]:
    columns = [c for c in table.columns if c.name not in WRITTEN_AT]
    query = sqlalchemy.select(*columns).order_by(*table.primary_key.columns or columns)
    return [tuple(r) for r in conn.execute(query if where is None else query.where(where))]


def stored_rows(instance_dir: Path) -> dict[str, list[tuple]]:
    """Every row of the event log's tables the mixed batches write, every column but write times."""
    with dg.DagsterInstance.from_config(str(instance_dir)) as reader:
        storage = reader.event_log_storage
        out = {}
        for run_id in (RUN_A, RUN_B, RUNLESS):  # a file per run on SQLite, one table on Postgres
            with storage.run_connection(run_id) as conn:
                where = SqlEventLogStorageTable.c.run_id == run_id
                out[f"event_logs of run {run_id!r}"] = _rows(conn, SqlEventLogStorageTable, where)
        with storage.index_connection() as conn:
            for table in (SqlEventLogStorageTable, AssetCheckExecutionsTable, AssetKeyTable, AssetEventTagsTable):
                out[table.name] = _rows(conn, table)
        return out
