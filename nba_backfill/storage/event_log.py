"""The local Dagster instance's event log: Dagster's SQLite storage, keeping its connections open.

Dagster's ``SqliteEventLogStorage`` creates an engine and opens a new connection for every event it
stores (twice for an asset event: the run's shard and the cross-run index). A season backfill
stores tens of thousands of per-partition materializations and check evaluations: reconnecting
took the season through ``nba-backfill run`` from 110 s to 239 s. This storage keeps one engine
per shard, for the index and the most recently used runs, and is otherwise Dagster's: same files,
same schema, so ``dagster dev`` and an instance written before it read the same history. Commits
reach the disk at the write-ahead log's checkpoints, not one by one (``_sync_at_checkpoints``).

A range step's per-partition bookkeeping, and validate's results, are written in bulk (one
transaction per shard): see storage/held_events.py, shared with the production Postgres storage.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from dagster import DagsterInvariantViolationError
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite_storage import SqliteStorageConfig
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

from nba_backfill.storage.held_events import HeldEventWrites

#: Seconds a connection waits for another process's write (Dagster's own value for SQLite).
BUSY_TIMEOUT_SECONDS = 30
#: Run shards kept open besides the index: a run writes one shard, the webserver reads a few.
OPEN_RUN_SHARDS = 8
#: Events Dagster's SQLite storage copies into the cross-run index besides their run's shard.
MIRRORED = frozenset(ASSET_EVENTS | ASSET_CHECK_EVENTS | set(EVENT_TYPE_TO_PIPELINE_RUN_STATUS))


def _sync_at_checkpoints(connection: sqlite3.Connection, _: object) -> None:
    """SQLite's ``synchronous=NORMAL`` on the shards (which Dagster puts in WAL mode): a commit is
    appended to the write-ahead log without waiting for the disk, which is synced at checkpoints.
    Waiting took ~5 ms a commit here, most of a season's event-log time. A killed process loses
    nothing it committed; a power loss may lose the last commits but never the file's consistency,
    and what a resume plans from is the warehouse's partition ledger, not the event log."""
    connection.execute("PRAGMA synchronous=NORMAL")


def _last_ids(conn: Connection, count: int) -> range:
    """The ids of the ``count`` rows just inserted into ``event_logs`` by this transaction, in order.

    SQLite gives a new row one more than the table's largest id, and nobody else writes between a
    transaction's statements: its rows are the last ids. (Asking for them with RETURNING made
    SQLAlchemy insert one row per statement, as it cannot order a multi-row insert's ids.)"""
    last = conn.execute(text("SELECT last_insert_rowid()")).scalar_one()
    ids = range(last - count + 1, last + 1)
    table = SqlEventLogStorageTable.c
    found = conn.execute(select(func.count()).where(table.id.between(ids.start, last))).scalar_one()
    if found != count:  # ids not handed out one after another: never seen, but never guessed either
        raise DagsterInvariantViolationError(f"event_logs ids {ids.start}..{last} hold {found} rows, not {count}")
    return ids


class PooledSqliteEventLogStorage(HeldEventWrites, SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with an engine per shard kept open (least recently used closed).

    One pooled connection per shard; Dagster's schema set-up nests a couple more, closed after use.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._blank_shard: bytes | None = None  # a new run's shard, schema created (see _placed_blank_shard)
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: SqliteStorageConfig
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=2,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        )
        event.listen(engine, "connect", _sync_at_checkpoints)
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for stale in runs[:-OPEN_RUN_SHARDS]:
            self._engines.pop(stale).dispose()
        return engine

    def _ready_engine(self, shard: str) -> Engine:
        if shard not in self._initialized_dbs:
            if not (shard != INDEX_SHARD_NAME and self._placed_blank_shard(shard)):
                self._initdb(self._engine(shard))
            self._initialized_dbs.add(shard)
        return self._engine(shard)

    def _placed_blank_shard(self, shard: str) -> bool:
        """A new run's shard as a copy of a blank one, if it does not exist yet (True if placed).

        Dagster creates each run's file by creating its tables and stamping the schema's revision
        (0.2-0.3 s: a second in every four runs of a backfill); the copy costs a file write. It is
        placed whole or not at all (linked from a finished file), so another process opening the
        same run meanwhile sees no shard or a complete one."""
        path = Path(self.path_for_shard(shard))
        if path.exists():
            return False
        if self._blank_shard is None:
            with tempfile.TemporaryDirectory() as scratch:
                engine = create_engine(f"sqlite:///{scratch}/blank.db", poolclass=NullPool)
                self._initdb(engine)
                engine.dispose()  # the last connection closed: its WAL is folded into the file
                self._blank_shard = Path(scratch, "blank.db").read_bytes()
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_bytes(self._blank_shard)
        try:
            os.link(partial, path)
        except OSError:  # there already, or no hard links here: Dagster creates it
            return False
        finally:
            partial.unlink()
        return True

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Same contract as the base class: one connection at a time per process, shards created
        # on first use; only the engine outlives the call. A bulk write holds the lock already
        # and gets its shard's connection, inside that shard's one transaction.
        bulk = self._bulk_connection(shard)
        if bulk is not None:
            yield bulk
            return
        with self._db_lock:
            with self._ready_engine(shard).connect() as conn, conn.begin():
                yield conn

    def _open_for_bulk(self, shard: str) -> AbstractContextManager[Connection]:
        return self._ready_engine(shard).connect()

    def _insert_event_rows(self, events: Sequence[EventLogEntry], rows: list[dict[str, Any]]) -> list[int | None]:
        # As SqliteEventLogStorage.store_event: every event into its run's shard; asset, check and
        # run status events into the index too, whose ids the asset and check rows point to.
        by_run: dict[str, list[dict[str, Any]]] = {}
        for held, row in zip(events, rows):
            by_run.setdefault(held.run_id, []).append(row)
        for run_id, run_rows in by_run.items():
            with self.run_connection(run_id) as conn:
                conn.execute(SqlEventLogStorageTable.insert(), run_rows)
        mirrored = [n for n, held in enumerate(events) if held.dagster_event_type in MIRRORED]
        ids: list[int | None] = [None] * len(events)
        if mirrored:
            with self.index_connection() as conn:
                conn.execute(SqlEventLogStorageTable.insert(), [rows[n] for n in mirrored])
                for n, event_id in zip(mirrored, _last_ids(conn, len(mirrored))):
                    ids[n] = event_id
        return ids

    def _bulk_lock(self) -> AbstractContextManager:
        return self._db_lock

    def wipe(self) -> None:
        with self._db_lock:  # the run shards' files are deleted: never write to them through an old engine
            for shard in [s for s in self._engines if s != INDEX_SHARD_NAME]:
                self._engines.pop(shard).dispose()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()  # the held events written first
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
