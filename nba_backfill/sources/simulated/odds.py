"""Payloads: The Odds API v4 (events, event odds; historical wrapper or live)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nba_backfill import calendar
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.feeds import FEED_EVENTS, odds_feed
from nba_backfill.sources.shapes import historical_wrapper, iso_z
from nba_backfill.sources.simulated.game import GameSim, game_sim
from nba_backfill.sources.simulated.league import (
    _BOOK_VIG,
    BOOKMAKERS,
    LINES_POSTED_BEFORE,
    PROPS_POSTED_BEFORE,
    _as_utc,
    _mix,
    _phi,
)
from nba_backfill.sources.simulated.season import SimGame, _find_event, _find_game, games_on

# Payloads: The Odds API
# ==================================================================================================

#: Historical events listings keep games that tipped off up to this long before the snapshot.
EVENTS_LOOKBACK = dt.timedelta(hours=3)
#: A live (snapshot-less) call sees the market as of this long before tip-off: the closing line.
LIVE_LEAD = dt.timedelta(minutes=5)


def _event(g: SimGame) -> dict[str, Any]:
    return {
        "id": g.event_id, "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": iso_z(g.tip_utc), "home_team": g.home_team.full_name, "away_team": g.away_team.full_name,
    }  # fmt: skip


def event_for_game(seed: int, nba_game_id: str) -> dict[str, Any]:
    """The Odds API event object (no bookmakers) of an NBA.com game id."""
    return _event(_find_game(seed, nba_game_id, FEED_EVENTS))


def odds_events_payload(
    seed: int, game_date: dt.date, snapshot: dt.datetime | None
) -> dict[str, Any] | list[dict[str, Any]]:
    """Historical: ``{timestamp, previous_timestamp, next_timestamp, data: [events]}`` with the games of
    ``game_date`` and the next date that tip off after ``snapshot - 3h``. Live: the bare list of
    ``game_date``'s events."""
    day = calendar.as_date(game_date)
    if snapshot is None:
        return [_event(g) for g in games_on(seed, day)]
    snap = _as_utc(snapshot).replace(microsecond=0)
    cutoff = snap - EVENTS_LOOKBACK
    games = [g for d in (day, day + dt.timedelta(days=1)) for g in games_on(seed, d) if g.tip_utc > cutoff]
    games.sort(key=lambda g: (g.tip_utc, g.event_id))
    return historical_wrapper(snap, [_event(g) for g in games])


def _decimal(p: float, vig: float) -> float:
    return round(max(1.01, 1.0 / (min(max(p, 0.03), 0.97) * vig)), 2)


_ERF = np.frompyfunc(math.erf, 1, 1)


def _props_table(sim: GameSim) -> tuple[list[str], list[dt.datetime], list[list[list[float]]], list[list[list[float]]]]:
    """(players, when each line moves, opening and closing [book][line | over | under][player]).

    Players are the away team's props then the home team's. Computed once per game."""
    table = sim.__dict__.get("_props")
    if table is not None:
        return table
    tip = sim.game.tip_utc
    names, moves, rows = [], [], []
    for side in (1, 0):
        s = sim.sides[side]
        for k, (slot, expected) in enumerate(s.props):
            names.append(s.players[slot].full_name)
            moves.append(tip - dt.timedelta(hours=sim.line_move_hours[side][k]))
            rows.append((side, k, expected, sim.line_shift[side][k]))
    side_k = tuple(np.array([r[i] for r in rows], dtype=int) for i in (0, 1))
    expected = np.array([r[2] for r in rows])[:, None]
    shift = np.array([r[3] for r in rows])[:, None]
    noise = sim.line_noise[side_k]  # [player, book]
    price_noise = sim.price_noise[side_k]
    vig = np.array(_BOOK_VIG)[None, :]
    sd = 0.9 * np.sqrt(np.maximum(expected, 1.0)) + 2.0
    close = np.maximum(0.5, np.floor(expected + noise) + 0.5)
    quotes = []
    for line in (np.maximum(0.5, close + shift), close):
        z = (line - expected) / (sd * math.sqrt(2.0))
        p_over = np.clip(0.5 - 0.5 * _ERF(z).astype(float) + price_noise, 0.3, 0.7)
        over = np.round(np.maximum(1.01, 1.0 / (p_over * vig)), 2)
        under = np.round(np.maximum(1.01, 1.0 / ((1.0 - p_over) * vig)), 2)
        quotes.append(np.stack((line, over, under)).transpose(2, 0, 1).tolist())  # [book][what][player]
    table = (names, moves, quotes[0], quotes[1])
    sim.__dict__["_props"] = table
    return table


