"""Benchmark: one daemon backfill on the production deployment, its ranges in one run per phase group
against disjoint date chunks in parallel runs (``NBA_BACKFILL_RUN_DATES``).

    python bench/concurrency.py                                   # Nov 1-7 2024, phases 1-5, chunks of 19 dates
    python bench/concurrency.py --start 2024-11-01 --end 2024-11-30 --chunk 31   # the month

Each mode gets a fresh PostgreSQL (the instance of deploy/dagster.yaml: 4 runs at once, 2 per
backfill, one call at a time per API), fresh BigQuery and GCS emulators (separate processes) and
``dagster-daemon run``; ``nba-backfill run --submit`` launches the backfill and follows it to its
end, which is the time measured. Needs the test extra (emulators, dagster-postgres) and Debian's
PostgreSQL. Figures go to bench/results/concurrency.json. The machine is shared and noisy, and the
emulators serve every writer from one process: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test helpers: Debian's PostgreSQL, the emulator patches

from nba_backfill_tests.conftest import free_port  # noqa: E402
from nba_backfill_tests.processes import stop  # noqa: E402
from nba_backfill_tests.runs import most_at_once  # noqa: E402
from nba_backfill_tests.storage_tests.conftest import BUCKET, PROJECT  # noqa: E402
from nba_backfill_tests.storage_tests.postgres import postgres_server  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
STARTUP_SECONDS = 120
BIGQUERY = (
    "from nba_backfill_tests.storage_tests.conftest import _patch_bqemulator; _patch_bqemulator(); "
    "import sys; from bqemulator.cli import main; sys.argv = ['bqemulator', *sys.argv[1:]]; main()"
)


@contextmanager
def server(argv: list[str], env: dict[str, str], log: Path):
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop(process)


def wait_for(ready, what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} not ready after {STARTUP_SECONDS} s:\n{log.read_text()[-2000:]}")


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def daemon_beating(env: dict[str, str]) -> bool:
    """The backfill daemon wrote a heartbeat to the instance."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    os.environ.update(env)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"])) as instance:
        return "BACKFILL" in instance.get_daemon_heartbeats()


def _runs(env: dict[str, str]) -> tuple[int, int]:
    """(runs, most runs in progress at once), from the instance."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    os.environ.update(env)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"])) as instance:
        spans = [(r.start_time, r.end_time) for r in instance.get_run_records()]
    return len(spans), most_at_once(spans)


def measure(mode: str, run_dates: str, start: str, end: str, phases: str) -> dict:
    root = Path(tempfile.mkdtemp(prefix="nba-bench-concurrency-"))
    try:
        with ExitStack() as stack:
            postgres = stack.enter_context(postgres_server())
            bq_port, gcs_port = free_port(), free_port()
            prefix = f"b{uuid.uuid4().hex[:8]}_"
            env = (
                {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DAGSTER_"))}
                | postgres
                | {
                    "DAGSTER_HOME": str(root / "dagster"),
                    "NBA_BACKFILL_HOME": str(root / "home"),
                    "NBA_BACKFILL_TARGET": "gcp",
                    "NBA_BACKFILL_RUN_DATES": run_dates,
                    "BIGQUERY_EMULATOR_HOST": f"http://127.0.0.1:{bq_port}",
                    "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{gcs_port}",
                    "NO_GCE_CHECK": "true",
                    "GCP_PROJECT": PROJECT,
                    "NBA_RAW_BUCKET": BUCKET,
                    "NBA_RAW_PREFIX": prefix.rstrip("_"),
                    "NBA_BQ_DATASET_PREFIX": prefix,
                    "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false",
                }
            )
            (root / "dagster").mkdir()
            shutil.copy(REPO / "deploy" / "dagster.yaml", root / "dagster" / "dagster.yaml")
            stack.enter_context(
                server(
                    [
                        sys.executable,
                        "-c",
                        BIGQUERY,
                        "start",
                        "--rest-port",
                        str(bq_port),
                        "--grpc-port",
                        "0",
                        "--project",
                        PROJECT,
                        "--log-level",
                        "warning",
                    ],
                    env,
                    root / "bigquery.log",
                )
            )
            stack.enter_context(
                server(
                    [
                        str(BIN / "gcp-storage-emulator"),
                        "start",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(gcs_port),
                        "--in-memory",
                        "--default-bucket",
                        BUCKET,
                        "-q",
                    ],
                    env,
                    root / "gcs.log",
                )
            )
            wait_for(lambda: _answers(f"http://127.0.0.1:{bq_port}/healthz"), "bqemulator", root / "bigquery.log")
            wait_for(lambda: _answers(f"http://127.0.0.1:{gcs_port}/"), "gcp-storage-emulator", root / "gcs.log")
            stack.enter_context(
                server([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, root / "daemon.log")
            )
            wait_for(lambda: daemon_beating(env), "dagster-daemon", root / "daemon.log")

            began = time.perf_counter()
            done = subprocess.run(
                [
                    str(BIN / "nba-backfill"),
                    "run",
                    "--submit",
                    "--start-date",
                    start,
                    "--end-date",
                    end,
                    "--phases",
                    phases,
                    "--json",
                ],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - began
            report = json.loads(done.stdout) if done.stdout.strip() else {}
            runs, together = _runs(env)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "mode": mode,
        "run_dates": run_dates,
        "start": start,
        "end": end,
        "phases": phases,
        "ok": done.returncode == 0 and not report.get("failed"),
        "seconds": round(seconds, 1),
        "partitions": sum(report.get("ran", {}).values()),
        "runs": runs,
        "most_runs_at_once": together,
        "error": None if done.returncode == 0 else done.stderr.strip().splitlines()[-1:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", default="2024-11-01")
    parser.add_argument("--end", default="2024-11-07")
    parser.add_argument("--phases", default="1-5")
    parser.add_argument(
        "--chunk",
        type=int,
        default=19,
        help="dates per run in the parallel mode (7 was far slower here: a run's start costs minutes)",
    )
    args = parser.parse_args()

    one = measure("one_run_per_phase_group", "all", args.start, args.end, args.phases)
    print(json.dumps(one), flush=True)
    chunked = measure("parallel_chunks", str(args.chunk), args.start, args.end, args.phases)
    print(json.dumps(chunked), flush=True)
    result = {
        "one_run": one,
        "parallel_runs": chunked,
        "speedup_parallel_over_one_run": round(one["seconds"] / chunked["seconds"], 2),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "concurrency.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"one run per phase group: {one['seconds']} s ({one['runs']} runs); parallel chunks of {args.chunk} dates: "
        f"{chunked['seconds']} s ({chunked['runs']} runs, at most {chunked['most_runs_at_once']} at once); "
        f"speed-up {result['speedup_parallel_over_one_run']}x"
    )
    return 0 if one["ok"] and chunked["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
