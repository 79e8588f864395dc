"""Benchmark: the rows of issue 14's table, through the command line as an operator runs it.

    python bench/season.py                  # season, validate, outage month, 7-date gap fill (~10 min)
    python bench/season.py --only outage_month_first_run gap_fill_7_dates
    python bench/season.py --two-seasons    # and 2022-10-18..2024-04-14
    python bench/season.py --only five_seasons   # 2021-10-19..2026-04-12 from empty (~5 min)
    python bench/season.py --only week_through_daemon --two-seasons   # just those two
    python bench/season.py --chunk-dates 31 124 204   # only the season at these chunk sizes (the runner's own: backfill/run.py CHUNK_DATES)

Each command runs in a fresh subprocess (peak RSS is that command's own) on a temporary
NBA_BACKFILL_HOME; rows that build on an earlier one (validate on the season, the gap fill after a
season with a 7-date outage) share its home. The daemon row starts ``dagster-daemon run`` on its
home first (as an operator would, see backfill/submit.py) and times ``run --submit`` from launch to
the backfill's end; the daemon's own runs compute in their own processes, so the row's peak RSS is
the submitting command's, not theirs. Every row reports, besides wall time and peak RSS,
where the time went (bench/split.py): asset compute, checks, warehouse and raw-file I/O, the
cross-run gate's reads, the instance's event-log writes, planning/validation/reporting, and the rest
(Dagster's own orchestration). Results are merged into bench/results/season.json (rows measured now replace their
earlier figures, the others stay), each row with the machine, its load and the commit it was
measured at (the machine is shared: say how busy it was, compare ratios).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results"
SEASON = ["--start-date", "2023-10-24", "--end-date", "2024-04-14"]
TWO_SEASONS = ["--start-date", "2022-10-18", "--end-date", "2024-04-14"]
FIVE_SEASONS = ["--start-date", "2021-10-19", "--end-date", "2026-04-12"]  # the partitions begin 2021-10-01
OUTAGE_MONTH = ["--start-date", "2023-11-20", "--end-date", "2023-12-20"]
MONTH_OUTAGE = "nbac:2023-12-04..2023-12-06"
WEEK = ["--start-date", "2024-01-08", "--end-date", "2024-01-14"]
GAP_OUTAGE = "nbac:2024-01-08..2024-01-14"  # 7 game dates


class Row(NamedTuple):
    home: str  # rows sharing a home run in order
    outage: str
    argv: list[str]  # nba-backfill's arguments
    target_seconds: float | None
    target_rss_mib: int | None = 1024  # issue 14: <= 1 GiB whatever the range
    daemon: bool = False  # a dagster-daemon runs on the home meanwhile (run --submit)
    chunk_dates: int | None = None  # the runner's dates per run (backfill/run.py CHUNK_DATES) if not its own


ROWS: dict[str, Row] = {
    "season": Row("season", "", ["run", *SEASON, "--json"], 60),
    "validate_season": Row("season", "", ["validate", *SEASON], 10),
    "outage_month_first_run": Row("month", MONTH_OUTAGE, ["run", *OUTAGE_MONTH, "--json"], 60),
    # Sets up the gap fill: no target of its own.
    "season_with_7_date_outage": Row("gap", GAP_OUTAGE, ["run", *SEASON, "--json"], None, None),
    "gap_fill_7_dates": Row("gap", "", ["run", *SEASON, "--json"], 15),
    "week_through_daemon": Row("daemon", "", ["run", *WEEK, "--submit", "--json"], 60, daemon=True),
}
#: Longer histories from empty: time linear in the dates, memory within the same bound.
HISTORY_ROWS = {
    "two_seasons": Row("two", "", ["run", *TWO_SEASONS, "--json"], None),
    "five_seasons": Row("five", "", ["run", *FIVE_SEASONS, "--json"], None),
}
#: Set in a row's child process: the chunk size it runs with (what a kill may lose at most).
CHUNK_ENV = "BENCH_CHUNK_DATES"


def chunk_rows(sizes: list[int]) -> dict[str, Row]:
    """The season from empty once per chunk size: what a chunk costs against what a kill may lose
    (figures to choose ``CHUNK_DATES`` by, not targets)."""
    return {
        f"season_in_chunks_of_{n}": Row(f"chunks{n}", "", ["run", *SEASON, "--json"], None, None, chunk_dates=n)
        for n in sizes
    }


def child(argv: list[str]) -> dict:
    """In the child: run the command with the split installed, and report."""
    import split

    from nba_backfill.backfill import run

    run.CHUNK_DATES = int(os.environ.get(CHUNK_ENV, run.CHUNK_DATES))
    runs_before = runs()
    timing = split.install()
    from nba_backfill.backfill.cli import main as nba_backfill

    out = io.StringIO()
    cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    began, launched = time.perf_counter(), time.time()
    with contextlib.redirect_stdout(out):
        code = nba_backfill(argv)
    row = {
        "command": "nba-backfill " + " ".join(argv),
        "exit_code": code,
        "seconds": round(time.perf_counter() - began, 2),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        # CPU time is what a busy shared machine disturbs least (wall time waits for other work).
        "cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu_before, 2),
        "split": timing.report(),
    }
    row["dagster_runs"] = runs() - runs_before
    row["chunk_dates"] = run.CHUNK_DATES
    spans = run_spans(launched)
    if "--submit" in argv:
        row["daemon_runs"] = spans
    # What a kill loses at most: the longest Dagster run (one phase's chunk) of the command.
    row["longest_run_seconds"] = max(spans["runs_seconds"], default=None)
    if "--json" in argv:
        report = json.loads(out.getvalue())
        row["failed_dates"] = sorted(report["failed"])
        row["blocked_dates"] = len(report["blocked"])
        row["complete_game_dates"] = f"{report['complete_game_dates']}/{report['game_dates']}"
    return row


def run_spans(launched: float) -> dict:
    """The wall time of each Dagster run started since ``launched``; for a submitted backfill,
    where its time went: its runs' own (each a process the daemon started: imports, then steps)
    and the rest (the daemon noticing the backfill, queueing and launching each run after the one
    it waits for)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(Path(os.environ["NBA_BACKFILL_HOME"]) / "dagster")) as instance:
        spans = sorted(
            (r.start_time, r.end_time)
            for r in instance.get_run_records()
            if r.start_time and r.end_time and r.start_time >= launched
        )
    inside = sum(end - start for start, end in spans)
    return {
        "runs_seconds": [round(end - start, 1) for start, end in spans],
        "first_run_started_after_seconds": round(spans[0][0] - launched, 1) if spans else None,
        "in_runs_seconds": round(inside, 1),
        "outside_runs_seconds": round((spans[-1][1] - launched) - inside, 1) if spans else None,
    }


