"""Fault injection for the simulated sources: outages and corrupt payloads by feed and date.

A spec is ``;``-separated ``feed:DATES`` entries, DATES a comma list of ``YYYY-MM-DD`` days or
``A..B`` inclusive ranges::

    NBA_SIM_OUTAGES="nbac:2024-11-08..2024-11-14;odds_api:2024-01-21"
    NBA_SIM_CORRUPT="nbac_boxscores:2024-11-15"

``nbac`` and ``odds_api`` stand for their three feeds each. A game whose file NBA.com never
published is named by its NBA.com id in a per-game feed::

    NBA_SIM_UNPUBLISHED="nbac_boxscores:0022400061"
 An unknown feed or a bad date is a
:class:`ValueError` that names the entry. The date of a call is the game's US Eastern date.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nba_backfill import ids
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_PBP, FEEDS, NBAC_FEEDS, ODDS_FEEDS

#: Names a spec may use: a feed, or a group of feeds.
FEED_GROUPS: dict[str, tuple[str, ...]] = {"nbac": NBAC_FEEDS, "odds_api": ODDS_FEEDS} | {f: (f,) for f in FEEDS}

#: The command line's front: the environment variables it passes to the simulated league.
OUTAGES_ENV = "NBA_SIM_OUTAGES"
CORRUPT_ENV = "NBA_SIM_CORRUPT"
UNPUBLISHED_ENV = "NBA_SIM_UNPUBLISHED"
#: The feeds with one file a game, whose single games can go unpublished.
PER_GAME_FEEDS = (FEED_BOXSCORE, FEED_PBP)

#: A range longer than this is surely a typo (e.g. a wrong year).
MAX_RANGE_DAYS = 3660


def _parse_day(text: str, entry: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"fault spec entry {entry!r}: {text!r} is not a YYYY-MM-DD date") from None


def _parse_dates(text: str, entry: str) -> set[dt.date]:
    days: set[dt.date] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise ValueError(f"fault spec entry {entry!r}: empty date in {text!r}")
        if ".." in part:
            lo_text, _, hi_text = part.partition("..")
            lo, hi = _parse_day(lo_text.strip(), entry), _parse_day(hi_text.strip(), entry)
            if hi < lo:
                raise ValueError(f"fault spec entry {entry!r}: range {part!r} ends before it starts")
            if (hi - lo).days > MAX_RANGE_DAYS:
                raise ValueError(f"fault spec entry {entry!r}: range {part!r} is longer than {MAX_RANGE_DAYS} days")
            days.update(lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1))
        else:
            days.add(_parse_day(part, entry))
    return days


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str) -> tuple[tuple[str, frozenset[dt.date]], ...]:
    plan: dict[str, set[dt.date]] = {}
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        feed, sep, dates = entry.partition(":")
        feed = feed.strip()
        if not sep:
            raise ValueError(f"fault spec entry {entry!r} is not 'feed:DATES'")
        if feed not in FEED_GROUPS:
            raise ValueError(
                f"fault spec entry {entry!r}: unknown feed {feed!r} (expected one of {', '.join(FEED_GROUPS)})"
            )
        days = _parse_dates(dates.strip(), entry)
        for member in FEED_GROUPS[feed]:
            plan.setdefault(member, set()).update(days)
    return tuple((f, frozenset(d)) for f, d in sorted(plan.items()))


def parse_fault_spec(text: str | None) -> dict[str, frozenset[dt.date]]:
    """``"nbac:2024-11-08..2024-11-10;odds_api_events:2024-01-21"`` -> {feed: dates}, groups expanded.

    Empty or blank text is no faults. Feeds that are not named are absent from the result.
    """
    if text is None or not text.strip():
        return {}
    return dict(_parse_cached(text.strip()))


@dataclass(frozen=True)
class FaultPlan:
    """Which (feed, date) calls fail. ``FaultPlan.from_spec("nbac:2024-11-08")``."""

    dates: Mapping[str, frozenset[dt.date]] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, text: str | None) -> FaultPlan:
        return cls(parse_fault_spec(text))

    def fails(self, feed: str, day: dt.date | str | None) -> bool:
        if feed not in FEEDS:
            raise ValueError(f"unknown feed {feed!r}")
        if day is None or not self.dates:
            return False
        if not isinstance(day, dt.date):
            day = dt.date.fromisoformat(str(day)[:10])
        elif isinstance(day, dt.datetime):
            day = day.date()
        return day in self.dates.get(feed, frozenset())

    def feeds(self) -> Iterable[str]:
        return tuple(self.dates)

    def __bool__(self) -> bool:
        return any(self.dates.values())


def parse_unpublished(text: str | None) -> dict[str, frozenset[str]]:
    """``"nbac_boxscores:0022400061,0022400062"`` -> {feed: NBA.com game ids never published}.
    A feed that is not per game, or an id of another shape, is a ``ValueError`` naming the entry."""
    found: dict[str, set[str]] = {}
    for entry in (e.strip() for e in (text or "").split(";")):
        if not entry:
            continue
        feed, sep, games = (part.strip() for part in entry.partition(":"))
        if not sep or feed not in PER_GAME_FEEDS:
            raise ValueError(
                f"unpublished entry {entry!r} is not 'feed:GAME_IDS' with feed {' or '.join(PER_GAME_FEEDS)}"
            )
        try:
            found.setdefault(feed, set()).update(ids.nba_game_id(g.strip()) for g in games.split(","))
        except ids.InvalidId as err:
            raise ValueError(f"unpublished entry {entry!r}: {err}") from None
    return {feed: frozenset(games) for feed, games in found.items()}
