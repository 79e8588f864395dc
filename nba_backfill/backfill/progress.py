"""Progress per phase: a bar that redraws on a terminal, plain lines everywhere else (CI, --json)."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 30
GREEN, RED, RESET = "\033[32m", "\033[31m", "\033[0m"


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()

    def update(self, phase: str, done: int, total: int, failed: int, note: str = "") -> None:
        if not self.enabled:
            return
        if self.tty:
            filled = BAR_WIDTH * done // max(total, 1)
            colour = RED if failed else GREEN
            bar = f"{colour}{'█' * filled}{RESET}{'·' * (BAR_WIDTH - filled)}"
            self.stream.write(f"\r{phase:7} {bar} {done}/{total} dates, {failed} failed {note[:40]:40}")
            if done >= total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{phase}: {done}/{total} dates, {failed} failed{f' ({note})' if note else ''}\n")
        self.stream.flush()
