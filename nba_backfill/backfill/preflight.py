"""Before any work: every argument and environment error found at once, as one line each.

A command refuses to start rather than fail in the middle: a bad seed or fault spec, a home it
cannot write, a missing Odds API key or an API it cannot reach, a date outside the partitions.
Each is a :class:`~nba_backfill.errors.ConfigurationError` (the environment) or :class:`BadDates`
(the arguments); the command line prints it in one line and exits 2.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import dagster as dg

from nba_backfill import calendar, settings
from nba_backfill.errors import ConfigurationError, SourceUnavailable
from nba_backfill.sources.faults import CORRUPT_ENV, OUTAGES_ENV, UNPUBLISHED_ENV, parse_fault_spec, parse_unpublished
from nba_backfill.sources.live import ODDS_API_KEY_ENV, LiveApis


class BadDates(ValueError):
    """A date range the partitions do not have."""


def check_dates(start: dt.date, end: dt.date, today: dt.date | None = None) -> None:
    """``start``..``end`` lies within the partitions: from the first game date through today's
    slate, today judged in US Eastern time."""
    first, today = dt.date.fromisoformat(calendar.FIRST_GAME_DATE), today or calendar.today_et()
    if end < start:
        raise BadDates(f"--end-date {end} is before --start-date {start}")
    if end > today:
        raise BadDates(f"--end-date {end} is in the future: today is {today} in US Eastern time, the last partition")
    if start < first:
        raise BadDates(f"dates must lie within the partitions, {first} .. {today}")


def _writable(variable: str, folder: Path) -> None:
    """``folder`` exists or can be made, and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise ConfigurationError(f"{variable}: cannot write to {folder} ({err.strerror or err})") from None


def check_environment() -> None:
    """The variables every command reads: target, source, seed, fault specs, homes."""
    settings.target()
    source = settings.source()
    if source == "simulated":
        settings.sim_seed()
        for variable in (OUTAGES_ENV, CORRUPT_ENV):
            try:
                parse_fault_spec(os.environ.get(variable))
            except ValueError as err:
                raise ConfigurationError(f"{variable}: {err}") from None
        try:
            parse_unpublished(os.environ.get(UNPUBLISHED_ENV))
        except ValueError as err:
            raise ConfigurationError(f"{UNPUBLISHED_ENV}: {err}") from None
    if settings.target() == "local":
        _writable("NBA_BACKFILL_HOME", settings.home())
    _writable("DAGSTER_HOME" if os.environ.get("DAGSTER_HOME") else "NBA_BACKFILL_HOME", settings.dagster_home())


def check_live_key() -> None:
    """A run on the live source needs the Odds API key."""
    if settings.source() == "live" and not os.environ.get(ODDS_API_KEY_ENV, "").strip():
        raise ConfigurationError(f"{ODDS_API_KEY_ENV} is not set: a run on the live source needs it")


def remaining_credits(league: LiveApis) -> int | None:
    """The credits the Odds API account has left (the free ``/v4/sports``), asked before a run
    plans to spend any: an API that cannot be reached or refuses the key stops the run here."""
    try:
        with dg.build_resources({"league": league}) as built:  # resolves the EnvVar-held key
            return built.league.remaining_credits()
    except SourceUnavailable as err:
        raise ConfigurationError(f"The Odds API at {league.odds_api_base_url} cannot be used: {err}") from None


def check(command: str, start: dt.date, end: dt.date) -> None:
    """Everything ``command`` needs from its arguments and environment before it starts."""
    check_dates(start, end)
    check_environment()
    if command in ("run", "lines"):
        check_live_key()
