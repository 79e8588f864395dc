"""Progress per phase: rich's bars, redrawn on a terminal; plain lines everywhere else (CI, --json).

Used as a context manager around a run, so the bars stop redrawing (and the cursor comes back)
however the run ends.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, TextColumn
from rich.progress import Progress as Bars

BAR_WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        console = Console(file=self.stream)
        self.tty = enabled and console.is_terminal
        self.bars = (
            Bars(
                TextColumn("{task.description:7}"),
                BarColumn(bar_width=BAR_WIDTH, complete_style="green", finished_style="green"),
                TextColumn("{task.completed}/{task.total} dates, {task.fields[failed]} failed {task.fields[note]}"),
                console=console,
            )
            if self.tty
            else None
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> Progress:
        if self.bars is not None:
            self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()

    def update(self, phase: str, done: int, total: int, failed: int, note: str = "") -> None:
        if not self.enabled:
            return
        if self.bars is None:
            self.stream.write(f"{phase}: {done}/{total} dates, {failed} failed{f' ({note})' if note else ''}\n")
            self.stream.flush()
            return
        if phase not in self.tasks:
            self.tasks[phase] = self.bars.add_task(phase, total=total, failed=failed, note="")
        # A phase with a failure turns red; its bar still counts what completed.
        self.bars.update(
            self.tasks[phase],
            description=f"[red]{phase}" if failed else phase,
            completed=done,
            total=total,
            failed=failed,
            note=note[:40],
        )
