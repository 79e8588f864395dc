"""Faults (outages and corrupt payloads) and the Dagster resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from nba_backfill import calendar
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.credits import event_odds_cost, events_cost
from nba_backfill.sources.faults import FaultPlan, parse_unpublished
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_EVENTS, FEED_PBP, FEED_SCHEDULE, odds_feed
from nba_backfill.sources.simulated.league import (
    DEFAULT_SEED,
    roster,
)
from nba_backfill.sources.simulated.nbacom import _boxscore, _play_by_play, _played_game, schedule_payload
from nba_backfill.sources.simulated.odds import _event_odds, event_for_game, odds_events_payload
from nba_backfill.sources.simulated.season import _find_event, _find_game, game_dates_of_season

# Faults: outages and corrupt payloads
# ==================================================================================================


def _corrupt_payload(feed: str, payload: Any) -> Any:
    """Valid JSON, structurally wrong the way a truncated or changed upstream answer would be."""
    if feed == FEED_SCHEDULE:
        ls = payload["leagueSchedule"]
        day = ls["gameDates"][0]["gameDate"] if ls["gameDates"] else payload["meta"]["time"]
        ls["gameDates"] = [{"gameDate": day}]  # the date without its "games"
    elif feed == FEED_BOXSCORE:
        del payload["boxScoreTraditional"]["homeTeam"]["players"]
    elif feed == FEED_PBP:
        del payload["game"]["actions"]
    elif isinstance(payload, list):  # a live events listing answered with an error object
        payload = {"message": "Internal server error", "error_code": "INTERNAL_ERROR", "details_url": ""}
    elif "data" in payload:  # historical wrapper: data is null
        payload["data"] = None
    else:  # live event odds: bookmakers is not a list
        payload["bookmakers"] = None
    return payload


# ==================================================================================================
# The Dagster resource
# ==================================================================================================


class SimulatedLeague(dg.ConfigurableResource):
    """The simulated NBA.com and Odds API sources (deterministic for ``seed``).

    ``outages`` / ``corrupt`` are fault specs (see :mod:`nba_backfill.sources.faults`), e.g.
    ``SimulatedLeague(outages="nbac:2024-11-08..2024-11-14")``: values, so two leagues of one process
    never share faults (the command line fills them from ``NBA_SIM_OUTAGES`` / ``NBA_SIM_CORRUPT``,
    in ``resources.simulated_source``). An outage raises ``SourceUnavailable(feed, date, 503)``; a
    corrupt feed returns a malformed payload. A bad spec is a ``ValueError`` naming its entry.
    """

    seed: int = DEFAULT_SEED
    outages: str = ""
    corrupt: str = ""
    #: Games whose file of a feed NBA.com never published (``nbac_boxscores:0022400061``): 404.
    unpublished: str = ""
    _bill: dict[str, int | None] = PrivateAttr(default_factory=lambda: {"last_cost": None, "used": 0})

    # -- faults ------------------------------------------------------------------------------------

    def fault_plans(self) -> tuple[FaultPlan, FaultPlan]:
        """(outages, corrupt) in force now."""
        return FaultPlan.from_spec(self.outages), FaultPlan.from_spec(self.corrupt)

    def _check_outage(self, feed: str, day: dt.date) -> FaultPlan:
        outages, corrupt = self.fault_plans()
        if outages.fails(feed, day):
            raise SourceUnavailable(feed, day, 503, "simulated outage")
        return corrupt

    # -- NBA.com -----------------------------------------------------------------------------------

    def schedule(self, game_date: dt.date) -> dict:
        """scheduleLeagueV2 shape with only ``game_date``'s games."""
        day = calendar.as_date(game_date)
        corrupt = self._check_outage(FEED_SCHEDULE, day)
        payload = schedule_payload(self.seed, day)
        return _corrupt_payload(FEED_SCHEDULE, payload) if corrupt.fails(FEED_SCHEDULE, day) else payload

    def boxscore(self, nba_game_id: str) -> dict:
        """boxscoretraditionalv3 shape; ``SourceUnavailable`` 404 for a game not played yet."""
        return self._game_feed(FEED_BOXSCORE, nba_game_id, _boxscore)

    def play_by_play(self, nba_game_id: str) -> dict:
        """playbyplayv3 shape; ``SourceUnavailable`` 404 for a game not played yet."""
        return self._game_feed(FEED_PBP, nba_game_id, _play_by_play)

    def _game_feed(self, feed: str, nba_game_id: str, build: Any) -> dict:
        g = _find_game(self.seed, nba_game_id, feed)
        corrupt = self._check_outage(feed, g.game_date)
        if nba_game_id in parse_unpublished(self.unpublished).get(feed, ()):
            raise SourceUnavailable(feed, g.game_date, 404, f"game {nba_game_id} was never published")
        g = _played_game(self.seed, nba_game_id, feed, calendar.today_et())
        payload = build(self.seed, g)
        return _corrupt_payload(feed, payload) if corrupt.fails(feed, g.game_date) else payload

    # -- The Odds API ------------------------------------------------------------------------------

    def odds_events(self, game_date: dt.date, snapshot: dt.datetime | None) -> dict | list:
        """Historical wrapper (snapshot given) or the bare live list (snapshot None)."""
        day = calendar.as_date(game_date)
        self._bill["last_cost"] = None
        corrupt = self._check_outage(FEED_EVENTS, day)
        payload = odds_events_payload(self.seed, day, snapshot)
        listed = payload["data"] if snapshot is not None else payload
        self._charge(events_cost(snapshot is not None) if listed else 0)
        return _corrupt_payload(FEED_EVENTS, payload) if corrupt.fails(FEED_EVENTS, day) else payload

    def event_odds(self, event_id: str, markets: list[str], snapshot: dt.datetime | None) -> dict:
        """Event odds for ``markets`` (player_points, spreads, totals, h2h; others are omitted)."""
        feed = odds_feed(markets)
        self._bill["last_cost"] = None
        g = _find_event(self.seed, event_id, feed)
        corrupt = self._check_outage(feed, g.game_date)
        payload = _event_odds(self.seed, g, markets, snapshot, feed)
        event = payload["data"] if snapshot is not None else payload
        returned = {m["key"] for book in event["bookmakers"] for m in book["markets"]}
        self._charge(event_odds_cost(len(returned), snapshot is not None))
        return _corrupt_payload(feed, payload) if corrupt.fails(feed, g.game_date) else payload

    def quota(self) -> dict[str, int | None]:
        """The simulated account, billed by The Odds API's rules (sources/credits.py): the cost of
        the last answered call and the credits this league object has been billed; no balance."""
        return {"last_cost": self._bill["last_cost"], "used": self._bill["used"], "remaining": None}

    def _charge(self, credits: int) -> None:
        self._bill["last_cost"] = credits
        self._bill["used"] += credits

    # -- helpers -----------------------------------------------------------------------------------

    def event_for_game(self, nba_game_id: str) -> dict:
        """The Odds API event (id, teams, commence_time) of an NBA.com game id."""
        return event_for_game(self.seed, nba_game_id)

    def game_dates(self, season: int) -> list[dt.date]:
        """Dates of ``season`` with at least one game."""
        return game_dates_of_season(season, self.seed)

    def roster(self, tricode: str, season: int | None = None) -> list[dict[str, Any]]:
        """A team's 15 players with talent (ppg), role, position and age in ``season``."""
        return roster(tricode, season, self.seed)