def _player_points_outcomes(sim: GameSim, book: int, at: dt.datetime) -> list[dict[str, Any]]:
    names, moves, opening, closing = _props_table(sim)
    o_line, o_over, o_under = opening[book]
    c_line, c_over, c_under = closing[book]
    outcomes = []
    for i, name in enumerate(names):
        if at >= moves[i]:
            line, over, under = c_line[i], c_over[i], c_under[i]
        else:
            line, over, under = o_line[i], o_over[i], o_under[i]
        outcomes.append({"name": "Over", "description": name, "price": over, "point": line})
        outcomes.append({"name": "Under", "description": name, "price": under, "point": line})
    return outcomes


def _game_line_market(sim: GameSim, key: str, book: int, at: dt.datetime) -> list[dict[str, Any]]:
    g = sim.game
    vig = _BOOK_VIG[book]
    early = at < g.tip_utc - dt.timedelta(hours=sim.game_line_move_hours)
    margin = g.mu_home - g.mu_away  # expected home margin
    home, away = g.home_team.full_name, g.away_team.full_name
    if key == "h2h":
        p_home = _phi(margin / 12.5)
        return [{"name": away, "price": _decimal(1 - p_home, vig)}, {"name": home, "price": _decimal(p_home, vig)}]
    if key == "spreads":
        cover = (
            math.floor(margin + float(sim.game_line_noise[book, 0])) + 0.5 + (sim.game_line_shift[0] if early else 0)
        )
        p_home = min(max(1.0 - _phi((cover - margin) / 13.0), 0.43), 0.57)
        return [
            {"name": away, "price": _decimal(1 - p_home, vig), "point": cover},
            {"name": home, "price": _decimal(p_home, vig), "point": -cover},
        ]
    total = g.mu_home + g.mu_away
    line = math.floor(total + float(sim.game_line_noise[book, 1])) + 0.5 + (sim.game_line_shift[1] if early else 0)
    p_over = min(max(1.0 - _phi((line - total) / 19.0), 0.43), 0.57)
    return [
        {"name": "Over", "price": _decimal(p_over, vig), "point": line},
        {"name": "Under", "price": _decimal(1 - p_over, vig), "point": line},
    ]


def _bookmakers(sim: GameSim, markets: Sequence[str], at: dt.datetime) -> list[dict[str, Any]]:
    tip = sim.game.tip_utc
    books = []
    stamp = int(at.timestamp())
    for b, (key, title) in enumerate(BOOKMAKERS):
        jitter = _mix(sim.game.seq, sim.game.season, stamp, b)
        book_update = at - dt.timedelta(seconds=4 + jitter % 170)
        out = []
        for m in dict.fromkeys(markets):
            if m == "player_points":
                if at < tip - PROPS_POSTED_BEFORE or b in sim.no_props_books:
                    continue
                outcomes = _player_points_outcomes(sim, b, at)
            elif m in ("h2h", "spreads", "totals"):
                if at < tip - LINES_POSTED_BEFORE:
                    continue
                outcomes = _game_line_market(sim, m, b, at)
            else:
                continue
            market_update = book_update - dt.timedelta(seconds=(jitter >> 12) % 40)
            out.append({"key": m, "last_update": iso_z(market_update), "outcomes": outcomes})
        if out:
            books.append({"key": key, "title": title, "last_update": iso_z(book_update), "markets": out})
    return books


def event_odds_payload(
    seed: int, event_id: str, markets: Sequence[str], snapshot: dt.datetime | None
) -> dict[str, Any]:
    """Historical: ``{timestamp, previous_timestamp, next_timestamp, data: event with bookmakers}``;
    live: the bare event. A snapshot after tip-off is a 404 EVENT_NOT_FOUND, as the real API."""
    feed = odds_feed(markets)
    g = _find_event(seed, event_id, feed)
    return _event_odds(seed, g, markets, snapshot, feed)


def _event_odds(
    seed: int, g: SimGame, markets: Sequence[str], snapshot: dt.datetime | None, feed: str
) -> dict[str, Any]:
    snap = None if snapshot is None else _as_utc(snapshot).replace(microsecond=0)
    if snap is not None and snap > g.tip_utc:
        raise SourceUnavailable(
            feed, g.game_date, 404, f"EVENT_NOT_FOUND: event {g.event_id} started at {iso_z(g.tip_utc)}"
        )
    sim = game_sim(seed, g.season, g.seq)
    event = _event(g)
    event["bookmakers"] = _bookmakers(sim, list(markets), snap if snap is not None else g.tip_utc - LIVE_LEAD)
    return event if snap is None else historical_wrapper(snap, event)


# ==================================================================================================
