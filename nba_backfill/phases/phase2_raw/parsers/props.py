"""Player points props."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import pandas as pd

from nba_backfill import calendar
from nba_backfill.phases.phase2_raw.parsers.common import _columns, _items, _optional_utc, _parse, _require, _Src
from nba_backfill.phases.phase2_raw.parsers.odds import (
    _FILE_SNAP,
    _event_header,
    _Market,
    _markets,
    _minutes_before,
    _one_price_format,
    _Price,
    _price,
    _snapshot_time,
    _unwrap,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import PLAYER_PROPS_COLUMNS, Block, Files, Row, block

# --------------------------------------------------------------------------------------------------
# Player points props
# --------------------------------------------------------------------------------------------------


class _Side(NamedTuple):
    point: float
    price: _Price


#: One observation of a line: the table's grain.
PROPS_KEY = ["game_id", "player_lookup", "bookmaker", "snapshot_timestamp"]


def parse_player_props(files: Files) -> pd.DataFrame:
    """``odds_api_player_points_props``: one row per event x bookmaker x player x snapshot (Over and
    Under merged). Every file is a snapshot; in-play snapshots are kept (negative minutes_before_tipoff).
    A snapshot stored twice (today's live odds scraped again before the market moved) is one
    observation: the latest file's row is kept."""
    rows = _parse(files, _props_rows, PLAYER_PROPS_COLUMNS, latest_only=False)
    return rows.drop_duplicates(PROPS_KEY, keep="last", ignore_index=True)


def _props_rows(src: _Src, payload: dict) -> Block:
    event, snapshot = _unwrap(payload, src)
    markets = _markets(event, ("player_points",), src)
    _one_price_format(markets, src)
    rows = [row for m in markets for row in _props_market_rows(m, src)]
    if not rows:  # an empty snapshot (HTTP 204) does not even name the teams
        return block([])
    header = _event_header(event, src)
    taken_at = _snapshot_time(snapshot, src)
    common = {
        "game_id": header["game_id"], "odds_api_event_id": header["odds_api_event_id"],
        "game_date": header["game_date"], "game_start_time": header["commence_time"],
        "home_team_abbr": header["home_team_abbr"], "away_team_abbr": header["away_team_abbr"],
        "snapshot_timestamp": taken_at, "snapshot_tag": _snapshot_tag(src, taken_at),
        "minutes_before_tipoff": _minutes_before(header["commence_time"], taken_at),
        "data_source": snapshot.data_source, "source_file_path": src.path,
    }  # fmt: skip
    return block(rows, common)


def _snapshot_tag(src: _Src, taken_at: pd.Timestamp) -> str:
    match = _FILE_SNAP.search(src.path.rpartition("/")[2])
    return f"snap-{match.group(1)}" if match else f"snap-{taken_at:%H%M}"


def _props_market_rows(m: _Market, src: _Src) -> list[Row]:
    bookmaker = _require(m.book, "key", src, "str", m.book_at)
    updated = _optional_utc(m.market, "last_update", src, m.at)
    if updated is None:
        updated = _optional_utc(m.book, "last_update", src, m.book_at)
    rows = []
    for lookup, (player, sides) in _props_sides(m.market, src, m.at).items():
        over, under = _main_line(sides["Over"], sides["Under"])
        rows.append({
            "bookmaker": bookmaker, "player_name": player, "player_lookup": lookup,
            "points_line": (over if over is not None else under).point,
            "over_price": over.price.decimal if over is not None else None,
            "under_price": under.price.decimal if under is not None else None,
            "over_price_american": over.price.american if over is not None else None,
            "under_price_american": under.price.american if under is not None else None,
            "bookmaker_last_update": updated,
        })  # fmt: skip
    return rows


#: What a player points outcome must have: key -> kind (the price any number _price reads).
_OUTCOME = {"name": "str", "description": "str", "price": None, "point": "number"}


#: Every file names the same few hundred players, each in many markets.
_player_lookup = functools.lru_cache(maxsize=4096)(calendar.player_lookup)


def _props_sides(market: dict, src: _Src, m_at: str) -> dict[str, tuple[str, dict[str, list[_Side]]]]:
    """player_lookup -> (name as first spelled, {'Over': [sides], 'Under': [sides]}), in payload order."""
    outcomes = _items(market, "outcomes", src, m_at)
    got = _columns(outcomes, _OUTCOME, src)
    players: dict[str, tuple[str, dict[str, list[_Side]]]] = {}
    prices: dict[tuple[type, Any], _Price] = {}
    for (at, _), name, described, value, point in zip(
        outcomes, got["name"], got["description"], got["price"], got["point"]
    ):
        if name not in ("Over", "Under"):
            src.fail(f"{at}.name {name!r} is not 'Over' or 'Under'")
        player = described.strip()
        lookup = _player_lookup(player)
        if not lookup:
            src.fail(f"{at}.description {player!r} is not a player name")
        key = (type(value), value)  # a market repeats its prices: each is read once
        price = prices[key] if key in prices else prices.setdefault(key, _price(value, src, f"{at}.price"))
        players.setdefault(lookup, (player, {"Over": [], "Under": []}))[1][name].append(_Side(point, price))
    return players


def _main_line(overs: list[_Side], unders: list[_Side]) -> tuple[_Side | None, _Side | None]:
    """The (Over, Under) pair of the main line.

    One Over and one Under are a pair even if their points differ (the Over's point is the line).
    Books that also list alternate lines get the most balanced pair of equal points (implied
    probabilities closest to each other); a line with only one side ranks after every full pair.
    """
    if len(overs) <= 1 and len(unders) <= 1:
        return (overs[0] if overs else None), (unders[0] if unders else None)
    points = list(dict.fromkeys(s.point for s in overs + unders))
    pairs = [
        (next((o for o in overs if o.point == p), None), next((u for u in unders if u.point == p), None))
        for p in points
    ]
    return min(pairs, key=_imbalance)


def _imbalance(pair: tuple[_Side | None, _Side | None]) -> float:
    over, under = pair
    if over is not None and under is not None:
        return abs(1 / over.price.decimal - 1 / under.price.decimal)
    one = over if over is not None else under
    return 1 + abs(1 / one.price.decimal - 0.5)
