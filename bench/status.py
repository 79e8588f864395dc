"""Benchmark: `nba-backfill status` over the 2023-24 season (target <= 5 s on 2 cores).

    python bench/status.py                      # backfills the season first (not timed), then times status
    python bench/status.py --home .nba_backfill # reuse a home that already holds the season

Times the completeness model as the command runs it (every partition's state: ledger, rows'
fingerprints, schedule finality, odds per final game, accepted gaps, the instance's failures and
check results), in process after imports, and the whole command as a subprocess. Figures go to
bench/results/status.json. The machine is shared and noisy: the best of three is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEASON = (dt.date(2023, 10, 1), dt.date(2024, 4, 14))
STATUS = ("2023-10-24", "2024-04-14")
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", help="an NBA_BACKFILL_HOME that already holds the season")
    args = parser.parse_args()
    os.environ["NBA_BACKFILL_HOME"] = args.home or tempfile.mkdtemp(prefix="nba-bench-")

    import dagster as dg

    from nba_backfill import settings
    from nba_backfill.backfill.execute import materialize_range
    from nba_backfill.backfill.service import Session
    from nba_backfill.calendar import PHASES
    from nba_backfill.environment import resources

    chosen = resources()
    if not args.home:
        materialize_range(*SEASON, resources=chosen, log_level="ERROR")
    command = []  # first: the command prepares the home's Dagster instance
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nba_backfill.backfill.cli",
                "status",
                "--start-date",
                STATUS[0],
                "--end-date",
                STATUS[1],
            ],
            capture_output=True,
            check=False,
        )
        command.append(time.perf_counter() - began)
    in_process = []
    with dg.DagsterInstance.from_config(str(settings.dagster_home())) as instance:
        for _ in range(3):
            began = time.perf_counter()
            matrix = Session(instance, chosen).matrix(*map(dt.date.fromisoformat, STATUS))
            in_process.append(time.perf_counter() - began)
    complete = matrix[list(PHASES)].eq("complete").all(axis=1)
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_1_5_15": os.getloadavg()},
        "dates": len(matrix),
        "complete_game_dates": int(complete.sum()),
        "status_model_seconds": round(min(in_process), 2),
        "status_command_seconds": round(min(command), 2),
        "target_seconds": 5,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "status.json").write_text(json.dumps(report, indent=2))
    print(
        f"status over {report['dates']} dates: model {report['status_model_seconds']} s, "
        f"whole command {report['status_command_seconds']} s (target {report['target_seconds']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
