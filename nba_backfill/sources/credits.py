"""The Odds API's bill, in one place: what each call costs, what the odds scrapers buy for a date
under a snapshot policy, and the guard against overspending.

The bill is counted per HTTP call: the live client reads each answer's ``x-requests-last`` (the
simulated league charges by the same rules), and the scrapers record the sum with each date's
scrape. The estimate ``plan`` shows is the same sum computed before the calls: one events listing
per date that has none yet, then one event-odds call per game not bought yet, per snapshot, per
odds asset.

Cost rules (The Odds API v4, see /work/shared/reference/external-apis.md): live event odds cost
markets x regions, historical event odds 10 x markets x regions (markets absent from the answer
are not charged, an empty answer is free), a historical events listing 1, a live one nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from nba_backfill.calendar import in_season

#: Historical calls cost 10 x markets x regions; live ones markets x regions.
HISTORICAL_COST_FACTOR = 10
HISTORICAL_EVENTS_COST = 1
#: The bookmaker regions asked for (each one is charged).
REGIONS = ["us"]
PROP_MARKETS = ["player_points"]
LINE_MARKETS = ["spreads", "totals"]
PROPS_ASSET, LINES_ASSET, EVENTS_ASSET = "odds_api_player_props", "odds_api_game_lines", "odds_api_events"
#: Today's slate is scraped live: cheap (1 credit a market), so both odds assets buy their markets.
LIVE_MARKETS = {PROPS_ASSET: PROP_MARKETS, LINES_ASSET: LINE_MARKETS}
#: Chooses the snapshot policy of past dates (``closing`` unless set; see POLICIES).
POLICY_ENV = "NBA_ODDS_POLICY"
#: A run tagged so buys again the odds the raw store already holds (``run --force``).
ODDS_REBUY_TAG = "nba_backfill/odds_rebuy"
#: Games a date is assumed to have when its schedule is not loaded yet (a first backfill's estimate).
ASSUMED_GAMES_PER_IN_SEASON_DATE = 8


@dataclass(frozen=True)
class OddsPolicy:
    """What a past date's odds scrape buys: snapshots at ``leads`` before each tip-off, and per
    odds asset its markets (an asset with none buys nothing for past dates)."""

    name: str
    leads: tuple[dt.timedelta, ...]
    markets: dict[str, list[str]]

    def historical_markets(self, asset: str) -> list[str]:
        return self.markets.get(asset, [])


POLICIES = {
    # The runbook's scenario 5: one closing snapshot, player points only: 10 credits a game.
    "closing": OddsPolicy("closing", (dt.timedelta(minutes=10),), {PROPS_ASSET: PROP_MARKETS, LINES_ASSET: []}),
    # Opening, midday and closing lines of props, spreads and totals: 90 credits a game.
    "full": OddsPolicy(
        "full",
        (dt.timedelta(hours=4), dt.timedelta(hours=1), dt.timedelta(minutes=10)),
        {PROPS_ASSET: PROP_MARKETS, LINES_ASSET: LINE_MARKETS},
    ),
}


def policy() -> OddsPolicy:
    """The snapshot policy in force (``NBA_ODDS_POLICY``, default ``closing``); a ValueError names
    an unknown one."""
    name = os.environ.get(POLICY_ENV, "closing").strip() or "closing"
    if name not in POLICIES:
        raise ValueError(f"{POLICY_ENV}={name!r} is not a snapshot policy: use one of {', '.join(POLICIES)}")
    return POLICIES[name]


def markets_for(asset: str, historical: bool) -> list[str]:
    """The markets ``asset`` buys for a past date (policy) or for today's slate (live)."""
    return policy().historical_markets(asset) if historical else LIVE_MARKETS.get(asset, [])


def snapshots_per_game(historical: bool) -> int:
    return len(policy().leads) if historical else 1


def event_odds_cost(markets: int, historical: bool, regions: int = len(REGIONS)) -> int:
    """One event-odds call answering ``markets`` markets."""
    return markets * regions * (HISTORICAL_COST_FACTOR if historical else 1)


def events_cost(historical: bool) -> int:
    return HISTORICAL_EVENTS_COST if historical else 0


@dataclass(frozen=True)
class DateToBuy:
    """What one date's odds scrape will buy: whether its events listing is needed, and per odds
    asset how many games have no odds files yet."""

    day: dt.date
    historical: bool
    games: int
    events_needed: bool
    games_to_buy: dict[str, int]

    def credits(self) -> int:
        listing = events_cost(self.historical) if self.events_needed and self.games else 0
        return listing + sum(
            games
            * snapshots_per_game(self.historical)
            * event_odds_cost(len(markets_for(asset, self.historical)), self.historical)
            for asset, games in self.games_to_buy.items()
        )


def estimated_games(day: dt.date) -> int:
    """Games a date is assumed to have before its schedule is loaded (a first backfill's estimate)."""
    return ASSUMED_GAMES_PER_IN_SEASON_DATE if in_season(day) else 0


class OverBudget(Exception):
    """An Odds API scrape would need more credits than the account has left."""


def check_budget(estimated: int, remaining: int | None, allow_over_budget: bool) -> None:
    """Raise :class:`OverBudget` unless the account can pay ``estimated`` credits or the caller
    allowed going over. An unknown balance counts as too little: credits are money."""
    if allow_over_budget or estimated == 0 or (remaining is not None and estimated <= remaining):
        return
    left = "an unknown number of credits" if remaining is None else f"{remaining}"
    raise OverBudget(f"needs {estimated} Odds API credits, {left} remain; pass --allow-over-budget to proceed")
