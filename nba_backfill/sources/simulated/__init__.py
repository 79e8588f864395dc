"""A deterministic simulated NBA league: the default data source.

It answers like the real APIs: NBA.com ``scheduleLeagueV2``, ``boxscoretraditionalv3`` and
``playbyplayv3``, and The Odds API v4 events / event odds (historical wrapper or live). The JSON
shapes follow the recorded responses in ``nba_backfill_tests/fixtures/real``.

Everything is a pure function of the seed: rosters come from ``default_rng([seed, ...])``, a
season (schedule, team strengths, final scores, injuries) from ``default_rng([seed, season, ...])``
and a game (minutes, shots, free throws, the play-by-play timeline, the odds) from
``default_rng([seed, season, sequence])``. Nothing depends on call order or on the wall clock, with
one exception: whether a game has been played (a date is played once it is before today in
America/New_York), which decides Final vs scheduled and whether box scores exist yet.

The league (generated once per seed, cached):

* 30 teams x 15 players, the same players every season (ages grow by season). Player names are
  unique by :func:`nba_backfill.calendar.player_lookup`; a few carry apostrophes, accents and
  ``Jr.`` / ``II`` / ``III`` suffixes. Each player has a stable scoring talent (a star per team at
  ~25-30 ppg, starters ~10-20, bench ~2-10) and a minutes role.
* Seasons start on :data:`nba_backfill.calendar.SEASON_STARTS` (Oct 22 for unknown years) and run
  174 days. Each team plays 82 games (4 x division, 3-4 x conference, 2 x other conference),
  1230 a season, never two a date, no games on Thanksgiving, Christmas Eve, a 6-day All-Star
  break and a few random days.

The :class:`SimulatedLeague` resource is a thin facade over cached module-level generators.
"""

from __future__ import annotations

from nba_backfill.calendar import EASTERN
from nba_backfill.sources.simulated.game import game_sim
from nba_backfill.sources.simulated.league import (
    BOOKMAKERS,
    DEFAULT_SEED,
    FIRST_SEASON,
    _ascii,
    league,
    roster,
)
from nba_backfill.sources.simulated.nbacom import boxscore_payload, play_by_play_payload, schedule_payload
from nba_backfill.sources.simulated.odds import event_for_game, event_odds_payload, odds_events_payload
from nba_backfill.sources.simulated.resource import SimulatedLeague
from nba_backfill.sources.simulated.season import (
    SimGame,
    decode_game_id,
    event_id_for,
    game_dates_of_season,
    games_on,
    season_model,
)

__all__ = [
    "_ascii",
    "BOOKMAKERS",
    "boxscore_payload",
    "decode_game_id",
    "DEFAULT_SEED",
    "EASTERN",
    "event_for_game",
    "event_id_for",
    "event_odds_payload",
    "FIRST_SEASON",
    "game_dates_of_season",
    "game_sim",
    "games_on",
    "league",
    "odds_events_payload",
    "play_by_play_payload",
    "roster",
    "schedule_payload",
    "season_model",
    "SimGame",
    "SimulatedLeague",
]
