"""The Odds API: wrapper, snapshot, event header, prices."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, NamedTuple

import pandas as pd

from nba_backfill import calendar, ids
from nba_backfill.phases.phase2_raw.parsers.common import (
    _coerce,
    _items,
    _optional_utc,
    _require,
    _required_utc,
    _Src,
    _tricode_for_name,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import Row

# --------------------------------------------------------------------------------------------------
# The Odds API: wrapper, snapshot, event header, prices
# --------------------------------------------------------------------------------------------------


class _Snapshot(NamedTuple):
    timestamp: pd.Timestamp | None
    previous: pd.Timestamp | None
    next: pd.Timestamp | None
    data_source: str  # 'historical' | 'current'


_FILE_TS = re.compile(r"(\d{8}_\d{6})")
_FILE_SNAP = re.compile(r"snap-(\d{4})")


def _unwrap(payload: dict, src: _Src) -> tuple[dict, _Snapshot]:
    """(event, snapshot) of a historical ``{timestamp, previous_timestamp, next_timestamp, data}``
    wrapper or of a bare (live) event."""
    if "data" not in payload:  # an event object never has a "data" key
        source = "historical" if "-history/" in src.path else "current"
        return payload, _Snapshot(_live_snapshot(payload, src), None, None, source)
    if isinstance(payload["data"], list):
        src.fail("data is a list (an events listing?), expected a single event object")
    event = _require(payload, "data", src, "object")
    snapshot = _Snapshot(
        _required_utc(payload, "timestamp", src),
        _optional_utc(payload, "previous_timestamp", src),
        _optional_utc(payload, "next_timestamp", src),
        "historical",
    )
    return event, snapshot


def _live_snapshot(event: dict, src: _Src) -> pd.Timestamp | None:
    """A live response has no timestamp: the latest market last_update, else the file name's
    ``YYYYMMDD_HHMMSS`` (UTC)."""
    updates = [
        stamp
        for b_at, book in _items(event, "bookmakers", src)
        for m_at, market in _items(book, "markets", src, b_at)
        if (stamp := _optional_utc(market, "last_update", src, m_at)) is not None
    ]
    if updates:
        return max(updates)
    match = _FILE_TS.search(src.path.rpartition("/")[2])
    return pd.Timestamp(dt.datetime.strptime(match.group(1), "%Y%m%d_%H%M%S"), tz="UTC") if match else None


def _snapshot_time(snapshot: _Snapshot, src: _Src) -> pd.Timestamp:
    if snapshot.timestamp is None:
        src.fail("no snapshot time: no market last_update and no YYYYMMDD_HHMMSS in the file name")
    return snapshot.timestamp


def _event_header(event: dict, src: _Src) -> Row:
    """Event id, teams and game keys. The row's ``game_date`` is the date of the file it came from,
    whatever range is run: a game rescheduled after its odds were scraped keeps them there, its
    own tip-off in ``commence_time`` (and its game id from that tip-off's date); without one, the
    path date is the game's date."""
    commence = _optional_utc(event, "commence_time", src)
    game_date = commence.tz_convert(calendar.TIMEZONE).date() if commence is not None else src.date
    home_name = _require(event, "home_team", src, "str")
    away_name = _require(event, "away_team", src, "str")
    home = _tricode_for_name(home_name, src, "home_team")
    away = _tricode_for_name(away_name, src, "away_team")
    if home == away:
        src.fail(f"home_team and away_team are both {home_name!r}")
    return {
        "game_id": calendar.game_id(game_date, away, home),
        "odds_api_event_id": _event_id(_require(event, "id", src, "str"), src),
        "commence_time": commence,
        "game_date": src.date,
        "home_team": home_name,
        "away_team": away_name,
        "home_team_abbr": home,
        "away_team_abbr": away,
    }


def _event_id(value: str, src: _Src) -> str:
    try:
        return ids.odds_event_id(value)
    except ids.InvalidId as err:
        src.fail(f"id: {err}")


class _Market(NamedTuple):
    book: dict
    book_at: str
    market: dict
    at: str


def _markets(event: dict, keys: tuple[str, ...], src: _Src) -> list[_Market]:
    """Every bookmaker's markets whose key is one of ``keys``; other markets are ignored."""
    return [
        _Market(book, book_at, market, at)
        for book_at, book in _items(event, "bookmakers", src)
        for at, market in _items(book, "markets", src, book_at)
        if _require(market, "key", src, "str", at) in keys
    ]


def _minutes_before(commence: pd.Timestamp | None, snapshot: pd.Timestamp) -> int | None:
    """Whole minutes from snapshot to tip-off, floored: any in-play snapshot is negative."""
    return None if commence is None else math.floor((commence - snapshot).total_seconds() / 60)


class _Price(NamedTuple):
    decimal: float
    american: int


def _round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


#: The longest odds a book plausibly posts, in American odds (+100000 is decimal 1001).
MAX_AMERICAN = 100_000


def _one_price_format(markets: list[_Market], src: _Src) -> None:
    """A file's prices are all decimal or all American. The two overlap nowhere but are told
    apart by size alone (|price| >= 100 is American), so a decimal longshot of 150 in a decimal
    file would silently become +150 (decimal 2.5): a file mixing the two is refused."""
    seen: dict[bool, str] = {}
    for m in markets:
        for at, outcome in _items(m.market, "outcomes", src, m.at):
            price = outcome.get("price")
            if isinstance(price, (int, float)) and not isinstance(price, bool):
                seen.setdefault(abs(price) >= 100, f"{at}.price {price!r}")
    if len(seen) == 2:
        src.fail(
            f"prices mix decimal odds ({seen[False]}) and American odds ({seen[True]}): "
            "a decimal price >= 100 would be read as American"
        )


def _price(value: Any, src: _Src, where: str) -> _Price:
    """Decimal and American odds from either: |price| >= 100 is American, 1 < price < 100 decimal."""
    price = _coerce(value, "number", src, where)
    if abs(price) > MAX_AMERICAN:
        src.fail(f"{where} {value!r} is beyond any odds a book posts (|American| <= {MAX_AMERICAN})")
    if abs(price) >= 100:
        decimal = 1 + price / 100 if price > 0 else 1 + 100 / -price
        return _Price(decimal, _round_half_away(price))
    if price > 1:
        american = (price - 1) * 100 if price >= 2 else -100 / (price - 1)
        return _Price(price, _round_half_away(american))
    src.fail(f"{where} {value!r} is neither decimal odds (> 1) nor American odds (|price| >= 100)")
