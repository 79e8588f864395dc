"""The production deployment on one server, for real: ``dagster-webserver`` and ``dagster-daemon`` on
the instance of deploy/dagster.yaml (a real PostgreSQL, a queued run coordinator, the API pools),
``NBA_BACKFILL_TARGET=gcp`` on the GCS and BigQuery emulators, and two overlapping backfills
launched at once through the webserver's GraphQL (``nba-backfill run --submit --url``, per-asset
ranges). What the instance and the warehouse hold afterwards is checked against the configuration.

The backfills cover phases 1-2 (the scrapers, whose pools are under test, and the raw tables):
phases 3-5 would add the 30 lookback dates of phases 1-3 to each, ~10 minutes here instead of ~3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.execution.backfill import BulkActionStatus
from dagster._core.instance.ref import InstanceRef
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from nba_backfill.backfill import submit
from nba_backfill.backfill.refresh import REFRESH_TAG
from nba_backfill.calendar import GROUP_OF_PHASE, date_range
from nba_backfill.checks.catalogue import GRAINS
from nba_backfill.graph import all_assets, checks
from nba_backfill.testing.plugin import ISOLATED_VARIABLES
from nba_backfill_tests.conftest import free_port
from nba_backfill_tests.processes import stop
from nba_backfill_tests.runs import most_at_once, step_spans
from nba_backfill_tests.storage_tests.conftest import BUCKET, PROJECT
from nba_backfill_tests.storage_tests.postgres import postgres_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INSTANCE_YAML = REPO / "deploy" / "dagster.yaml"
#: Two operators backfilling phases 1-2 at once, their ranges overlapping on Oct 23-24.
RANGES = [("2024-10-22", "2024-10-24"), ("2024-10-23", "2024-10-25")]
PHASES = "1-2"
TARGET = [str(d) for d in date_range("2024-10-22", "2024-10-25")]
ASSETS = {
    a.key.to_user_string()
    for a in all_assets
    if a.group_names_by_key[a.key] in (GROUP_OF_PHASE["phase1"], GROUP_OF_PHASE["phase2"])
}
STARTUP_SECONDS, BACKFILL_SECONDS = 120, 900


@dataclass
class Deployment:
    url: str
    env: dict[str, str]
    logs: list[Path]

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_ref(InstanceRef.from_dir(self.env["DAGSTER_HOME"]))


def _environment(root: Path, postgres: dict[str, str], bigquery: str, storage: str) -> dict[str, str]:
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    env = {k: v for k, v in os.environ.items() if k not in (*ISOLATED_VARIABLES, "DAGSTER_HOME")}
    return (
        env
        | postgres
        | {
            "DAGSTER_HOME": str(root / "dagster"),
            "NBA_BACKFILL_HOME": str(root / "home"),
            "NBA_BACKFILL_TARGET": "gcp",
            "BIGQUERY_EMULATOR_HOST": bigquery,
            "STORAGE_EMULATOR_HOST": storage,
            "NO_GCE_CHECK": "true",
            "GCP_PROJECT": PROJECT,
            "NBA_RAW_BUCKET": BUCKET,
            "NBA_RAW_PREFIX": prefix.rstrip("_"),
            "NBA_BQ_DATASET_PREFIX": prefix,
        }
    )


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(BIN / argv[0]), *argv[1:]],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_ready(processes: list[subprocess.Popen], url: str, logs: list[Path]) -> None:
    """Until the webserver answers and the daemon has written a heartbeat to Postgres."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs):
            if process.poll() is not None:
                pytest.fail(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if submit.daemon_alive(submit.over_http(f"{url}/graphql", submit.DAEMON, {})):
                return
        except submit.SubmitError:
            pass
        time.sleep(1)
    pytest.fail(
        f"webserver and daemon not ready after {STARTUP_SECONDS} s:\n"
        + "\n".join(log.read_text()[-1500:] for log in logs)
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, bigquery_emulator: str, storage_emulator: str) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("production")
    with postgres_server() as postgres:
        env = _environment(root, postgres, bigquery_emulator, storage_emulator)
        Path(env["DAGSTER_HOME"]).mkdir()
        shutil.copy(INSTANCE_YAML, Path(env["DAGSTER_HOME"]) / "dagster.yaml")  # the file as deployed
        url = f"http://127.0.0.1:{free_port()}"
        logs = [root / "webserver.log", root / "daemon.log"]
        processes = [
            _start(
                ["dagster-webserver", "-h", "127.0.0.1", "-p", url.rsplit(":", 1)[1], "-w", "workspace.yaml"],
                env,
                logs[0],
            ),
            _start(["dagster-daemon", "run", "-w", "workspace.yaml"], env, logs[1]),
        ]
        mp = pytest.MonkeyPatch()  # this process reads the same instance and warehouse
        for key, value in env.items():
            mp.setenv(key, value)
        try:
            _wait_until_ready(processes, url, logs)
            yield Deployment(url, env, logs)
        finally:
            for process in processes:
                stop(process)
            mp.undo()


@pytest.fixture(scope="module")
def reports(deployment: Deployment) -> list[dict]:
    """Both backfills submitted at the same moment, each followed to its end by its own command: two
    operators on two machines, so each has its own home (the run lock serializes the commands of one
    home; the instance and the warehouse are shared)."""
    homes = Path(deployment.env["NBA_BACKFILL_HOME"]).parent
    commands = [
        subprocess.Popen(
            [
                str(BIN / "nba-backfill"),
                "run",
                "--submit",
                "--url",
                deployment.url,
                "--start-date",
                start,
                "--end-date",
                end,
                "--phases",
                PHASES,
                "--json",
            ],
            cwd=REPO,
            env=deployment.env | {"NBA_BACKFILL_HOME": str(homes / f"operator-{n}")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, (start, end) in enumerate(RANGES)
    ]
    out = []
    for command in commands:
        stdout, stderr = command.communicate(timeout=BACKFILL_SECONDS)
        assert command.returncode == 0, (
            stdout[-3000:] + stderr[-3000:] + "\n".join(log.read_text()[-2000:] for log in deployment.logs)
        )
        out.append(json.loads(stdout))
    return out


def _limits() -> tuple[int, int]:
    """(max_concurrent_runs, runs per backfill) as deploy/dagster.yaml sets them."""
    runs = yaml.safe_load(INSTANCE_YAML.read_text())["concurrency"]["runs"]
    [per_backfill] = [t["limit"] for t in runs["tag_concurrency_limits"] if t["key"] == "dagster/backfill"]
    return runs["max_concurrent_runs"], per_backfill


def test_both_overlapping_backfills_finish_complete(deployment, reports):
    for report, (start, end) in zip(reports, RANGES):
        assert report["failed"] == report["blocked"] == {}
        # Each plan was made before either backfill wrote anything: both ran every date of theirs.
        assert report["ran"] == dict.fromkeys(ASSETS, len(date_range(start, end)))
    with deployment.instance() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        statuses = {instance.get_backfill(r["backfill_id"]).status for r in reports}
    assert statuses == {BulkActionStatus.COMPLETED_SUCCESS}


def test_the_queue_never_ran_more_runs_at_once_than_configured(deployment, reports):
    most, per_backfill = _limits()
    with deployment.instance() as instance:
        everything = instance.get_run_records()
    # Besides the backfills' runs, each command refreshed the completeness report in the instance
    # once its backfill ended (a run of its own, executed by the command, not queued).
    records = [r for r in everything if "dagster/backfill" in r.dagster_run.tags]
    assert all(REFRESH_TAG in r.dagster_run.tags for r in everything if r not in records)
    spans = {r.dagster_run.run_id: (r.start_time, r.end_time) for r in records}
    assert all(start and end for start, end in spans.values())
    by_backfill: dict[str, list] = {}
    for record in records:
        by_backfill.setdefault(record.dagster_run.tags["dagster/backfill"], []).append(spans[record.dagster_run.run_id])
    assert set(by_backfill) == {r["backfill_id"] for r in reports}
    assert most_at_once(list(spans.values())) <= most
    assert max(most_at_once(s) for s in by_backfill.values()) <= per_backfill
    # Not vacuous: the two backfills did run side by side.
    assert most_at_once(list(spans.values())) > 1


def test_no_two_scrapes_of_one_api_overlapped_across_runs(deployment, reports):
    pool_of = {a.op.name: a.op.pool for a in all_assets if a.op.pool}
    by_pool: dict[str, list[tuple[float, float]]] = {}
    with deployment.instance() as instance:
        for record in instance.get_run_records():
            for step, (_, started, finished) in step_spans(instance, record.dagster_run.run_id).items():
                if step in pool_of:
                    by_pool.setdefault(pool_of[step], []).append((started, finished))
    assert set(by_pool) == set(pool_of.values())
    # Both backfills scraped every asset: each pool served both, one call at a time.
    assert all(len(spans) >= 2 * sum(p == pool for p in pool_of.values()) for pool, spans in by_pool.items())
    assert {pool: most_at_once(spans) for pool, spans in by_pool.items()} == {pool: 1 for pool in by_pool}


def test_bigquery_holds_no_duplicate_rows(deployment, reports):
    from nba_backfill.storage.gcp import gcp_storage

    warehouse = gcp_storage()["warehouse"]
    duplicated, rows = {}, {}
    for asset, keys in ((a, k) for a, k in GRAINS.items() if a in ASSETS):
        table = asset.replace("/", ".")
        grain = ", ".join(dict.fromkeys(["game_date", *keys]))
        duplicated[asset] = int(
            warehouse.query(
                f"SELECT count(*) AS n FROM (SELECT {grain} FROM {table} GROUP BY {grain} HAVING count(*) > 1)"
            )["n"][0]
        )
        rows[asset] = int(warehouse.query(f"SELECT count(*) AS n FROM {table}")["n"][0])
    assert duplicated == dict.fromkeys(rows, 0) and len(rows) == 6
    assert rows["nba_raw/nbac_schedule"] > 0 and rows["nba_raw/nbac_play_by_play"] > 0


def test_every_check_has_a_result_per_partition_in_postgres(deployment, reports):
    ran = [c for c in checks if c.asset in ASSETS]
    with deployment.instance() as instance:
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        infos = instance.event_log_storage.get_asset_check_partition_info([c.key for c in ran], partition_keys=TARGET)
    results = {(i.check_key, i.partition_key): i.latest_execution_status.value for i in infos}
    assert set(results) == {(c.key, day) for c in ran for day in TARGET}
    assert {results[(c.key, day)] for c in ran if c.blocking for day in TARGET} == {"SUCCEEDED"}
