"""Game lines (h2h, spreads, totals)."""

from __future__ import annotations

import pandas as pd

from nba_backfill.phases.phase2_raw.parsers.common import _items, _optional, _optional_utc, _parse, _require, _Src
from nba_backfill.phases.phase2_raw.parsers.odds import (
    _event_header,
    _Market,
    _markets,
    _minutes_before,
    _one_price_format,
    _price,
    _snapshot_time,
    _unwrap,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import GAME_LINES_COLUMNS, Block, Files, Row, block

# --------------------------------------------------------------------------------------------------
# Game lines (h2h, spreads, totals)
# --------------------------------------------------------------------------------------------------

_GAME_LINE_MARKETS = ("h2h", "spreads", "totals")


#: One observation of a price: the table's grain.
GAME_LINES_KEY = ["game_id", "bookmaker_key", "market_key", "outcome_name", "snapshot_timestamp"]


def parse_game_lines(files: Files) -> pd.DataFrame:
    """``odds_api_game_lines``: one row per event x bookmaker x market x outcome x snapshot (a
    snapshot stored twice is one observation: the latest file's row is kept)."""
    rows = _parse(files, _game_lines_rows, GAME_LINES_COLUMNS, latest_only=False)
    return rows.drop_duplicates(GAME_LINES_KEY, keep="last", ignore_index=True)


def _game_lines_rows(src: _Src, payload: dict) -> Block:
    event, snapshot = _unwrap(payload, src)
    markets = _markets(event, _GAME_LINE_MARKETS, src)
    _one_price_format(markets, src)
    rows = [row for m in markets for row in _game_line_rows(m, src)]
    if not rows:  # an empty snapshot (HTTP 204) does not even name the teams
        return block([])
    header = _event_header(event, src)
    _outcomes_of_the_game(rows, header, src)
    taken_at = _snapshot_time(snapshot, src)
    common = {
        "snapshot_timestamp": taken_at, "previous_snapshot_timestamp": snapshot.previous,
        "next_snapshot_timestamp": snapshot.next, **header,
        "minutes_before_tipoff": _minutes_before(header["commence_time"], taken_at),
        "data_source": snapshot.data_source, "source_file_path": src.path,
    }  # fmt: skip
    return block(rows, common)


def _outcomes_of_the_game(rows: list[Row], header: Row, src: _Src) -> None:
    """h2h and spread outcomes name one of the game's two teams, totals Over or Under: a line on
    a team not in the game belongs to no side of it."""
    teams = {header["home_team"], header["away_team"]}
    for row in rows:
        allowed = {"Over", "Under"} if row["market_key"] == "totals" else teams
        if row["outcome_name"] not in allowed:
            src.fail(
                f"{row['bookmaker_key']} {row['market_key']} outcome {row['outcome_name']!r} is not one of "
                f"{', '.join(sorted(allowed))}"
            )


def _game_line_rows(m: _Market, src: _Src) -> list[Row]:
    key = m.market["key"]
    context = {
        "bookmaker_key": _require(m.book, "key", src, "str", m.book_at),
        "bookmaker_title": _optional(m.book, "title", src, "str", m.book_at),
        "bookmaker_last_update": _optional_utc(m.book, "last_update", src, m.book_at),
        "market_key": key,
        "market_last_update": _optional_utc(m.market, "last_update", src, m.at),
    }
    return [
        {
            **context,
            "outcome_name": _require(outcome, "name", src, "str", at),
            "outcome_price": _price(_require(outcome, "price", src, at=at), src, f"{at}.price").decimal,
            "outcome_point": None if key == "h2h" else _require(outcome, "point", src, "number", at),
        }
        for at, outcome in _items(m.market, "outcomes", src, m.at)
    ]
