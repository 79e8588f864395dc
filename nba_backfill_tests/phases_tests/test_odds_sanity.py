"""Odds sanity, refused by the parsers naming the file: a game between a team and itself, a
spread or moneyline on a team not in the game, a totals outcome that is not Over/Under, a file
mixing decimal and American prices (a decimal 150 read as +150), odds beyond any book's. The REAL
recorded files and the simulated league's pass."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from nba_backfill.errors import RawPayloadError
from nba_backfill.phases import odds_scrape
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.sources.credits import LINES_ASSET, POLICY_ENV, PROPS_ASSET
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill.storage.io_managers import encode
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill_tests.phases_tests.test_phase2_parsers import (
    LINES_DIR,
    LINES_SPREADS_TOTALS,
    PROPS_ABRIDGED,
    PROPS_ABRIDGED_PATH,
    real,
)

LINES_PATH = f"{LINES_DIR}/20240125_035540-snap-0355.json"


def _refused(parse, path: str, payload, *says: str) -> None:
    with pytest.raises(RawPayloadError) as info:
        parse({path: payload})
    message = str(info.value)
    assert info.value.path == path and "\n" not in message
    for part in says:
        assert part in message, f"{part!r} not in {message!r}"


def _spreads(payload: dict) -> list[dict]:
    return [
        o for b in payload["data"]["bookmakers"] for m in b["markets"] if m["key"] == "spreads" for o in m["outcomes"]
    ]


def test_the_recorded_files_pass() -> None:
    assert len(parsers.parse_game_lines({LINES_PATH: real(LINES_SPREADS_TOTALS)}))
    assert len(parsers.parse_player_props({PROPS_ABRIDGED_PATH: real(PROPS_ABRIDGED)}))


@pytest.mark.parametrize(
    "parse, path, name",
    [
        (parsers.parse_game_lines, LINES_PATH, LINES_SPREADS_TOTALS),
        (parsers.parse_player_props, PROPS_ABRIDGED_PATH, PROPS_ABRIDGED),
    ],
    ids=["game-lines", "props"],
)
def test_a_game_of_a_team_against_itself_is_refused(parse, path, name) -> None:
    payload = real(name)
    payload["data"]["away_team"] = payload["data"]["home_team"]
    _refused(parse, path, payload, "home_team and away_team are both")


def test_a_spread_on_a_team_not_in_the_game_is_refused() -> None:
    payload = real(LINES_SPREADS_TOTALS)
    _spreads(payload)[0]["name"] = "Boston Celtics"  # ATL at GSW
    _refused(
        parsers.parse_game_lines,
        LINES_PATH,
        payload,
        "spreads outcome 'Boston Celtics' is not one of",
        "Atlanta Hawks, Golden State Warriors",
    )


def test_a_totals_outcome_that_is_not_over_or_under_is_refused() -> None:
    payload = real(LINES_SPREADS_TOTALS)
    totals = next(m for b in payload["data"]["bookmakers"] for m in b["markets"] if m["key"] == "totals")
    totals["outcomes"][0]["name"] = "Atlanta Hawks"
    _refused(parsers.parse_game_lines, LINES_PATH, payload, "totals outcome 'Atlanta Hawks' is not one of Over, Under")


@pytest.mark.parametrize(
    "parse, path, name",
    [
        (parsers.parse_game_lines, LINES_PATH, LINES_SPREADS_TOTALS),
        (parsers.parse_player_props, PROPS_ABRIDGED_PATH, PROPS_ABRIDGED),
    ],
    ids=["game-lines", "props"],
)
def test_a_decimal_price_of_100_or_more_in_a_decimal_file_is_refused(parse, path, name) -> None:
    payload = real(name)
    outcome = payload["data"]["bookmakers"][0]["markets"][0]["outcomes"][0]
    outcome["price"] = 150.0  # a decimal longshot: +14900, not +150
    _refused(parse, path, payload, "prices mix decimal odds", "American odds", "150.0")


def test_odds_beyond_any_book_are_refused() -> None:
    payload = real(PROPS_ABRIDGED)
    for outcome in payload["data"]["bookmakers"][0]["markets"][0]["outcomes"]:
        outcome["price"] = 250_000
    _refused(parsers.parse_player_props, PROPS_ABRIDGED_PATH, payload, "250000 is beyond any odds a book posts")


def test_the_simulated_league_passes_odds_sanity(monkeypatch, tmp_path) -> None:
    league, day = SimulatedLeague(seed=20241022), dt.date(2024, 11, 14)
    snapshot = dt.datetime.combine(day, odds_scrape.EVENTS_SNAPSHOT, tzinfo=dt.timezone.utc)
    events = {f"odds-api/events-history/{day}/a.json": json.loads(encode(league.odds_events(day, snapshot)))}
    monkeypatch.setattr(odds_scrape, "is_historical", lambda d: True)
    monkeypatch.setenv(POLICY_ENV, "full")
    buyer = odds_scrape.Buyer(league, LocalRawStore(root=str(tmp_path)), rebuy=False, log=logging.getLogger("test"))
    lines = odds_scrape.buy_event_odds(buyer, LINES_ASSET, events, day).files
    props = odds_scrape.buy_event_odds(buyer, PROPS_ASSET, events, day).files
    decoded = lambda files: {p: json.loads(b) for p, b in files.items()}  # noqa: E731
    game_lines, player_props = parsers.parse_game_lines(decoded(lines)), parsers.parse_player_props(decoded(props))
    assert len(game_lines) > 100 and len(player_props) > 100
    assert set(game_lines["market_key"]) == {"spreads", "totals"}
