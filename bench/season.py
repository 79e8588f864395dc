"""Benchmark: a full season of all 24 assets from empty, and range runs against one run per partition.

    python bench/season.py              # full report (~3 minutes on 2 cores)
    python bench/season.py --quick      # a 14-day slice only
    python bench/season.py --command-line # also the season through `nba-backfill run`, as operators run it

Each measurement runs in a fresh subprocess with a fresh NBA_BACKFILL_HOME, so peak RSS is that
measurement's own. Figures are printed and written to bench/results/season.json. The machine is
shared and noisy: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEASON = ("2023-10-01", "2024-04-14")
COMMAND_LINE_SEASON = ("2023-10-24", "2024-04-14")  # opening night on: the command adds the lookback before it
SLICE = ("2023-10-24", "2023-11-06")  # opening night + 13: every lookback window is in season
RESULTS = Path(__file__).resolve().parent / "results"


def measure(mode: str, start: str, end: str) -> dict:
    """Run in the child: materialize and report wall time and peak RSS."""
    from nba_backfill.backfill.execute import materialize_range

    began = time.perf_counter()
    if mode == "range":
        ok = materialize_range(start, end, raise_on_error=False).success
    elif mode == "command_line":  # plan, phase by phase runs recorded in the SQLite instance, final report
        from nba_backfill.backfill.cli import main as nba_backfill

        with contextlib.redirect_stdout(io.StringIO()):
            ok = nba_backfill(["run", "--start-date", start, "--end-date", end, "--json"]) == 0
    else:
        day, last, ok = dt.date.fromisoformat(start), dt.date.fromisoformat(end), True
        while day <= last and ok:
            ok = materialize_range(day, day, raise_on_error=False).success
            day += dt.timedelta(days=1)
    seconds = time.perf_counter() - began
    dates = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    return {
        "mode": mode,
        "start": start,
        "end": end,
        "ok": ok,
        "dates": dates,
        "seconds": round(seconds, 2),
        "seconds_per_date": round(seconds / dates, 3),
        "dates_per_hour": round(3600 * dates / seconds),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def in_subprocess(mode: str, start: str, end: str) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {"NBA_BACKFILL_HOME": home}
        for variable in ("NBA_SIM_OUTAGES", "NBA_SIM_CORRUPT", "DAGSTER_HOME"):
            env.pop(variable, None)
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, start, end], env=env, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the full season")
    parser.add_argument(
        "--command-line",
        action="store_true",
        help="also run the season through `nba-backfill run`, recorded in its Dagster instance",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0

    runs = {
        "slice_range": in_subprocess("range", *SLICE),
        "slice_per_partition": in_subprocess("per_partition", *SLICE),
    }
    if not args.quick:
        runs["season_range"] = in_subprocess("range", *SEASON)
    if args.command_line:
        runs["season_command_line"] = in_subprocess("command_line", *COMMAND_LINE_SEASON)
    ratio = runs["slice_per_partition"]["seconds_per_date"] / runs["slice_range"]["seconds_per_date"]
    report = {"runs": runs, "range_speedup_per_date_on_slice": round(ratio, 1)}
    if "season_range" in runs:
        report["season_vs_per_partition_per_date"] = round(
            runs["slice_per_partition"]["seconds_per_date"] / runs["season_range"]["seconds_per_date"], 1
        )
    if "season_range" in runs and "season_command_line" in runs:
        report["command_line_vs_season_range"] = round(
            runs["season_command_line"]["seconds"] / runs["season_range"]["seconds"], 2
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "season.json").write_text(json.dumps(report, indent=2))
    for name, run in runs.items():
        print(
            f"{name:22} ok={run['ok']} dates={run['dates']:4} wall={run['seconds']:7.1f}s "
            f"dates/hour={run['dates_per_hour']:7} peak_rss={run['peak_rss_mib']} MiB"
        )
    print(f"range run vs one run per partition, per date (14-day slice): {report['range_speedup_per_date_on_slice']}x")
    if "season_vs_per_partition_per_date" in report:
        print(f"season range run vs one run per partition, per date: {report['season_vs_per_partition_per_date']}x")
    if "command_line_vs_season_range" in report:
        print(
            f"season through nba-backfill run vs the season range run: {report['command_line_vs_season_range']}x the time"
        )
    return 0 if all(run["ok"] for run in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
