"""Two runs reaching a new pool at once on the production instance (a real PostgreSQL): both find no
limit row for it and both create it. Dagster 1.13's Postgres storage failed the second run
(INSERT, duplicate key, then an UPDATE in the transaction Postgres had aborted: the intermittent
failure of test_production_instance's overlapping backfills); the platform's event log creates the
row in one statement. Each race is set up deterministically, without timing."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy
import yaml
from dagster._core.storage.event_log.schema import ConcurrencySlotsTable

from nba_backfill.storage.postgres_event_log import BulkPostgresEventLogStorage
from nba_backfill_tests.storage_tests.postgres import (
    INSTANCE_YAML,
    create_database,
    plain_instance_yaml,
    postgres_server,
)

pytestmark = pytest.mark.slow

POOL = "nba_stats_api"
WAIT_SECONDS = 60


def _slots(instance: dg.DagsterInstance) -> int:
    with instance.event_log_storage.index_connection() as conn:
        return conn.execute(
            sqlalchemy.select(sqlalchemy.func.count())
            .select_from(ConcurrencySlotsTable)
            .where(ConcurrencySlotsTable.c.concurrency_key == POOL, ConcurrencySlotsTable.c.deleted.is_(False))
        ).scalar_one()


def _waiting_on_a_lock(instance: dg.DagsterInstance) -> bool:
    with instance.event_log_storage.index_connection() as conn:
        return bool(
            conn.execute(
                sqlalchemy.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
        )


@pytest.fixture
def homes(tmp_path, monkeypatch) -> dict[str, Path]:
    """DAGSTER_HOMEs on one server: the deployed instance, and Dagster's own storage with the same
    pools (in a database of its own)."""
    with postgres_server() as pg:
        for key, value in pg.items():
            monkeypatch.setenv(key, value)
        create_database(pg, "plain")
        deployed, plain = tmp_path / "deployed", tmp_path / "plain"
        deployed.mkdir(), plain.mkdir()
        shutil.copy(INSTANCE_YAML, deployed / "dagster.yaml")
        pools = {"concurrency": yaml.safe_load(INSTANCE_YAML.read_text())["concurrency"]}
        (plain / "dagster.yaml").write_text(yaml.safe_dump(yaml.safe_load(plain_instance_yaml("plain")) | pools))
        yield {"deployed": deployed, "plain": plain}


def test_a_pool_another_run_just_created_is_taken_as_it_is(homes):
    # Between a run's "no limit row for this pool" and its creating one, the other run created it.
    for home in homes.values():
        with dg.DagsterInstance.from_config(str(home)) as other:
            assert other.event_log_storage.initialize_concurrency_limit_to_default(POOL)
    with dg.DagsterInstance.from_config(str(homes["deployed"])) as run:
        assert isinstance(run.event_log_storage, BulkPostgresEventLogStorage)
        assert run.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        assert _slots(run) == 1  # pools.default_limit, not one slot per run that created the row
    # What failed the run before: Dagster's own storage, same order of events (when this no longer
    # raises, Dagster fixed dagster-io/dagster#33552 and the override can go).
    with dg.DagsterInstance.from_config(str(homes["plain"])) as run:
        with pytest.raises(sqlalchemy.exc.InternalError, match="InFailedSqlTransaction"):
            run.event_log_storage.initialize_concurrency_limit_to_default(POOL)


def test_two_runs_creating_a_pool_at_once_share_its_one_slot(homes):
    # The other run has created the row and allocated its slot, not yet committed: this run's
    # creation waits for that transaction (the row's lock), then finds the slot there.
    with (
        dg.DagsterInstance.from_config(str(homes["deployed"])) as other,
        dg.DagsterInstance.from_config(str(homes["deployed"])) as run,
    ):
        outcome: list[object] = []

        def initialize() -> None:
            try:
                outcome.append(run.event_log_storage.initialize_concurrency_limit_to_default(POOL))
            except Exception as err:  # reported below, in the test's thread
                outcome.append(err)

        with other.event_log_storage.index_transaction() as conn:
            conn.execute(
                sqlalchemy.text(
                    'INSERT INTO concurrency_limits (concurrency_key, "limit", using_default_limit) '
                    "VALUES (:key, 1, true)"
                ),
                {"key": POOL},
            )
            other.event_log_storage._allocate_concurrency_slots(conn, POOL, 1)  # as Dagster's creation does
            racing = threading.Thread(target=initialize)
            racing.start()
            deadline = time.monotonic() + WAIT_SECONDS
            while not _waiting_on_a_lock(other) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _waiting_on_a_lock(other) and not outcome, outcome
        racing.join(WAIT_SECONDS)
        assert outcome == [True]
        assert _slots(run) == 1
