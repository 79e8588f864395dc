"""The names of the feeds: what a source call is logged, faulted and reported as.

One home for them: the simulated league, the live client and the fault specs all speak of a call
by its feed, and an operator's ``NBA_SIM_OUTAGES`` names the same words.
"""

from __future__ import annotations

from collections.abc import Sequence

FEED_SCHEDULE = "nbac_schedule"
FEED_BOXSCORE = "nbac_boxscores"
FEED_PBP = "nbac_play_by_play"
FEED_EVENTS = "odds_api_events"
FEED_PROPS = "odds_api_player_props"
FEED_LINES = "odds_api_game_lines"
#: The live client's credit-free listing of sports (no simulated counterpart).
FEED_SPORTS = "odds_api_sports"

NBAC_FEEDS = (FEED_SCHEDULE, FEED_BOXSCORE, FEED_PBP)
ODDS_FEEDS = (FEED_EVENTS, FEED_PROPS, FEED_LINES)
#: Every feed a simulated source call belongs to.
FEEDS: tuple[str, ...] = NBAC_FEEDS + ODDS_FEEDS


def odds_feed(markets: Sequence[str]) -> str:
    """The feed of an event-odds call: player props, or the game lines."""
    return FEED_PROPS if "player_points" in markets else FEED_LINES
