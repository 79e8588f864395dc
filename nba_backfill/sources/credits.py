"""The Odds API's credit model, in one place: what a call costs, what the odds scrapers ask for on
a date, the estimate of a backfill before it starts and the guard against overspending.

Credits are money: the command line estimates a backfill's cost from the plan before it starts
and refuses one the account cannot pay (``--allow-over-budget`` overrides).
"""

from __future__ import annotations

import datetime as dt

from nba_backfill.calendar import in_season

#: Historical calls cost 10 x markets x regions; live ones markets x regions.
HISTORICAL_COST_FACTOR = 10
#: Snapshots of each event's odds, before its tip-off: an opening, a midday and a closing line.
ODDS_LEADS = (dt.timedelta(hours=4), dt.timedelta(hours=1), dt.timedelta(minutes=10))
PROP_MARKETS = ["player_points"]
LINE_MARKETS = ["spreads", "totals"]
#: Games a date is assumed to have when its schedule is not loaded yet (for the credit estimate).
ASSUMED_GAMES_PER_IN_SEASON_DATE = 8


def estimate_credits(event_calls: int, markets: int, regions: int = 1, historical: bool = True) -> int:
    """Credits of ``event_calls`` event-odds calls: 10 x markets x regions each when historical,
    markets x regions when live. An upper bound: markets a book does not offer are not charged."""
    per_call = markets * regions * (HISTORICAL_COST_FACTOR if historical else 1)
    return event_calls * per_call


class OverBudget(Exception):
    """An Odds API scrape would need more credits than the account has left."""


def check_budget(estimated: int, remaining: int | None, allow_over_budget: bool) -> None:
    """Raise :class:`OverBudget` unless the account can pay ``estimated`` credits or the caller
    allowed going over. An unknown balance counts as too little: credits are money."""
    if allow_over_budget or estimated == 0 or (remaining is not None and estimated <= remaining):
        return
    left = "an unknown number of credits" if remaining is None else f"{remaining}"
    raise OverBudget(f"needs ~{estimated} credits, {left} remain; pass --allow-over-budget to proceed")


def estimated_games(day: dt.date) -> int:
    return ASSUMED_GAMES_PER_IN_SEASON_DATE if in_season(day) else 0


def date_credits(games: int, markets: int) -> int:
    """Historical credits of one date's odds scrape: each game's event odds at every lead."""
    return estimate_credits(games * len(ODDS_LEADS), markets)
