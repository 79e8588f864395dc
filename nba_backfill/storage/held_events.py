"""The instance's bookkeeping in bulk, on any of Dagster's SQL event logs (SQLite locally, Postgres
in production): events held, then written in one transaction per shard instead of one per event.

A range step emits a materialization and a check evaluation (and their "planned" events) per
partition, and ``validate`` a check result per partition and check: tens of thousands a season,
each of which Dagster's storages write with two or three commits of their own. A storage with
:class:`HeldEventWrites` first in its bases holds them instead:

- a step's per-partition events (:data:`HELD_EVENTS` with a run and a step) until the step's next
  other event (an output handled, the step's success or failure, a log line);
- every event a thread stores inside :meth:`HeldEventWrites.holding` (``validate``'s results, see
  :func:`written_in_bulk`) until it leaves it;

and then writes them over one connection per shard inside one transaction, each table by one
statement for all of them, each event serialised once (storage/event_rows.py). What is stored, row
for row as Dagster's ``store_event`` would store it event by event, and so what the UI and the
cross-run gate (phases/gate.py) read, is unchanged; a step's own later events, its success
included, are stored only after them. A kill loses what was held: events of a step that never
finished (the partition ledger, not the event log, is what a resume plans from).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext

import dagster as dg
from dagster import DagsterEventType
from dagster._core.events.log import EventLogEntry
from sqlalchemy.engine import Connection

from nba_backfill.storage.event_rows import RowWriter, write_rows

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
#: Held events written at the latest at this many (a 124-date chunk's step of an asset's checks
#: emits up to ~500; validate over a season ~12.5k, so a few transactions and a bounded list).
HELD_AT_MOST = 2000


class HeldEventWrites(RowWriter):
    """Holding and bulk writing, for a Dagster SQL event log storage class listed after it.

    The storage routes its ``_connect`` through :meth:`_bulk_connection` (the connection of this
    thread's bulk write, if one is under way) and says how a bulk write opens a shard's connection
    (:meth:`_open_for_bulk`), what it must hold meanwhile (:meth:`_bulk_lock`) and where the events'
    ``event_logs`` rows go (:meth:`RowWriter._insert_event_rows`).
    """

    def __init__(self, *args, **kwargs) -> None:
        self._held: list[EventLogEntry] = []
        self._held_lock = threading.Lock()
        # Taking the held list and writing it, or writing an event that is not held after what is:
        # one thread at a time, so events reach the storage in the order they were stored.
        self._order_lock = threading.RLock()
        self._holding: set[int] = set()  # threads inside holding()
        self._bulk = threading.local()  # this thread's bulk write: .transactions, .connections per shard
        self._tables_present: set[str] = set()
        super().__init__(*args, **kwargs)

    def _open_for_bulk(self, shard: str) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _bulk_lock(self) -> AbstractContextManager:
        return nullcontext()

    def _bulk_connection(self, shard: str) -> Connection | None:
        """This thread's connection to ``shard`` inside its bulk write's transaction (begun on first
        use), or None outside a bulk write."""
        transactions: ExitStack | None = getattr(self._bulk, "transactions", None)
        if transactions is None:
            return None
        if shard not in self._bulk.connections:
            conn = transactions.enter_context(self._open_for_bulk(shard))
            transactions.enter_context(conn.begin())
            self._bulk.connections[shard] = conn
        return self._bulk.connections[shard]

    def store_event(self, event: EventLogEntry) -> None:
        held = threading.get_ident() in self._holding or bool(
            event.run_id and event.step_key and event.dagster_event_type in HELD_EVENTS
        )
        if held:
            with self._held_lock:
                self._held.append(event)
                full = len(self._held) >= HELD_AT_MOST
            if not full:
                return
        with self._order_lock:
            self.write_held()
            if not held:
                super().store_event(event)

    def store_event_batch(self, events) -> None:
        # Dagster's batches (DAGSTER_EVENT_BATCH_SIZE) go the same way, after what is held already.
        with self.holding():
            for event in events:
                self.store_event(event)

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Every event this thread stores meanwhile is held, and all are written when it leaves
        (also on an error: what was recorded until then is stored, as event by event)."""
        me = threading.get_ident()
        if me in self._holding:  # nested: the outer one writes
            yield
            return
        self._holding.add(me)
        try:
            yield
        finally:
            self._holding.discard(me)
            self.write_held()

    def write_held(self) -> None:
        """Write the held events: one transaction per shard, the rows Dagster would store."""
        with self._order_lock:
            with self._held_lock:
                held, self._held = self._held, []
            if held:
                self._write(held)

    def _write(self, held: list[EventLogEntry]) -> None:
        with self._bulk_lock(), ExitStack() as transactions:
            self._bulk.transactions, self._bulk.connections = transactions, {}
            try:
                write_rows(self, held)
            finally:
                self._bulk.transactions = self._bulk.connections = None

    def has_table(self, table_name: str) -> bool:
        # Asked before every check event is written (whether asset checks are supported), each time
        # a query; a table once there stays (upgrades add tables, nothing drops them).
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def dispose(self) -> None:
        self.write_held()
        super().dispose()


def written_in_bulk(instance: dg.DagsterInstance) -> AbstractContextManager:
    """Events ``instance`` stores meanwhile in this thread written in bulk when it ends, where its
    event log can (Dagster's own storages write each at once)."""
    storage = instance.event_log_storage
    return storage.holding() if isinstance(storage, HeldEventWrites) else nullcontext()
