"""Benchmark: validate's check results written to the instance's event log, event by event (Dagster's
own storages) and in bulk (the platform's: storage/held_events.py), on SQLite and on a real
PostgreSQL started here (Debian's, as the production instance's test starts it).

    python bench/event_log.py            # 2,000 results (20 checks x 100 dates) per storage
    python bench/event_log.py --results 5000

Each storage gets a fresh instance; ``backfill/revalidate.py: record`` writes the same results into
each (what ``validate`` does, ~12.5k results over a season). Results go to bench/results/event_log.json
with the machine and its load (shared: compare the ratios, measured side by side).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test helper that starts PostgreSQL
sys.path.insert(0, str(REPO / "bench"))

from season import load, machine, provenance  # noqa: E402

from nba_backfill_tests.storage_tests.postgres import (  # noqa: E402
    INSTANCE_YAML,
    create_database,
    plain_instance_yaml,
    postgres_server,
)

RESULTS = REPO / "bench" / "results"
CHECKS = 20


def results(count: int):
    """``count`` results as ``checks/catalogue.py: evaluate`` gives them: CHECKS checks over dates."""
    import pandas as pd

    start = dt.date(2023, 10, 24)
    return pd.DataFrame(
        {
            "asset": "nba_raw/nbac_gamebook_player_stats",
            "check": f"check_{n % CHECKS}",
            "game_date": start + dt.timedelta(days=n // CHECKS),
            "passed": n % 97 != 0,
            "severity": "ERROR",
            "blocking": True,
            "description": "",
            "metadata": {"rows": n},
        }
        for n in range(count)
    )


def timed_record(instance_dir: Path, count: int) -> float:
    import dagster as dg

    from nba_backfill.backfill.revalidate import record

    frame = results(count)
    with dg.DagsterInstance.from_config(str(instance_dir)) as instance:
        instance.event_log_storage  # noqa: B018 (created, tables included, before the clock starts)
        began = time.perf_counter()
        record(instance, frame, "bench")
        seconds = time.perf_counter() - began
    return seconds


def instances(root: Path) -> dict[str, Path]:
    """The four instances: SQLite and Postgres, each with Dagster's event log and the platform's."""
    from nba_backfill.backfill.cli import instance_yaml

    files = {
        "sqlite_dagster": None,  # Dagster's default: SQLite, no dagster.yaml
        "sqlite_platform": lambda d: instance_yaml(d),
        "postgres_dagster": lambda d: plain_instance_yaml("plain"),
        "postgres_platform": lambda d: INSTANCE_YAML.read_text(),
    }
    dirs = {}
    for name, text in files.items():
        (root / name).mkdir()
        if text is not None:
            (root / name / "dagster.yaml").write_text(text(root / name))
        dirs[name] = root / name
    return dirs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=int, default=2000, help="check results per storage")
    args = parser.parse_args()
    began, load_before = provenance(), load()
    rows = {}
    root = Path(tempfile.mkdtemp(prefix="nba-bench-events-"))
    try:
        with postgres_server() as pg:
            os.environ.update(pg)
            create_database(pg, "plain")
            for name, instance_dir in instances(root).items():
                seconds = timed_record(instance_dir, args.results)
                rows[name] = {"results": args.results, "seconds": round(seconds, 2)}
                rows[name]["ms_per_result"] = round(1000 * seconds / args.results, 3)
                print(f"{name:18} {args.results} results {seconds:7.2f}s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report = {
        "command": f"python bench/event_log.py --results {args.results}",
        "rows": rows,
        "speedup": {
            store: round(rows[f"{store}_dagster"]["seconds"] / rows[f"{store}_platform"]["seconds"], 1)
            for store in ("sqlite", "postgres")
        },
        "machine": machine(),
        "load_average_1_5_15": {"before": load_before, "after": load()},
    } | began
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "event_log.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
