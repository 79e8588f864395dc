"""Benchmark: what keeping replaced partitions costs a forced rewrite, and how long a rollback takes.

    python bench/kept.py                                    # 2024-10-22 .. 2024-11-21, backfilled first (not timed)
    python bench/kept.py --start 2024-10-22 --end 2024-11-04 --home .nba_backfill   # reuse a home

Every table of the range is written again as it is, partition by partition range, the way a
``run --force`` writes it: once without keeping, once keeping under an operation id (which copies
the rows about to be replaced into nba_kept). Then that operation is rolled back (DuckDB).
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

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 10, 22))
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2024, 11, 21))
    parser.add_argument("--home", help="an NBA_BACKFILL_HOME that already holds the range")
    args = parser.parse_args()
    os.environ["NBA_BACKFILL_HOME"] = args.home or tempfile.mkdtemp(prefix="nba-bench-")

    from nba_backfill.backfill.execute import materialize_range
    from nba_backfill.calendar import date_range
    from nba_backfill.environment import resources

    platform = resources()
    if not args.home:
        materialize_range(args.start, args.end, resources=platform, log_level="ERROR")
    warehouse, dates = platform["warehouse"], date_range(args.start, args.end)
    tables = sorted(t for t in set(warehouse.ledger()["table_name"]) if not t.startswith("scraped."))
    frames = {t: warehouse.read(t, dates) for t in tables}

    def rewrite(keep_as: str | None) -> float:
        began = time.perf_counter()
        for table, frame in frames.items():
            warehouse.replace_partitions(table, frame, dates, keep_as)
        return time.perf_counter() - began

    plain = rewrite(None)
    keeping = rewrite("bench-kept")
    began = time.perf_counter()
    warehouse.restore("bench-kept")
    restore = time.perf_counter() - began
    report = {
        "dates": len(dates),
        "tables": len(tables),
        "rows": sum(len(f) for f in frames.values()),
        "rewrite_seconds": round(plain, 2),
        "rewrite_keeping_seconds": round(keeping, 2),
        "rollback_seconds": round(restore, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kept.json").write_text(json.dumps(report, indent=2))
    print(
        f"{report['rows']} rows of {report['tables']} tables over {report['dates']} dates: rewritten in "
        f"{report['rewrite_seconds']} s, {report['rewrite_keeping_seconds']} s keeping what was replaced; "
        f"rolled back in {report['rollback_seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
