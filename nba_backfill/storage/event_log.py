"""The local Dagster instance's event log: Dagster's SQLite storage, keeping its connections open.

Dagster's ``SqliteEventLogStorage`` creates an engine and opens a new connection for every event it
stores (twice for an asset event: the run's shard and the cross-run index). A season backfill
stores tens of thousands of per-partition materializations and check evaluations: reconnecting
took the season through ``nba-backfill run`` from 110 s to 239 s. This storage keeps one engine
per shard, for the index and the most recently used runs, and is otherwise Dagster's: same files,
same schema, so ``dagster dev`` and an instance written before it read the same history. Commits
still sync to disk.

A range step's per-partition bookkeeping, and validate's results, are written in bulk (one
transaction per shard): see storage/held_events.py, shared with the production Postgres storage.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sqlite_storage import SqliteStorageConfig
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from nba_backfill.storage.held_events import HeldEventWrites

#: Seconds a connection waits for another process's write (Dagster's own value for SQLite).
BUSY_TIMEOUT_SECONDS = 30
#: Run shards kept open besides the index: a run writes one shard, the webserver reads a few.
OPEN_RUN_SHARDS = 8


class PooledSqliteEventLogStorage(HeldEventWrites, SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with an engine per shard kept open (least recently used closed).

    One pooled connection per shard; Dagster's schema set-up nests a couple more, closed after use.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
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
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for stale in runs[:-OPEN_RUN_SHARDS]:
            self._engines.pop(stale).dispose()
        return engine

    def _ready_engine(self, shard: str) -> Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

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
