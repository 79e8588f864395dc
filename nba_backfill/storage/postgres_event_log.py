"""The production instance's event log (deploy/dagster.yaml): Dagster's Postgres storage, writing a
step's per-partition bookkeeping and validate's results in bulk (storage/held_events.py).

Dagster's ``PostgresEventLogStorage`` opens a connection (no pool) and commits for every statement:
a materialization takes two connections and three commits, a check evaluation two of each, so a
season's ~25k events cost as many round trips again. Held events go instead over one connection in
one READ COMMITTED transaction, each written by Dagster's own ``store_event`` (same tables, same
rows, same NOTIFY); every other event, and every read, is Dagster's as before.

One repair of Dagster's own code: the first use of a pool (``pools.default_limit``) creates its
limit row, and Dagster 1.13 does it as INSERT, then on a duplicate key an UPDATE in the same
transaction, which Postgres has already aborted (dagster-io/dagster#33552). Two runs reaching a new
pool at once (two backfills launched together) made one of them fail with InFailedSqlTransaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from dagster._core.storage.event_log.schema import ConcurrencyLimitsTable
from dagster._serdes import ConfigurableClassData
from dagster_postgres import PostgresEventLogStorage
from dagster_postgres.utils import create_pg_connection, get_token_provider_from_config, pg_url_from_config
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from nba_backfill.storage.held_events import HeldEventWrites

#: Postgres has one database where SQLite has a file per run: the one "shard" of a bulk write.
DATABASE = "postgres"


class BulkPostgresEventLogStorage(HeldEventWrites, PostgresEventLogStorage):
    """``PostgresEventLogStorage`` with held events written in one transaction."""

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> BulkPostgresEventLogStorage:
        # Dagster's builds its own class by name; the same arguments, for this one.
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

    def _connect(self) -> AbstractContextManager[Connection]:
        bulk = self._bulk_connection(DATABASE)
        return nullcontext(bulk) if bulk is not None else super()._connect()

    @contextmanager
    def _open_for_bulk(self, shard: str) -> Iterator[Connection]:
        # The engine autocommits each statement; a transaction needs a real isolation level
        # (what Dagster's own index_transaction sets).
        with create_pg_connection(self._engine) as conn:
            yield conn.execution_options(isolation_level="READ COMMITTED")

    def initialize_concurrency_limit_to_default(self, concurrency_key: str) -> bool:
        """A pool's limit row at the instance's default, created or updated in ONE statement, so that
        a run racing another to create it waits for the other's transaction (the row's lock) and
        then finds the slots already allocated, instead of failing (see the module's note)."""
        default_limit = self._instance.global_op_concurrency_default_limit if self.has_instance else None
        if default_limit is None or not (self.has_concurrency_limits_table and self.has_default_pool_limit_col):
            return super().initialize_concurrency_limit_to_default(concurrency_key)  # no row created: no race
        self._reconcile_concurrency_limits_from_slots()
        limits = ConcurrencyLimitsTable.c
        with self.index_transaction() as conn:
            conn.execute(
                postgresql.insert(ConcurrencyLimitsTable)
                .values(concurrency_key=concurrency_key, limit=default_limit, using_default_limit=True)
                .on_conflict_do_update(
                    index_elements=[limits.concurrency_key],
                    set_={"limit": default_limit},
                    where=limits.limit != default_limit,
                )
            )
            self._allocate_concurrency_slots(conn, concurrency_key, default_limit)
        return True