def runs() -> int:
    """Dagster runs in the home's instance so far."""
    import dagster as dg

    home = Path(os.environ["NBA_BACKFILL_HOME"]) / "dagster"
    if not (home / "dagster.yaml").exists():
        return 0
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance.get_runs_count()


def environment(home: Path, outage: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NBA_SIM_OUTAGES", "NBA_SIM_CORRUPT", "DAGSTER_HOME")}
    return env | {"NBA_BACKFILL_HOME": str(home)} | ({"NBA_SIM_OUTAGES": outage} if outage else {})


@contextlib.contextmanager
def daemon(home: Path, env: dict[str, str]):
    """``dagster-daemon run`` on the home's instance (written as the command writes it on first use)
    until its backfill daemon beats; stopped, with the runs it started, afterwards."""
    # Here, not at the top: the measured child processes import this file and should not carry them.
    from concurrency import BIN, daemon_beating, server, wait_for

    from nba_backfill.backfill.cli import instance_yaml

    instance = home / "dagster"
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "dagster.yaml").write_text(instance_yaml(instance))
    env = env | {"DAGSTER_HOME": str(instance)}
    log = home / "daemon.log"
    with server([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, log):
        wait_for(lambda: daemon_beating(env), "dagster-daemon", log)
        yield


def in_subprocess(home: Path, outage: str, argv: list[str], chunk_dates: int | None = None) -> dict:
    env = environment(home, outage) | ({CHUNK_ENV: str(chunk_dates)} if chunk_dates else {})
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(argv)], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} crashed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "note": "2 cores shared by several engineers' sessions; load averages below, taken before and after",
    }


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", nargs="+", choices=sorted(ROWS | HISTORY_ROWS), help="these rows (and those they build on)"
    )
    parser.add_argument("--two-seasons", action="store_true", help="also 2022-10-18..2024-04-14 from empty")
    parser.add_argument("--five-seasons", action="store_true", help="also 2021-10-19..2026-04-12 from empty")
    parser.add_argument(
        "--chunk-dates", nargs="+", type=int, default=[], help="also the season in chunks of these sizes"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0

    chunked = chunk_rows(args.chunk_dates)
    rows = ROWS | HISTORY_ROWS | chunked
    histories = {"two_seasons": args.two_seasons, "five_seasons": args.five_seasons}
    wanted = set(args.only or ([] if args.chunk_dates else ROWS)) | {n for n, asked in histories.items() if asked}
    wanted |= set(chunked)
    homes = {rows[name].home for name in wanted}
    results: dict[str, dict] = {}
    load_before, began = load(), provenance()
    with tempfile.TemporaryDirectory() as scratch:
        for name, row in rows.items():
            if row.home not in homes:
                continue
            home = Path(scratch) / row.home
            with daemon(home, environment(home, row.outage)) if row.daemon else contextlib.nullcontext():
                measured = in_subprocess(home, row.outage, row.argv, row.chunk_dates)
            measured |= {"target_seconds": row.target_seconds, "target_rss_mib": row.target_rss_mib}
            measured |= {"outage": row.outage, "meets_target": meets(row, measured)}
            results[name] = measured
            parts = ", ".join(f"{k} {v}" for k, v in measured["split"]["seconds"].items())
            print(
                f"{name:26} exit={measured['exit_code']} {measured['seconds']:7.1f}s "
                f"peak {measured['peak_rss_mib']} MiB [{parts}]"
            )
    when = {"machine": machine(), "load_average_1_5_15": {"before": load_before, "after": load()}} | began
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "season.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(merged(previous, results, when), indent=2) + "\n")
    return 0


def meets(row: Row, measured: dict) -> bool | None:
    """Whether the row met its targets (time, memory), or None for a row that has none."""
    checks = [
        *([measured["seconds"] <= row.target_seconds] if row.target_seconds is not None else []),
        *([measured["peak_rss_mib"] <= row.target_rss_mib] if row.target_rss_mib is not None else []),
    ]
    return all(checks) if checks else None


def provenance() -> dict:
    """When, and at which commit, the rows began to be measured."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent, capture_output=True, text=True)
    return {"measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": head.stdout.strip()}


def merged(previous: dict, rows: dict[str, dict], when: dict) -> dict:
    """The results file with ``rows`` (measured ``when``) replacing or joining its rows; the others
    keep what they were measured with (a file from before rows carried it: its top-level machine
    and load)."""
    earlier = {k: previous[k] for k in ("machine", "load_average_1_5_15") if k in previous}
    kept = {
        name: row if "measured" in row else row | {"measured": earlier}
        for name, row in previous.get("rows", {}).items()
    }
    rest = {k: v for k, v in previous.items() if k not in ("machine", "load_average_1_5_15", "rows")}
    return {"rows": kept | {name: row | {"measured": when} for name, row in rows.items()}} | rest


if __name__ == "__main__":
    sys.exit(main())
