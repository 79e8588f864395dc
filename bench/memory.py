"""Benchmark: where a backfill's memory goes, run by run (issue 14: peak RSS <= 1 GiB whatever the range).

    NBA_BACKFILL_HOME=/tmp/m python bench/memory.py run --start-date 2022-10-18 --end-date 2024-04-14

Runs ``nba-backfill`` with these arguments in this process and prints, for each Dagster run of the
runner (one phase's chunk of dates), its resident memory at the end and its peak, sampled every
50 ms, with what held memory at that peak: the C library's heap in use and free (``mallinfo2``),
Arrow's allocated bytes and DuckDB's own (``duckdb_memory()``). Then the peak of each phase. What
stays resident between runs is what the process holds; a run's peak above it is what the run holds
at once. Nothing is written to bench/results: the figures are for finding a holder, the season
rows of bench/season.py are the record.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 2**20


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ]


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / MIB


class Sampler:
    """RSS every 50 ms; at each new peak of the current run, what held memory then."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.mallinfo2.restype = MallInfo2
        self.duckdb: Any = None  # the run's warehouse connection, while it is open
        self.peak: tuple[float, dict[str, int]] = (0.0, {})
        self.stopped = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def holders(self) -> dict[str, int]:
        heap = self.libc.mallinfo2()
        held = {
            "heap_in_use": heap.uordblks,
            "heap_free": heap.fordblks,
            "heap_mmapped": heap.hblkhd,
            "arrow": pa.total_allocated_bytes(),
        }
        if self.duckdb is not None:
            with contextlib.suppress(Exception):  # the run may be closing it
                query = "SELECT sum(memory_usage_bytes) FROM duckdb_memory()"
                held["duckdb"] = self.duckdb.cursor().execute(query).fetchone()[0] or 0
        return {name: round(value / MIB) for name, value in held.items()}

    def _sample(self) -> None:
        while not self.stopped.wait(0.05):
            now = rss_mib()
            if now > self.peak[0] + 1:
                self.peak = (now, self.holders())

    def restart(self) -> tuple[float, dict[str, int]]:
        peak, self.peak = self.peak, (rss_mib(), self.holders())
        return peak


def install(sampler: Sampler, peaks: dict[str, float]) -> None:
    """Report after each Dagster run of the runner; let the sampler see the run's DuckDB connection.
    Wrapped at ``materialize_range``, called once a run (the runner's ``_run_stretch`` calls itself
    to re-run or bisect a failed stretch, so its own calls nest)."""
    from nba_backfill.backfill import run
    from nba_backfill.storage import warehouse

    run_stretch, materialize_range = run.Runner._run_stretch, run.materialize_range
    phase_of_run: list[str] = [""]

    def in_phase(self: run.Runner, phase: str, assets: list[str], stretch: list[Any]) -> None:
        phase_of_run[0] = phase
        run_stretch(self, phase, assets, stretch)

    def reported(start: Any, end: Any, **kwargs: Any) -> Any:
        phase = phase_of_run[0]
        outside, held = sampler.restart()  # since the last run: planning, reporting
        if outside > peaks.get("outside runs", 0.0):
            peaks["outside runs"] = outside
            print(f"outside the runs, before {phase} {start}: peak {outside:5.0f} MiB  at peak {held}", file=sys.stderr)
        began = time.perf_counter()
        result = materialize_range(start, end, **kwargs)
        peak, held = sampler.restart()
        peaks[phase] = max(peaks.get(phase, 0.0), peak)
        what = f"{phase} {start}..{end}"
        print(
            f"{what:48} {time.perf_counter() - began:6.1f} s  resident {rss_mib():5.0f}  peak {peak:5.0f} MiB  at peak {held}",
            file=sys.stderr,
        )
        return result

    held_open = warehouse.DuckDBWarehouse.yield_for_execution

    @contextlib.contextmanager
    def watched(self: warehouse.DuckDBWarehouse, context: Any) -> Iterator[warehouse.DuckDBWarehouse]:
        with held_open(self, context) as opened, self._connect() as con:
            sampler.duckdb = con
            try:
                yield opened
            finally:
                sampler.duckdb = None

    run.Runner._run_stretch = in_phase
    run.materialize_range = reported
    warehouse.DuckDBWarehouse.yield_for_execution = watched


def main(argv: list[str]) -> int:
    sampler, peaks = Sampler(), {}
    install(sampler, peaks)
    from nba_backfill.backfill.cli import main as nba_backfill

    with contextlib.redirect_stdout(io.StringIO()):
        code = nba_backfill(argv)
    after, held = sampler.restart()  # the report and the completeness refresh after the last run
    sampler.stopped.set()
    print(f"after the last run: peak {after:5.0f} MiB  at peak {held}", file=sys.stderr)
    process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_phase = ", ".join(f"{p} {v:.0f}" for p, v in peaks.items())
    print(f"exit {code}; process peak {process:.0f} MiB; peak by phase (MiB): {by_phase}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
