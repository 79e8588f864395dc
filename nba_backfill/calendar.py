"""The calendar every asset shares: game-date partitions, seasons, the lookback, ids.

One partition is one game date (US Eastern). Seasons are named by the year they start.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import dagster as dg

FIRST_GAME_DATE = "2021-10-01"
TIMEZONE = "America/New_York"
#: The partitions' zone: every game date is a date in US Eastern time.
EASTERN = ZoneInfo(TIMEZONE)

# end_offset=1: today's slate is a partition too (predictions are made before tip-off).
game_dates = dg.DailyPartitionsDefinition(start_date=FIRST_GAME_DATE, timezone=TIMEZONE, end_offset=1)

#: How far back Phase 3 context and Phase 4 precompute look, in days.
LOOKBACK_DAYS = 30

#: Date D reads D-LOOKBACK_DAYS .. D-1 of its upstream: never D itself (no look-ahead).
lookback = dg.TimeWindowPartitionMapping(start_offset=-LOOKBACK_DAYS, end_offset=-1)

#: The schedule is known before the games are played, so a lookback consumer reads it through D:
#: the window's dates to verify its history against, and D's own games to compute for. (Dagster
#: allows one input per upstream asset, so this is one mapping rather than a window plus same-day.)
schedule_through_date = dg.TimeWindowPartitionMapping(start_offset=-LOOKBACK_DAYS, end_offset=0)

#: The five phases, in the order data flows through them, and the asset group of each.
PHASES = ("phase1", "phase2", "phase3", "phase4", "phase5")
GROUP_OF_PHASE = dict(
    zip(PHASES, ("phase1_scrapers", "phase2_raw", "phase3_analytics", "phase4_precompute", "phase5_predictions"))
)
PHASE_OF_GROUP = {group: phase for phase, group in GROUP_OF_PHASE.items()}

#: Regular-season opening nights (reference/source-system.md §0); unknown years fall back to Oct 22.
SEASON_STARTS = {
    2021: dt.date(2021, 10, 19),
    2022: dt.date(2022, 10, 18),
    2023: dt.date(2023, 10, 24),
    2024: dt.date(2024, 10, 22),
    2025: dt.date(2025, 10, 21),
    2026: dt.date(2026, 10, 21),
}

#: A regular season's length in days, opening night on (about 170-175: 180 covers every season).
SEASON_DAYS = 180

#: A player needs this many games in the window for a full-quality sample.
FULL_SAMPLE_GAMES = 10


def today_et(now: dt.datetime | None = None) -> dt.date:
    """Today's game date: the date in US Eastern time (the partitions' zone), whatever the machine's
    clock zone; dates before it are played. After 19:00 ET a UTC clock is already on tomorrow, which
    has no partition yet."""
    moment = now if now is not None else dt.datetime.now(dt.timezone.utc)
    return moment.astimezone(EASTERN).date()


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def season_year(game_date: dt.date | str) -> int:
    """The year the season starts: Oct-Dec belong to that year, Jan-Sep to the previous one."""
    d = as_date(game_date)
    return d.year if d.month >= 10 else d.year - 1


def season_start(year: int) -> dt.date:
    return SEASON_STARTS.get(year, dt.date(year, 10, 22))


def in_season(game_date: dt.date | str) -> bool:
    """Whether ``game_date`` lies in a regular season (opening night through :data:`SEASON_DAYS`):
    a date there has games unless it is one of the season's off days."""
    return 0 <= days_into_season(game_date) < SEASON_DAYS


#: NBA.com's schedule ``gameDate``: ``MM/DD/YYYY 00:00:00`` (stats API and CDN), an ISO date, or an
#: ISO datetime at midnight (``2024-11-05T00:00:00Z``, as NBA.com sometimes sends it).
_SCHEDULE_DATE = re.compile(
    r"(?P<us>\d{2}/\d{2}/\d{4})(?: \d{2}:\d{2}:\d{2})?|(?P<iso>\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)?"
)


def schedule_date(value: object) -> dt.date:
    """The game date a schedule's ``gameDate`` names, in any of the forms NBA.com sends; the date
    is the text's own (a game date, never shifted between zones). ``ValueError`` naming it otherwise.
    The one reading of it: the scrapers' date filter and the schedule parser must agree."""
    match = _SCHEDULE_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if match is not None:
            return (
                dt.datetime.strptime(match["us"], "%m/%d/%Y").date()
                if match["us"]
                else dt.date.fromisoformat(match["iso"])
            )
    except ValueError:
        pass
    raise ValueError(f"gameDate {value!r:.40} is not MM/DD/YYYY, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")


def season_nba_format(year: int) -> str:
    return f"{year}-{str(year + 1)[-2:]}"


def days_into_season(game_date: dt.date | str) -> int:
    d = as_date(game_date)
    return (d - season_start(season_year(d))).days


def mapped_dates(mapping: dg.TimeWindowPartitionMapping, game_date: dt.date | str) -> list[dt.date]:
    """The dates ``mapping`` reads for D, from its offsets (``lookback``: D-30 .. D-1)."""
    d = as_date(game_date)
    return [d + dt.timedelta(days=k) for k in range(mapping.start_offset, mapping.end_offset + 1)]


def window_start(game_date: dt.date | str) -> dt.date:
    """First day of D's lookback window: 30 days back, but never before its season opened."""
    d = as_date(game_date)
    return max(d + dt.timedelta(days=lookback.start_offset), season_start(season_year(d)))


def window(game_date: dt.date | str) -> list[dt.date]:
    """D's lookback window: the dates the ``lookback`` mapping reads for D, from its season's
    opening night on (earlier dates are another season's)."""
    first = window_start(game_date)
    return [d for d in mapped_dates(lookback, game_date) if d >= first]


def date_range(start: dt.date | str, end: dt.date | str) -> list[dt.date]:
    """Inclusive list of dates."""
    s, e = as_date(start), as_date(end)
    return [s + dt.timedelta(days=i) for i in range((e - s).days + 1)]


def game_id(game_date: dt.date | str, away: str, home: str) -> str:
    """The canonical game id, ``YYYYMMDD_AWAY_HOME``."""
    return f"{as_date(game_date):%Y%m%d}_{away}_{home}"


_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def player_lookup(name: str) -> str:
    """``LeBron James`` -> ``lebronjames``: lowercased, accents folded, spaces and punctuation removed."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", folded.lower())
