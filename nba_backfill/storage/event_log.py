"""The local Dagster instance's event log: Dagster's SQLite storage, keeping its connections open.

Dagster's ``SqliteEventLogStorage`` creates an engine and opens a new connection for every event it
stores (twice for an asset event: the run's shard and the cross-run index). A season backfill
stores tens of thousands of per-partition materializations and check evaluations: reconnecting
took the season through ``nba-backfill run`` from 110 s to 239 s. This storage keeps one engine
per shard, for the index and the most recently used runs, and is otherwise Dagster's: same files,
same schema, so ``dagster dev`` and an instance written before it read the same history. Commits
reach the disk at the write-ahead log's checkpoints, not one by one (``_sync_at_checkpoints``).

A range step's bookkeeping is also written in bulk: the per-partition materializations and check
evaluations (and their "planned" events) of a step are held until the step's next other event
(an output handled, the step's success or failure, a log line) and then written by Dagster's own
``store_event``, event by event in the same order, in one transaction per shard instead of two or
three each. What is stored, and so what the UI and the cross-run gate (phases/gate.py) read, is
unchanged; the step's own later events, its success included, are stored only after them. A kill
mid-step loses what it held: events of a step that never finished (the partition ledger, not the
event log, is what a resume plans from). Events recorded outside a step (``validate``'s results)
are written at once: the process that records them reads them next (the plan of a ``run``).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from dagster import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite_storage import SqliteStorageConfig
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

#: Seconds a connection waits for another process's write (Dagster's own value for SQLite).
BUSY_TIMEOUT_SECONDS = 30
#: Run shards kept open besides the index: a run writes one shard, the webserver reads a few.
OPEN_RUN_SHARDS = 8
#: Events a range step emits per partition, held and written together (Dagster's batch-writable
#: events, and the check evaluations, which a range check step emits one per date).
HELD_EVENTS = frozenset(
    {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_OBSERVATION,
        DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        DagsterEventType.ASSET_CHECK_EVALUATION,
        DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    }
)
#: Held events written at the latest at this many (a season-long check step emits ~170).
HELD_AT_MOST = 2000


def _sync_at_checkpoints(connection: sqlite3.Connection, _: object) -> None:
    """SQLite's ``synchronous=NORMAL`` on the shards (which Dagster puts in WAL mode): a commit is
    appended to the write-ahead log without waiting for the disk, which is synced at checkpoints.
    Waiting took ~5 ms a commit here, most of a season's event-log time. A killed process loses
    nothing it committed; a power loss may lose the last commits but never the file's consistency,
    and what a resume plans from is the warehouse's partition ledger, not the event log."""
    connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with an engine per shard kept open (least recently used closed).

    One pooled connection per shard; Dagster's schema set-up nests a couple more, closed after use.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        self._held: list[EventLogEntry] = []
        self._blank_shard: bytes | None = None  # a new run's shard, schema created (see _placed_blank_shard)
        self._held_lock = threading.Lock()
        # While held events are written: the writing thread, and its one connection per shard.
        self._writer: int | None = None
        self._writing: dict[str, Connection] = {}
        self._transactions: ExitStack | None = None
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
        except FileExistsError:
            return False
        finally:
            partial.unlink()
        return True

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Same contract as the base class: one connection at a time per process, shards created
        # on first use; only the engine outlives the call. The thread writing held events holds
        # the lock already and gets its shard's connection, inside that shard's one transaction.
        if self._writer == threading.get_ident():
            if shard not in self._writing:
                conn = self._transactions.enter_context(self._ready_engine(shard).connect())
                self._transactions.enter_context(conn.begin())
                self._writing[shard] = conn
            yield self._writing[shard]
            return
        with self._db_lock:
            with self._ready_engine(shard).connect() as conn, conn.begin():
                yield conn

    def store_event(self, event: EventLogEntry) -> None:
        held = bool(event.run_id and event.step_key and event.dagster_event_type in HELD_EVENTS)
        if held:
            with self._held_lock:
                self._held.append(event)
                full = len(self._held) >= HELD_AT_MOST
            if not full:
                return
        self.write_held()
        if not held:
            super().store_event(event)

    def write_held(self) -> None:
        """Write the held events: one transaction per shard, each event as Dagster stores it."""
        with self._held_lock:
            held, self._held = self._held, []
        if not held:
            return
        with self._db_lock:
            self._writer = threading.get_ident()
            try:
                with ExitStack() as self._transactions:
                    for event in held:
                        super().store_event(event)
            finally:
                self._writer, self._writing, self._transactions = None, {}, None

    def has_table(self, table_name: str) -> bool:
        # Asked before most writes (e.g. whether asset checks are supported), each time through a new
        # engine; a table once there stays (upgrades add tables, nothing drops them).
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def wipe(self) -> None:
        with self._db_lock:  # the run shards' files are deleted: never write to them through an old engine
            for shard in [s for s in self._engines if s != INDEX_SHARD_NAME]:
                self._engines.pop(shard).dispose()
        super().wipe()

    def dispose(self) -> None:
        self.write_held()
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
