"""What a Dagster instance recorded of its runs, read the same way by the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg


def step_spans(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[int, float, float]]:
    """Step key -> (process, started, finished), from the run's step events."""
    out: dict[str, tuple[int, float, float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.is_step_start:
            out[entry.step_key] = (event.pid, entry.timestamp, float("inf"))
        elif event is not None and (event.is_step_success or event.is_step_failure):
            out[entry.step_key] = (*out[entry.step_key][:2], entry.timestamp)
    return out


def most_at_once(spans: Iterable[tuple[float, float]]) -> int:
    """The largest number of (start, end) spans open at one moment (one ending as another starts
    does not overlap it)."""
    spans = list(spans)
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])  # ends sort first
    most = current = 0
    for _, change in moments:
        current += change
        most = max(most, current)
    return most
