"""The local instance's event log: Dagster's SQLite history, written through kept-open connections."""

from __future__ import annotations

import dagster as dg
import sqlalchemy

from nba_backfill.backfill import cli
from nba_backfill.storage.event_log import OPEN_RUN_SHARDS, PooledSqliteEventLogStorage
from nba_backfill_tests.storage_tests.event_history import (
    DAYS,
    RANGE,
    RUN_A,
    VALIDATED,
    games,
    run_then_validate,
    store_mixed_batches,
    stored,
    stored_rows,
    validate_results,
)


@dg.asset(partitions_def=DAYS)
def box_scores() -> int:
    return 1


@dg.asset_check(asset=box_scores, blocking=True)
def has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _materialize(instance: dg.DagsterInstance, day: str) -> None:
    assert dg.materialize([box_scores, has_rows], partition_key=day, instance=instance).success


def test_the_local_instance_reads_and_extends_the_history_dagsters_default_storage_wrote(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    with dg.DagsterInstance.from_config(str(home)) as plain:  # a home from before this storage
        _materialize(plain, "2024-10-22")
    (home / "dagster.yaml").write_text(cli.instance_yaml(home))
    days = [f"2024-11-{d:02d}" for d in range(1, OPEN_RUN_SHARDS + 4)]  # more runs than shards kept open

    with dg.DagsterInstance.from_config(str(home)) as pooled:
        assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
        for day in days:
            _materialize(pooled, day)
        assert len(pooled.event_log_storage._engines) <= OPEN_RUN_SHARDS + 1  # the index and the newest runs

    with dg.DagsterInstance.from_config(str(home)) as reader:  # another process, e.g. dagster dev
        assert len(reader.get_run_records()) == 1 + len(days)
        assert reader.get_materialized_partitions(box_scores.key) == {"2024-10-22", *days}
        checked = reader.event_log_storage.get_asset_check_partition_info([has_rows.check_key])
        assert {i.partition_key for i in checked if i.partition_key} == {"2024-10-22", *days}
        run = reader.get_run_records(limit=1)[0].dagster_run
        assert any(e.dagster_event.is_step_success for e in reader.all_logs(run.run_id) if e.is_dagster_event)


def test_a_wiped_instance_forgets_its_runs_through_the_kept_open_connections(tmp_path):
    (tmp_path / "dagster.yaml").write_text(cli.instance_yaml(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        _materialize(instance, "2024-10-22")
        old_run = instance.get_run_records()[0].dagster_run.run_id
        assert instance.all_logs(old_run)

        instance.wipe()
        assert instance.all_logs(old_run) == []  # not read from the deleted file through an open engine
        _materialize(instance, "2024-10-23")
        assert instance.get_materialized_partitions(box_scores.key) == {"2024-10-23"}


def test_a_range_steps_bookkeeping_and_validates_results_are_written_in_bulk_and_read_the_same(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "pooled").mkdir()
    plain_commits = run_then_validate(tmp_path / "plain")  # Dagster's own SQLite storage
    (tmp_path / "pooled" / "dagster.yaml").write_text(cli.instance_yaml(tmp_path / "pooled"))
    pooled_commits = run_then_validate(tmp_path / "pooled")

    plain, pooled = stored(tmp_path / "plain"), stored(tmp_path / "pooled")
    assert pooled == plain  # every stored row, the partitions, the check results and the gate's answer
    # validate's results are the latest: RANGE[3]'s failure is superseded, RANGE[6]'s is at WARN only.
    assert plain["gate"] == [(VALIDATED[0], RANGE[5])]
    assert (str(VALIDATED[1]), RANGE[6], "FAILED") in plain["check_status"]
    assert len(plain["materialized"]) == len(RANGE) and len(plain["run_event_logs"]) > 3 * len(RANGE)
    # Event by event two or three commits each; in bulk a handful per step, and per validate.
    (plain_run, plain_validate), (pooled_run, pooled_validate) = plain_commits, pooled_commits
    assert plain_run > 3 * len(RANGE) and pooled_run < plain_run - 2 * len(RANGE), plain_commits
    results = len(validate_results())
    # The run record and one transaction per shard, however many results.
    assert plain_validate >= 2 * results and pooled_validate <= 10, (plain_commits, pooled_commits)


def test_every_kind_of_held_event_is_stored_row_for_row_as_dagsters_storage_stores_it(tmp_path):
    plain_home, pooled_home = tmp_path / "plain", tmp_path / "pooled"
    for home in (plain_home, pooled_home):
        home.mkdir()
    (pooled_home / "dagster.yaml").write_text(cli.instance_yaml(pooled_home))
    for home in (plain_home, pooled_home):
        store_mixed_batches(home)

    plain, pooled = stored_rows(plain_home), stored_rows(pooled_home)
    assert pooled == plain  # every row and column, ids included, but when the database wrote it
    statuses = {(r[1], r[2], r[3], r[4]): r[5] for r in plain["asset_check_executions"]}
    # Planned rows updated by evaluations in their batch and in a later one (the last result
    # stands); rows no plan made, inserted, then updated; the runless result.
    assert statuses[(games.key.to_string(), "games_counted", RANGE[0], RUN_A)] == "SUCCEEDED"
    assert statuses[(games.key.to_string(), "games_counted", RANGE[1], RUN_A)] == "FAILED"
    assert statuses[(games.key.to_string(), "games_counted", RANGE[2], RUN_A)] == "SUCCEEDED"
    assert statuses[(games.key.to_string(), "games_counted", RANGE[4], RUN_A)] == "SUCCEEDED"
    assert statuses[(games.key.to_string(), "games_counted", None, RUN_A)] == "FAILED"
    assert statuses[(games.key.to_string(), "games_unique", RANGE[5], "")] == "FAILED"
    assert len(statuses) == len(plain["asset_check_executions"]) == 8
    assert [r[3:5] for r in plain["asset_event_tags"]] == [
        ("dagster/data_version", v) for v in ("v1", "o1", "v2", "v3")
    ]


def _schema(path) -> tuple[list, list]:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        tables = conn.execute(sqlalchemy.text("SELECT type, name, sql FROM sqlite_master ORDER BY name")).all()
        revision = conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).all()
        mode = conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar()
    engine.dispose()
    return [tuple(t) for t in tables], [tuple(r) for r in revision] + [mode]


def test_a_new_runs_shard_copied_from_a_blank_one_is_the_shard_dagster_creates(tmp_path):
    plain_home, pooled_home = tmp_path / "plain", tmp_path / "pooled"
    for home in (plain_home, pooled_home):
        home.mkdir()
    (pooled_home / "dagster.yaml").write_text(cli.instance_yaml(pooled_home))
    shards = {}
    for home in (plain_home, pooled_home):
        with dg.DagsterInstance.from_config(str(home)) as instance:
            _materialize(instance, "2024-10-22")
            _materialize(instance, "2024-10-23")  # the second shard: copied from the blank one
            run_ids = [r.dagster_run.run_id for r in instance.get_run_records()]
            shards[home] = [instance.event_log_storage.path_for_shard(r) for r in run_ids]
            if home == pooled_home:  # the copies were made, not Dagster's own creation
                assert instance.event_log_storage._blank_shard is not None
            assert len(instance.all_logs(run_ids[0])) == len(instance.all_logs(run_ids[1]))
    for plain, pooled in zip(shards[plain_home], shards[pooled_home]):
        assert _schema(pooled) == _schema(plain)
    runs_dir = pooled_home / "history" / "runs"
    assert sorted(p.name for p in runs_dir.iterdir() if p.name.startswith(".")) == []  # no partial copies left


def test_the_shards_commit_to_the_write_ahead_log_and_sync_at_checkpoints(tmp_path):
    (tmp_path / "dagster.yaml").write_text(cli.instance_yaml(tmp_path))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        _materialize(instance, "2024-10-22")
        storage = instance.event_log_storage
        run_id = instance.get_run_records()[0].dagster_run.run_id
        for shard in (run_id, "index"):
            with storage._connect(shard) as conn:
                assert conn.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(sqlalchemy.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
