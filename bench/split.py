"""Where a run's wall time goes: computing, the checks, warehouse I/O, the cross-run gate, the
instance's event log, planning and reporting, and the rest (Dagster's own orchestration).

Timers wrap the few entry points each part goes through; time is charged to the innermost open
part only (a check that writes its per-date evaluations charges those writes to the event log, not
to itself), so the parts add up to the wall time. Installed in a benchmark's child process only.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

#: Wall time not inside any wrapped part: Dagster planning and executing steps, building events.
REST = "dagster_overhead"


class Split:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []  # [part, started, seconds spent in nested parts]
        self._began = time.perf_counter()

    def timed(self, part: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` charging its exclusive time to ``part`` (or to ``part(*args)`` when callable)."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = part(*args, **kwargs) if callable(part) else part
            self._stack.append([name, time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                name, started, nested = self._stack.pop()
                spent = time.perf_counter() - started
                self.seconds[name] += spent - nested
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1][2] += spent

        return wrapper

    def patch(self, owner: Any, attribute: str, part: str | Callable[..., str]) -> None:
        setattr(owner, attribute, self.timed(part, getattr(owner, attribute)))

    def report(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._began
        parts = {name: round(s, 2) for name, s in sorted(self.seconds.items())}
        parts[REST] = round(wall - sum(self.seconds.values()), 2)
        return {"seconds": parts, "calls": dict(sorted(self.calls.items()))}


def user_code(fn: Callable[..., Any], *_: Any, **__: Any) -> str:
    """An asset body or a check body (the catalogue's checks live in ``nba_backfill.checks``)."""
    return "checks" if fn.__module__.startswith("nba_backfill.checks") else "asset_compute"


def install() -> Split:
    """Wrap the entry points of each part; returns the split that accumulates."""
    from dagster._core.execution.plan import compute_generator
    from dagster._core.instance import DagsterInstance

    from nba_backfill.backfill.service import Session
    from nba_backfill.phases import table_asset
    from nba_backfill.storage.io_managers import RawFilesIOManager, WarehouseIOManager

    split = Split()
    split.patch(compute_generator, "invoke_compute_fn", user_code)
    for manager in (RawFilesIOManager, WarehouseIOManager):
        split.patch(manager, "handle_output", "warehouse_and_raw_io")
        split.patch(manager, "load_input", "warehouse_and_raw_io")
    split.patch(table_asset, "failed_blocking_checks", "gate_reads")
    # Every event of a run: the event log (run shard and asset index) and the run's status.
    split.patch(DagsterInstance, "handle_new_event", "event_log_writes")
    for step in ("plan", "report", "matrix", "validate"):
        split.patch(Session, step, "plan_validate_report")
    return split
