"""Benchmark: evaluate every asset check over the 2023-24 season (target ≤ 30 s on 2 cores).

    python bench/checks.py                      # backfills the season first (not timed), then times the checks
    python bench/checks.py --home .nba_backfill # reuse a home that already holds the season

The checks run as ``nba-backfill validate`` runs them: every check over every date, each table
read once per evaluation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

SEASON = (dt.date(2023, 10, 1), dt.date(2024, 4, 14))
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", help="an NBA_BACKFILL_HOME that already holds the season")
    args = parser.parse_args()
    os.environ["NBA_BACKFILL_HOME"] = args.home or tempfile.mkdtemp(prefix="nba-bench-")

    from nba_backfill.backfill.execute import materialize_range
    from nba_backfill.calendar import date_range
    from nba_backfill.checks.catalogue import evaluate
    from nba_backfill.checks.data import CheckData
    from nba_backfill.environment import resources
    from nba_backfill.graph import checks

    platform = resources()
    if not args.home:
        materialize_range(*SEASON, resources=platform, log_level="ERROR")
    began = time.perf_counter()
    results = evaluate(checks, date_range(*SEASON), CheckData(platform["warehouse"], platform["raw_store"]))
    seconds = time.perf_counter() - began
    report = {
        "checks": len(checks),
        "dates": len(date_range(*SEASON)),
        "evaluations": len(results),
        "failed": int((~results["passed"]).sum()),
        "seconds": round(seconds, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "checks.json").write_text(json.dumps(report, indent=2))
    print(
        f"{report['checks']} checks x {report['dates']} dates = {report['evaluations']} evaluations "
        f"in {report['seconds']} s ({report['failed']} failed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
