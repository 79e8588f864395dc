"""Errors that name what went wrong: the file, the date and the field."""

from __future__ import annotations

import datetime as dt


class RawPayloadError(ValueError):
    """A raw file that cannot be parsed into rows. Nothing is written for its partition."""

    def __init__(self, path: str, game_date: dt.date | str | None, problem: str):
        self.path, self.game_date, self.problem = path, str(game_date), problem
        super().__init__(f"{path} (game date {game_date}): {problem}")


class ConfigurationError(ValueError):
    """An environment variable is missing, or holds a value the platform does not know."""


class WarehouseError(RuntimeError):
    """The warehouse could not be read or written: the message names the table or file, and why."""


class SourceUnavailable(RuntimeError):
    """An upstream API answered with an error status (or the simulator pretended to)."""

    def __init__(self, feed: str, game_date: dt.date | str | None, status: int, detail: str = ""):
        self.feed, self.game_date, self.status = feed, str(game_date), status
        super().__init__(f"HTTP {status} from {feed} for {game_date}" + (f": {detail}" if detail else ""))


class UsageError(ValueError):
    """A bad argument (a date, a phase, an option the environment cannot honour): reported in one
    line with exit code 2."""
