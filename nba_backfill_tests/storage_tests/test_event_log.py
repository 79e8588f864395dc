"""The local instance's event log: Dagster's SQLite history, written through kept-open connections."""

from __future__ import annotations

import warnings

import dagster as dg
import sqlalchemy

from nba_backfill.backfill import cli
from nba_backfill.phases.gate import failed_checks
from nba_backfill.storage.event_log import OPEN_RUN_SHARDS, PooledSqliteEventLogStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2024-10-22")


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


def _range_run(instance: dg.DagsterInstance) -> None:
    tags = {"dagster/asset_partition_range_start": RANGE[0], "dagster/asset_partition_range_end": RANGE[-1]}
    assert dg.materialize([games, games_counted], instance=instance, tags=tags).success


def _commits(instance_dir, yaml: str | None) -> tuple[int, dict]:
    """Commits a range run takes, and what the instance reads back of it afterwards."""
    if yaml is not None:
        (instance_dir / "dagster.yaml").write_text(yaml)
    commits = []
    listener = lambda conn: commits.append(1)  # noqa: E731
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "commit", listener)
    try:
        with dg.DagsterInstance.from_config(str(instance_dir)) as instance:
            _range_run(instance)
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "commit", listener)
    with dg.DagsterInstance.from_config(str(instance_dir)) as reader:
        storage = reader.event_log_storage
        run = reader.get_run_records(limit=1)[0].dagster_run
        checked = storage.get_asset_check_partition_info([games_counted.check_key], partition_keys=RANGE)
        read = {
            "events": [e.dagster_event.event_type_value for e in reader.all_logs(run.run_id) if e.is_dagster_event],
            "materialized": reader.get_materialized_partitions(games.key),
            "checks": sorted((i.partition_key, i.latest_execution_status.value) for i in checked),
            "gate": sorted(failed_checks(reader, [games_counted.check_key], RANGE)),
        }
    return len(commits), read


def test_a_range_steps_materializations_and_check_evaluations_are_written_in_bulk_and_read_the_same(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "pooled").mkdir()
    plain_commits, plain = _commits(tmp_path / "plain", None)  # Dagster's own SQLite storage
    pooled_commits, pooled = _commits(tmp_path / "pooled", cli.instance_yaml(tmp_path / "pooled"))
    assert pooled == plain  # the history, the partitions, the check results and the gate's answer
    assert plain["gate"] == [(games_counted.check_key, RANGE[3])] and len(plain["materialized"]) == len(RANGE)
    # Per event two or three transactions; in bulk a handful per step, whatever the range.
    assert plain_commits > 3 * len(RANGE) and pooled_commits < plain_commits - 2 * len(RANGE), (
        plain_commits,
        pooled_commits,
    )


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
