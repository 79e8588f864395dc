"""A deterministic simulated NBA league: the default data source.

It answers like the real APIs: NBA.com ``scheduleLeagueV2``, ``boxscoretraditionalv3`` and
``playbyplayv3``, and The Odds API v4 events / event odds (historical wrapper or live). The JSON
shapes follow the recorded responses in ``shared/fixtures/real``.

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

import bisect
import datetime as dt
import functools
import hashlib
import math
import os
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional
from zoneinfo import ZoneInfo

import dagster as dg
import numpy as np

from nba_backfill import calendar
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.faults import CORRUPT_ENV, OUTAGES_ENV, FaultPlan
from nba_backfill.teams import TEAMS, Team

__all__ = [
    "BOOKMAKERS",
    "DEFAULT_SEED",
    "FIRST_SEASON",
    "SimulatedLeague",
    "boxscore_payload",
    "decode_game_id",
    "event_for_game",
    "event_odds_payload",
    "game_dates_of_season",
    "odds_events_payload",
    "play_by_play_payload",
    "roster",
    "schedule_payload",
    "today_et",
]

DEFAULT_SEED = 20241022
FIRST_SEASON = 2021
EASTERN = ZoneInfo(calendar.TIMEZONE)
UTC = dt.timezone.utc

SEASON_DAYS = 174
GAMES_PER_TEAM = 82
ROSTER_SIZE = 15
LEAGUE_AVG_POINTS = 114.5
HOME_EDGE = 1.2  # points added to the home mean, taken from the away mean

FEED_SCHEDULE = "nbac_schedule"
FEED_BOXSCORE = "nbac_boxscores"
FEED_PBP = "nbac_play_by_play"
FEED_EVENTS = "odds_api_events"
FEED_PROPS = "odds_api_player_props"
FEED_LINES = "odds_api_game_lines"

#: (key, title) of the simulated sportsbooks.
BOOKMAKERS: tuple[tuple[str, str], ...] = (
    ("draftkings", "DraftKings"),
    ("fanduel", "FanDuel"),
    ("betmgm", "BetMGM"),
    ("williamhill_us", "Caesars"),
)
_BOOK_VIG = (1.048, 1.045, 1.052, 1.05)
#: Markets are posted this long before tip-off; a snapshot earlier than that omits them.
PROPS_POSTED_BEFORE = dt.timedelta(hours=24)
LINES_POSTED_BEFORE = dt.timedelta(days=7)

DIVISIONS: dict[str, tuple[str, ...]] = {
    "Atlantic": ("BOS", "BKN", "NYK", "PHI", "TOR"),
    "Central": ("CHI", "CLE", "DET", "IND", "MIL"),
    "Southeast": ("ATL", "CHA", "MIA", "ORL", "WAS"),
    "Northwest": ("DEN", "MIN", "OKC", "POR", "UTA"),
    "Pacific": ("GSW", "LAC", "LAL", "PHX", "SAC"),
    "Southwest": ("DAL", "HOU", "MEM", "NOP", "SAS"),
}
CONFERENCES: dict[str, tuple[str, ...]] = {
    "East": ("Atlantic", "Central", "Southeast"),
    "West": ("Northwest", "Pacific", "Southwest"),
}

ARENAS: dict[str, tuple[str, str, str]] = {
    "ATL": ("State Farm Arena", "Atlanta", "GA"),
    "BOS": ("TD Garden", "Boston", "MA"),
    "CLE": ("Rocket Mortgage FieldHouse", "Cleveland", "OH"),
    "NOP": ("Smoothie King Center", "New Orleans", "LA"),
    "CHI": ("United Center", "Chicago", "IL"),
    "DAL": ("American Airlines Center", "Dallas", "TX"),
    "DEN": ("Ball Arena", "Denver", "CO"),
    "GSW": ("Chase Center", "San Francisco", "CA"),
    "HOU": ("Toyota Center", "Houston", "TX"),
    "LAC": ("Intuit Dome", "Inglewood", "CA"),
    "LAL": ("Crypto.com Arena", "Los Angeles", "CA"),
    "MIA": ("Kaseya Center", "Miami", "FL"),
    "MIL": ("Fiserv Forum", "Milwaukee", "WI"),
    "MIN": ("Target Center", "Minneapolis", "MN"),
    "BKN": ("Barclays Center", "Brooklyn", "NY"),
    "NYK": ("Madison Square Garden", "New York", "NY"),
    "ORL": ("Kia Center", "Orlando", "FL"),
    "IND": ("Gainbridge Fieldhouse", "Indianapolis", "IN"),
    "PHI": ("Wells Fargo Center", "Philadelphia", "PA"),
    "PHX": ("Footprint Center", "Phoenix", "AZ"),
    "POR": ("Moda Center", "Portland", "OR"),
    "SAC": ("Golden 1 Center", "Sacramento", "CA"),
    "SAS": ("Frost Bank Center", "San Antonio", "TX"),
    "OKC": ("Paycom Center", "Oklahoma City", "OK"),
    "TOR": ("Scotiabank Arena", "Toronto", "ON"),
    "UTA": ("Delta Center", "Salt Lake City", "UT"),
    "MEM": ("FedExForum", "Memphis", "TN"),
    "WAS": ("Capital One Arena", "Washington", "DC"),
    "DET": ("Little Caesars Arena", "Detroit", "MI"),
    "CHA": ("Spectrum Center", "Charlotte", "NC"),
}

_FIRST_NAMES = (
    "James", "Marcus", "Jalen", "Tyrese", "Devin", "Anthony", "Jaylen", "Kevin", "Chris", "Brandon",
    "Jordan", "Kyle", "Malik", "Darius", "Isaiah", "Cameron", "Trey", "Andre", "Terrance", "Xavier",
    "Elijah", "Caleb", "Josh", "Dillon", "Zach", "Tre", "Myles", "Keegan", "Jabari", "Cade", "Evan",
    "Scottie", "Franz", "Aaron", "Collin", "Desmond", "Onyeka", "Jarace", "Keldon", "Kobe", "Herbert",
    "Mikal", "Nikola", "Luka", "Bogdan", "Dario", "Goran", "Jusuf", "Davis", "Deni", "Alperen", "Rui",
    "Killian", "Théo", "Sékou", "Joël", "André", "Matías", "De'Andre", "D'Angelo", "Ja'Kobe",
    "De'Aaron", "Jae'Sean", "O'Shae", "T.J.", "P.J.", "R.J.", "A.J.", "Nickeil", "Shai", "Precious",
    "Ousmane", "Moussa", "Lauri", "Jonas", "Domantas", "Kristaps", "Dāvis", "Tobias", "Reggie",
    "Damon", "Gary", "Larry", "Wendell", "Kelly", "Otto", "Jeremy", "Quentin", "Royce", "Naz", "Kris",
    "Amir", "Bruce", "Cole", "Dyson", "Gradey", "Immanuel", "Jevon", "Kenyon", "Luguentz", "Miles",
)  # fmt: skip
_LAST_NAMES = (
    "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Moore", "Taylor", "Anderson",
    "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Bell", "Bailey", "Cooper", "Richardson", "Howard", "Ward",
    "Brooks", "Watson", "Gray", "Bennett", "Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins",
    "Perry", "Powell", "Patterson", "Hughes", "Washington", "Butler", "Simmons", "Foster", "Bryant",
    "Alexander", "Russell", "Griffin", "Hayes", "Myers", "Ford", "Hamilton", "Graham", "Sullivan",
    "Wallace", "Woods", "Owens", "Reynolds", "Fisher", "Ellis", "Harrison", "Gibson", "McDonald",
    "Marshall", "Murray", "Freeman", "Wells", "Webb", "Simpson", "Stevens", "Tucker", "Porter",
    "Hunter", "Hicks", "Crawford", "Boyd", "Mason", "Warren", "Dixon", "Gordon", "Holmes", "Daniels",
    "Palmer", "Mills", "Grant", "Knight", "Ferguson", "Hawkins", "Dunn", "Hudson", "Spencer", "Payne",
    "Pierce", "Matthews", "Watkins", "Duncan", "Hart", "Cunningham", "Bradley", "Harper", "Riley",
    "Armstrong", "Greene", "Lawrence", "Elliott", "Sims", "Austin", "Franklin", "Lawson", "Okafor",
    "Diallo", "Okoro", "Achiuwa", "Mbaye", "Kessler", "Strus", "Hauser", "Kuminga", "Sabonis",
    "O'Neale", "O'Brien", "McKinnon", "LaRue", "DeBerry", "Jokić", "Dončić", "Vučević", "Bogdanović",
    "Nurkić", "Šarić", "Valančiūnas", "Porziņģis", "Hernangómez", "Šengün", "Pöltl", "Müller",
    "Kalaitzakis", "Nwora", "Ntilikina", "Yabusele", "Fontecchio", "Dieng", "Tavares", "Ibáñez",
)  # fmt: skip
_SUFFIXES = ((" Jr.", 0.045), (" III", 0.012), (" II", 0.01))
#: Real players' names (player_lookup form) that the random pairing must not produce.
_REAL_NAMES = frozenset((
    "lukadoncic", "nikolajokic", "nikolavucevic", "bogdanbogdanovic", "jusufnurkic", "dariosaric",
    "jonasvalanciunas", "kristapsporzingis", "alperensengun", "jakobpoeltl", "davisbertans",
))  # fmt: skip

_POSITIONS = ("G", "F", "C")
_SLOT_ROLES = ("star",) + ("starter",) * 4 + ("rotation",) * 3 + ("fringe",) * 2 + ("deep",) * 5


# ==================================================================================================
# Small helpers
# ==================================================================================================


def today_et() -> dt.date:
    """Today in America/New_York, at call time. Dates strictly before it are played."""
    return calendar.today_eastern()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    out, dash = [], False
    for ch in _ascii(text).lower():
        if ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def _iso_z(moment: dt.datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SSZ`` (Odds API style)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC (the Odds API speaks UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _mix(*parts: int) -> int:
    """A stable 64-bit integer from integers (for small, call-dependent jitter like last_update)."""
    data = b"".join(int(p).to_bytes(8, "little", signed=True) for p in parts)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _seed_key(seed: int) -> int:
    return int(seed) % (2**63)


# ==================================================================================================
# The league: players and rosters (one per seed)
# ==================================================================================================


@dataclass(frozen=True)
class Player:
    person_id: int
    first_name: str
    family_name: str
    team_index: int
    slot: int
    role: str
    position: str
    birth_date: dt.date
    base_minutes: float
    talent_ppg: float
    rate: float  # points per minute at the team's typical usage
    three_share: float  # share of FGA that are 3s
    fg2_pct: float
    fg3_pct: float
    ft_rate: float  # FTA per FGA
    ft_pct: float
    paint_share: float  # share of 2PA within 8 feet
    reb_rate: float
    oreb_share: float
    ast_rate: float
    stl_rate: float
    blk_rate: float
    tov_rate: float
    pf_rate: float
    injury_rate: float

    @functools.cached_property
    def full_name(self) -> str:
        return f"{self.first_name} {self.family_name}"

    @functools.cached_property
    def name_i(self) -> str:
        return f"{self.first_name[0]}. {self.family_name}"

    @functools.cached_property
    def slug(self) -> str:
        return _slug(self.full_name)

    @functools.cached_property
    def ascii_family_name(self) -> str:
        """The family name as play-by-play descriptions spell it (accents folded: Vucevic)."""
        return _ascii(self.family_name)

    @property
    def lookup(self) -> str:
        return calendar.player_lookup(self.full_name)

    def age(self, season: int) -> int:
        """Age on the season's opening night."""
        start = calendar.season_start(season)
        return (
            start.year
            - self.birth_date.year
            - ((start.month, start.day) < (self.birth_date.month, self.birth_date.day))
        )


@dataclass(frozen=True)
class League:
    seed: int
    players: tuple[Player, ...]  # team-major: team i's roster is players[15 i : 15 i + 15]

    def roster(self, team_index: int) -> tuple[Player, ...]:
        return self.players[team_index * ROSTER_SIZE : (team_index + 1) * ROSTER_SIZE]


def _draw_names(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < count:
        first = _FIRST_NAMES[int(rng.integers(len(_FIRST_NAMES)))]
        family = _LAST_NAMES[int(rng.integers(len(_LAST_NAMES)))]
        u = rng.random()
        for suffix, p in _SUFFIXES:
            if u < p:
                family += suffix
                break
            u -= p
        key = calendar.player_lookup(f"{first} {family}")
        if (
            key in seen
            or key in _REAL_NAMES
            or calendar.player_lookup(f"{first} {family.split(' ')[0]}") in _REAL_NAMES
        ):
            continue
        seen.add(key)
        names.append((first, family))
    return names


@functools.lru_cache(maxsize=8)
def league(seed: int = DEFAULT_SEED) -> League:
    """The 450 players of the league for a seed (same every season)."""
    rng = np.random.default_rng([_seed_key(seed), 424242])
    names = _draw_names(rng, len(TEAMS) * ROSTER_SIZE)
    ids = rng.choice(np.arange(1626000, 1642999), size=len(names), replace=False)
    players: list[Player] = []
    for ti in range(len(TEAMS)):
        base = np.empty(ROSTER_SIZE)
        raw = np.empty(ROSTER_SIZE)
        base[0], raw[0] = rng.uniform(33.5, 36.5), rng.uniform(27.0, 33.0)
        base[1:5] = np.sort(rng.uniform(26.0, 33.0, 4))[::-1]
        raw[1:5] = np.sort(rng.uniform(12.0, 21.5, 4))[::-1]
        base[5:8] = np.sort(rng.uniform(17.0, 25.0, 3))[::-1]
        raw[5:8] = np.sort(rng.uniform(6.0, 11.5, 3))[::-1]
        base[8:10] = np.sort(rng.uniform(10.0, 16.0, 2))[::-1]
        raw[8:10] = np.sort(rng.uniform(3.0, 6.5, 2))[::-1]
        base[10:] = np.sort(rng.uniform(2.5, 9.0, 5))[::-1]
        raw[10:] = np.sort(rng.uniform(1.2, 4.0, 5))[::-1]
        # Typical rotation: the top 11 share 240 minutes; rates scale so they score the league average.
        norm = 240.0 / base[:11].sum()
        rate = raw / base
        rate *= LEAGUE_AVG_POINTS / float((rate[:11] * base[:11] * norm).sum())
        positions = list(rng.permutation(["G", "G", "F", "F", "C"])) + [
            _POSITIONS[int(i)] for i in rng.choice(3, size=ROSTER_SIZE - 5, p=[0.4, 0.4, 0.2])
        ]
        for slot in range(ROSTER_SIZE):
            pos = positions[slot]
            k = ti * ROSTER_SIZE + slot
            u = rng.random(16)
            if pos == "G":
                three, fg2, ftp, paint = 0.36 + 0.2 * u[0], 0.47 + 0.07 * u[1], 0.78 + 0.12 * u[2], 0.2 + 0.2 * u[3]
                reb, oreb, ast, blk = 0.11 + 0.05 * u[4], 0.1 + 0.08 * u[5], 0.15 + 0.1 * u[6], 0.008 + 0.01 * u[7]
            elif pos == "F":
                three, fg2, ftp, paint = 0.28 + 0.2 * u[0], 0.49 + 0.07 * u[1], 0.72 + 0.14 * u[2], 0.3 + 0.22 * u[3]
                reb, oreb, ast, blk = 0.16 + 0.06 * u[4], 0.16 + 0.1 * u[5], 0.07 + 0.06 * u[6], 0.015 + 0.015 * u[7]
            else:
                three, fg2, ftp, paint = 0.02 + 0.25 * u[0], 0.55 + 0.1 * u[1], 0.6 + 0.2 * u[2], 0.56 + 0.25 * u[3]
                reb, oreb, ast, blk = 0.24 + 0.08 * u[4], 0.25 + 0.1 * u[5], 0.05 + 0.06 * u[6], 0.03 + 0.03 * u[7]
            fg3 = 0.31 + 0.09 * u[8] if three > 0.1 else 0.22 + 0.1 * u[8]
            ftr = 0.14 + 0.2 * u[9] + (0.08 if slot == 0 else 0.0)
            birth = dt.date(1993, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 11)))
            injury = 0.006 + 0.02 * u[10] ** 2
            players.append(
                Player(
                    person_id=int(ids[k]),
                    first_name=names[k][0],
                    family_name=names[k][1],
                    team_index=ti,
                    slot=slot,
                    role=_SLOT_ROLES[slot],
                    position=pos,
                    birth_date=birth,
                    base_minutes=float(base[slot]),
                    talent_ppg=float(rate[slot] * base[slot] * norm),
                    rate=float(rate[slot]),
                    three_share=float(three),
                    fg2_pct=float(fg2),
                    fg3_pct=float(fg3),
                    ft_rate=float(ftr),
                    ft_pct=float(ftp),
                    paint_share=float(paint),
                    reb_rate=float(reb),
                    oreb_share=float(oreb),
                    ast_rate=float(ast) * (1.3 if slot == 0 else 1.0),
                    stl_rate=float(0.022 + 0.02 * u[11]),
                    blk_rate=float(blk),
                    tov_rate=float(0.035 + 0.03 * u[12] + 0.02 * (slot == 0)),
                    pf_rate=float(0.05 + 0.04 * u[13]),
                    injury_rate=float(injury),
                )
            )
    return League(seed, tuple(players))


def roster(tricode: str, season: int | None = None, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """A team's 15 players (the same every season): id, names, role, position, talent and age."""
    ti = _TEAM_INDEX[tricode]
    year = season if season is not None else calendar.season_year(today_et())
    return [
        {
            "person_id": p.person_id,
            "first_name": p.first_name,
            "family_name": p.family_name,
            "full_name": p.full_name,
            "player_lookup": p.lookup,
            "team": tricode,
            "role": p.role,
            "position": p.position,
            "age": p.age(year),
            "talent_ppg": round(p.talent_ppg, 2),
            "base_minutes": round(p.base_minutes, 2),
        }
        for p in league(seed).roster(ti)
    ]


_TEAM_INDEX = {t.tricode: i for i, t in enumerate(TEAMS)}
#: (seed, season) pairs generated so far: where an event id is looked up first.
_SEASONS_SEEN: set[tuple[int, int]] = set()


# ==================================================================================================
# A season: dates, matchups, tip-offs, team strengths, final scores, injuries (one per seed x season)
# ==================================================================================================


@dataclass(eq=False)
class SimGame:
    season: int
    seq: int  # 1-based, in date then tip-off order
    game_date: dt.date  # US Eastern date
    home: int  # team index into TEAMS
    away: int
    tip_et: dt.datetime  # naive Eastern wall clock
    tip_utc: dt.datetime  # aware UTC
    event_id: str
    home_score: int = 0
    away_score: int = 0
    periods: int = 4
    mu_home: float = 0.0  # pre-game expected points
    mu_away: float = 0.0
    home_no: int = 0  # index of the game in each team's season
    away_no: int = 0
    date_seq: int = 0  # gameSequence within the date

    @property
    def nba_game_id(self) -> str:
        return f"002{self.season % 100:02d}{self.seq:05d}"

    @property
    def home_team(self) -> Team:
        return TEAMS[self.home]

    @property
    def away_team(self) -> Team:
        return TEAMS[self.away]


@dataclass(eq=False)
class Season:
    year: int
    games: list[SimGame]
    by_date: dict[dt.date, list[SimGame]]
    off_days: frozenset[dt.date]
    all_star_break: tuple[dt.date, ...]
    team_games: list[list[int]]  # team index -> its games' seq, in order
    team_dates: list[list[dt.date]]
    wins_after: list[list[int]]  # team index -> wins after each of its games
    losses_after: list[list[int]]
    injured: list[np.ndarray]  # team index -> bool [82, 15]: out (known before the game)
    by_event: dict[str, int] = field(default_factory=dict)

    def game(self, seq: int) -> SimGame:
        return self.games[seq - 1]


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def all_star_break(season: int) -> tuple[dt.date, ...]:
    """Friday before the All-Star Game (third Sunday of February) to the Wednesday after: 6 days."""
    asg = _nth_weekday(season + 1, 2, 6, 3)
    return tuple(asg + dt.timedelta(days=k) for k in range(-2, 4))


def _season_days(season: int, pyr: random.Random) -> tuple[list[dt.date], frozenset[dt.date], tuple[dt.date, ...]]:
    start = calendar.season_start(season)
    days = [start + dt.timedelta(days=i) for i in range(SEASON_DAYS)]
    asb = all_star_break(season)
    off = {_nth_weekday(season, 11, 3, 4), dt.date(season, 12, 24), *asb}
    candidates = [
        d for d in days[10:-10]
        if d.weekday() in (0, 1, 3) and all(abs((d - o).days) > 3 for o in off) and d.month != 12
    ]  # fmt: skip
    for d in pyr.sample(candidates, 3):
        if all(abs((d - o).days) > 3 for o in off):
            off.add(d)
    return [d for d in days if d not in off], frozenset(off), asb


def _matchups(pyr: random.Random) -> list[list[int]]:
    """home_rem[h][a]: games h hosts a. 4 x division, 4 x six / 3 x four conference, 2 x other conference."""
    n = len(TEAMS)
    home = [[0] * n for _ in range(n)]
    conf_of = {}
    for conf, divs in CONFERENCES.items():
        for div in divs:
            for code in DIVISIONS[div]:
                conf_of[_TEAM_INDEX[code]] = (conf, div)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            (ca, da), (cb, db) = conf_of[a], conf_of[b]
            if ca != cb:
                home[a][b] = 1
            elif da == db:
                home[a][b] = 2
            else:
                home[a][b] = 2  # 4-game series; the 3-game ones are set below
    for divs in CONFERENCES.values():
        members = [[_TEAM_INDEX[c] for c in pyr.sample(DIVISIONS[d], 5)] for d in divs]
        for x, y in ((0, 1), (0, 2), (1, 2)):
            A, B = members[x], members[y]
            k = pyr.randint(1, 4)
            for i in range(5):
                # A[i] hosts B[i] twice and visits it once; B[i+k] hosts A[i] twice, visits once.
                home[A[i]][B[i]], home[B[i]][A[i]] = 2, 1
                j = B[(i + k) % 5]
                home[j][A[i]], home[A[i]][j] = 2, 1
    return home


def _date_weight(d: dt.date, pyr: random.Random) -> float:
    base = (1.05, 0.85, 1.25, 0.6, 1.1, 1.0, 0.8)[d.weekday()]
    return base * math.exp(pyr.gauss(0.0, 0.22))


def _build_slates(
    season: int, pyr: random.Random, dates: list[dt.date], home_rem: list[list[int]]
) -> dict[dt.date, list[tuple[int, int]]]:
    n = len(TEAMS)
    pair_rem = [[home_rem[a][b] + home_rem[b][a] for b in range(n)] for a in range(n)]
    team_rem = [sum(row) for row in pair_rem]
    weights = [_date_weight(d, pyr) for d in dates]
    weights[0] = 0.25  # opening night: a couple of games
    for i, d in enumerate(dates):
        if d.month == 12 and d.day == 25:
            weights[i] = 0.65
    suffix = list(np.cumsum(weights[::-1])[::-1])
    last = [-10] * n
    before_last = [-10] * n
    slates: dict[dt.date, list[tuple[int, int]]] = {}
    for i, d in enumerate(dates):
        left = len(dates) - i
        remaining = sum(team_rem) // 2
        k = remaining if left == 1 else int(round(remaining * weights[i] / suffix[i]))
        k = max(1, min(15, k))
        o = d.toordinal()
        yesterday = [last[t] == o - 1 for t in range(n)]
        ok = [team_rem[t] > 0 and not (yesterday[t] and before_last[t] == o - 2) for t in range(n)]
        prio = [team_rem[t] / left + 0.08 * pyr.random() - (0.12 if yesterday[t] else 0.0) for t in range(n)]
        used = [False] * n
        games: list[tuple[int, int]] = []
        for t in sorted(range(n), key=prio.__getitem__, reverse=True):
            if len(games) >= k:
                break
            if used[t] or not ok[t]:
                continue
            row = pair_rem[t]
            best, best_score = -1, -1e9
            for u in range(n):
                if row[u] and not used[u] and ok[u]:
                    score = prio[u] + 0.6 * row[u] / left
                    if score > best_score:
                        best, best_score = u, score
            if best < 0:
                continue
            h, a = (t, best) if home_rem[t][best] and (not home_rem[best][t] or pyr.random() < 0.5) else (best, t)
            home_rem[h][a] -= 1
            pair_rem[h][a] -= 1
            pair_rem[a][h] -= 1
            team_rem[h] -= 1
            team_rem[a] -= 1
            used[h] = used[a] = True
            for x in (h, a):
                before_last[x], last[x] = last[x], o
            games.append((h, a))
        slates[d] = games
    # Repair: any game the greedy pass could not place goes on a date where both teams are free.
    leftovers = [(h, a) for h in range(n) for a in range(n) for _ in range(home_rem[h][a])]
    for h, a in leftovers:
        busy = {d: {x for g in gs for x in g} for d, gs in slates.items()}
        free = [d for d in dates if h not in busy[d] and a not in busy[d] and len(slates[d]) < 15]
        if not free:  # pragma: no cover - never seen; the caller retries with another draw
            raise RuntimeError(f"season {season}: cannot place {TEAMS[a].tricode}@{TEAMS[h].tricode}")
        # Least crowded: fewest games of either team the day before or after.
        crowding = [
            sum(x in busy.get(d + dt.timedelta(days=k), ()) for k in (-1, 1) for x in (h, a)) + 0.01 * pyr.random()
            for d in free
        ]
        slates[free[crowding.index(min(crowding))]].append((h, a))
        home_rem[h][a] -= 1
    return slates


_EAST_SLOTS = ((19, 0), (19, 0), (19, 30), (19, 30), (20, 0))
_TZ_SLOTS = {
    "America/Chicago": ((20, 0), (20, 0), (20, 30)),
    "America/Denver": ((21, 0), (21, 0), (21, 30)),
    "America/Phoenix": ((21, 0), (22, 0)),
    "America/Los_Angeles": ((22, 0), (22, 0), (22, 30)),
}
_AFTERNOON_SLOTS = ((12, 0), (13, 0), (14, 0), (15, 0), (15, 30))


def _tip_et(pyr: random.Random, home: Team, d: dt.date) -> dt.datetime:
    if d.weekday() >= 5 and pyr.random() < 0.2:
        hh, mm = pyr.choice(_AFTERNOON_SLOTS)
    else:
        hh, mm = pyr.choice(_TZ_SLOTS.get(home.timezone, _EAST_SLOTS))
    return dt.datetime(d.year, d.month, d.day, hh, mm)


def event_id_for(seed: int, nba_game_id: str) -> str:
    return hashlib.md5(f"nba-sim:{_seed_key(seed)}:{nba_game_id}".encode()).hexdigest()


def _injury_matrix(rng: np.random.Generator, players: Sequence[Player]) -> np.ndarray:
    """bool [82, 15]: the player is out for the team's n-th game (spells of a few games, some long)."""
    rates = np.array([p.injury_rate for p in players])
    starts = rng.random((GAMES_PER_TEAM, ROSTER_SIZE)) < rates
    lengths = np.where(
        rng.random((GAMES_PER_TEAM, ROSTER_SIZE)) < 0.12,
        rng.integers(8, 25, (GAMES_PER_TEAM, ROSTER_SIZE)),
        rng.geometric(0.4, (GAMES_PER_TEAM, ROSTER_SIZE)),
    )
    out = np.zeros((GAMES_PER_TEAM, ROSTER_SIZE), dtype=bool)
    for g, s in zip(*np.nonzero(starts)):
        out[g : g + int(lengths[g, s]), s] = True
    over = np.nonzero(out.sum(axis=1) > 3)[0]
    for g in over:  # at most 3 players out a game: keep the first three listed out
        who = np.nonzero(out[g])[0]
        out[g, who[3:]] = False
    return out


def _check_slates(season: int, slates: dict[dt.date, list[tuple[int, int]]]) -> None:
    games = [0] * len(TEAMS)
    for day, pairs in slates.items():
        teams = [t for pair in pairs for t in pair]
        if len(teams) != len(set(teams)):
            raise RuntimeError(f"season {season}: a team plays twice on {day}")
        for t in teams:
            games[t] += 1
    if set(games) != {GAMES_PER_TEAM}:
        raise RuntimeError(f"season {season}: games per team {sorted(set(games))}, expected {GAMES_PER_TEAM}")


@functools.lru_cache(maxsize=16)
def season_model(seed: int, season: int) -> Season:
    """Schedule, strengths, final scores and injuries of a season (cached; ~0.1-0.3 s)."""
    if season < FIRST_SEASON:
        raise ValueError(f"the simulated league starts in {FIRST_SEASON}, not {season}")
    sk = _seed_key(seed)
    for attempt in range(5):
        rng = np.random.default_rng([sk, season, 1_000_001, attempt])
        pyr = random.Random(int(rng.integers(2**62)))
        dates, off, asb = _season_days(season, pyr)
        try:
            slates = _build_slates(season, pyr, dates, _matchups(pyr))
            _check_slates(season, slates)
            break
        except RuntimeError:  # pragma: no cover - a retry draws another schedule
            if attempt == 4:
                raise
    n = len(TEAMS)
    games: list[SimGame] = []
    by_date: dict[dt.date, list[SimGame]] = {}
    for d in sorted(slates):
        day_games = []
        for h, a in slates[d]:
            tip = _tip_et(pyr, TEAMS[h], d)
            day_games.append((tip, TEAMS[h].tricode, h, a))
        day_games.sort()
        listed = []
        for k, (tip, _, h, a) in enumerate(day_games, start=1):
            seq = len(games) + 1
            g = SimGame(
                season=season, seq=seq, game_date=d, home=h, away=a, tip_et=tip,
                tip_utc=tip.replace(tzinfo=EASTERN).astimezone(UTC), event_id="", date_seq=k,
            )  # fmt: skip
            g.event_id = event_id_for(seed, g.nba_game_id)
            games.append(g)
            listed.append(g)
        if listed:
            by_date[d] = listed

    # Strengths and scores, vectorised over the season.
    srng = np.random.default_rng([sk, season, 1_000_002])
    offense = srng.normal(0.0, 3.5, n)
    defense = srng.normal(0.0, 3.0, n)
    team_games: list[list[int]] = [[] for _ in range(n)]
    team_dates: list[list[dt.date]] = [[] for _ in range(n)]
    b2b = np.zeros((len(games), 2))
    for g in games:
        for side, t in enumerate((g.home, g.away)):
            if team_dates[t] and team_dates[t][-1] == g.game_date - dt.timedelta(days=1):
                b2b[g.seq - 1, side] = 1.0
            if side == 0:
                g.home_no = len(team_games[t])
            else:
                g.away_no = len(team_games[t])
            team_games[t].append(g.seq)
            team_dates[t].append(g.game_date)
    home_idx = np.array([g.home for g in games])
    away_idx = np.array([g.away for g in games])
    mu_h = LEAGUE_AVG_POINTS + offense[home_idx] + defense[away_idx] + HOME_EDGE - 1.5 * b2b[:, 0]
    mu_a = LEAGUE_AVG_POINTS + offense[away_idx] + defense[home_idx] - HOME_EDGE - 1.5 * b2b[:, 1]
    pace = srng.normal(0.0, 8.0, len(games))
    h_c = mu_h + pace + srng.normal(0.0, 9.2, len(games))
    a_c = mu_a + pace + srng.normal(0.0, 9.2, len(games))
    ot_points = srng.normal(10.5, 3.2, (len(games), 6, 2))
    wins = [0] * n
    losses = [0] * n
    wins_after: list[list[int]] = [[] for _ in range(n)]
    losses_after: list[list[int]] = [[] for _ in range(n)]
    for i, g in enumerate(games):
        g.mu_home, g.mu_away = float(mu_h[i]), float(mu_a[i])
        hc, ac = float(np.clip(h_c[i], 72, 160)), float(np.clip(a_c[i], 72, 160))
        if abs(hc - ac) < 1.0:  # tied after regulation: overtime(s)
            hs = as_ = int(round((hc + ac) / 2))
            periods = 4
            for k in range(6):
                periods += 1
                oh = int(np.clip(round(ot_points[i, k, 0]), 2, 22))
                oa = int(np.clip(round(ot_points[i, k, 1]), 2, 22))
                if k == 5 and oh == oa:
                    oh += 1
                hs, as_ = hs + oh, as_ + oa
                if oh != oa:
                    break
        else:
            hs, as_, periods = int(round(hc)), int(round(ac)), 4
            if hs == as_:
                hs, as_ = (hs + 1, as_) if hc > ac else (hs, as_ + 1)
        g.home_score, g.away_score, g.periods = hs, as_, periods
        winner, loser = (g.home, g.away) if hs > as_ else (g.away, g.home)
        wins[winner] += 1
        losses[loser] += 1
        for t in (g.home, g.away):
            wins_after[t].append(wins[t])
            losses_after[t].append(losses[t])

    lg = league(seed)
    irng = np.random.default_rng([sk, season, 1_000_003])
    injured = [_injury_matrix(irng, lg.roster(t)) for t in range(n)]
    season_obj = Season(
        year=season, games=games, by_date=by_date, off_days=off, all_star_break=asb,
        team_games=team_games, team_dates=team_dates, wins_after=wins_after, losses_after=losses_after,
        injured=injured,
    )  # fmt: skip
    season_obj.by_event = {g.event_id: g.seq for g in games}
    _SEASONS_SEEN.add((seed, season))
    return season_obj


def game_dates_of_season(season: int, seed: int = DEFAULT_SEED) -> list[dt.date]:
    """The dates with at least one game, in order."""
    return sorted(season_model(seed, season).by_date)


def games_on(seed: int, day: dt.date) -> list[SimGame]:
    season = calendar.season_year(day)
    if season < FIRST_SEASON:
        return []
    return list(season_model(seed, season).by_date.get(day, ()))


def decode_game_id(nba_game_id: str) -> tuple[int, int]:
    """``0022400561`` -> (2024, 561). ValueError for anything but a regular-season id."""
    text = str(nba_game_id)
    if len(text) != 10 or not text.isdigit() or not text.startswith("002"):
        raise ValueError(f"{nba_game_id!r} is not a regular-season NBA.com game id (002YYNNNNN)")
    return 2000 + int(text[3:5]), int(text[5:])


def _find_game(seed: int, nba_game_id: str, feed: str) -> SimGame:
    season, seq = decode_game_id(nba_game_id)
    if season < FIRST_SEASON or not 1 <= seq <= len(TEAMS) * GAMES_PER_TEAM // 2:
        raise SourceUnavailable(feed, None, 404, f"game {nba_game_id} not found")
    return season_model(seed, season).game(seq)


def _find_event(seed: int, event_id: str, feed: str) -> SimGame:
    """The game of an Odds API event id: seasons already generated first, then newest to oldest."""
    last = max(FIRST_SEASON, calendar.season_year(today_et()) + 1)
    loaded = sorted(s for k, s in _SEASONS_SEEN if k == seed)
    for season in dict.fromkeys(loaded + list(range(last, FIRST_SEASON - 1, -1))):
        seq = season_model(seed, season).by_event.get(event_id)
        if seq is not None:
            return season_model(seed, season).game(seq)
    raise SourceUnavailable(feed, None, 404, f"EVENT_NOT_FOUND: event {event_id} not found")


# ==================================================================================================
# A game: who plays, minutes, every shot and free throw, the timeline, the odds (one per game, cached)
# ==================================================================================================

# (subType, how the description spells it) by shot family.
_SUBTYPES: tuple[tuple[str, str], ...] = (
    ("Dunk Shot", "Dunk"),  # 0
    ("Driving Dunk Shot", "Driving Dunk"),  # 1
    ("Alley Oop Dunk Shot", "Alley Oop Dunk"),  # 2
    ("Putback Layup Shot", "Putback Layup"),  # 3
    ("Tip Layup Shot", "Tip Layup Shot"),  # 4
    ("Layup Shot", "Layup"),  # 5
    ("Driving Layup Shot", "Driving Layup"),  # 6
    ("Cutting Layup Shot", "Cutting Layup Shot"),  # 7
    ("Running Layup Shot", "Running Layup"),  # 8
    ("Driving Reverse Layup Shot", "Driving Reverse Layup"),  # 9
    ("Driving Floating Jump Shot", "Driving Floating Jump Shot"),  # 10
    ("Hook Shot", "Hook Shot"),  # 11
    ("Turnaround Hook Shot", "Turnaround Hook Shot"),  # 12
    ("Jump Shot", "Jump Shot"),  # 13
    ("Pullup Jump shot", "Pullup Jump Shot"),  # 14
    ("Step Back Jump shot", "Step Back Jump Shot"),  # 15
    ("Fadeaway Jump Shot", "Fadeaway Jump Shot"),  # 16
    ("Turnaround Jump Shot", "Turnaround Jump Shot"),  # 17
    ("Running Jump Shot", "Running Jump Shot"),  # 18
)
_RIM_SUBS = (0, 1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 9)
_SHORT_SUBS = (5, 6, 6, 8, 9, 10, 10, 11, 12)
_MID_SUBS = (13, 13, 13, 14, 14, 15, 16, 17)
_THREE_SUBS = (13, 13, 13, 13, 13, 13, 14, 14, 14, 15, 15, 18)


@dataclass(eq=False)
class Side:
    """One team in one game. Per-slot lists follow the roster order (15 slots)."""

    team_index: int
    players: tuple[Player, ...]
    comment: list[str]  # "" if played, else the DNP reason
    starters: list[int]
    order: list[int]  # box score order of the 15 slots
    props: list[tuple[int, float]]  # (slot, expected points) of players with a points prop
    sec: list[int]
    fgm: list[int]
    fga: list[int]
    tpm: list[int]
    tpa: list[int]
    ftm: list[int]
    fta: list[int]
    oreb: list[int]
    dreb: list[int]
    ast: list[int]
    stl: list[int]
    blk: list[int]
    tov: list[int]
    pf: list[int]
    pts: list[int]
    pm: list[int]
    points: int
    margin: int  # own points minus opponent's


#: Rows of ``GameSim.timeline`` (int32, one column a unit, in time order). A unit is a field-goal
#: attempt (value 2 or 3; an and-one free throw rides on it) or a trip to the line (value 0).
#: ``tenths``: tenths of a second elapsed in the period; ``ft_mask``: bit i set = free throw i+1 made.
_TIMELINE_COLUMNS = (
    "period", "tenths", "side", "slot", "value", "made", "dist", "x", "y", "sub", "assister", "ft_n", "ft_mask",
)  # fmt: skip
_T = {name: i for i, name in enumerate(_TIMELINE_COLUMNS)}
_POPCOUNT = np.array([bin(m).count("1") for m in range(8)])


@dataclass(eq=False)
class GameSim:
    game: SimGame
    sides: tuple[Side, Side]  # (home, away)
    timeline: np.ndarray  # [13, units] int32 columns, in time order (see _TIMELINE_COLUMNS)
    no_props_books: frozenset[int]
    scratched: tuple[int, int] | None  # (side, slot) of a late scratch with a posted prop
    line_noise: np.ndarray  # [side, prop index, book]
    line_shift: list[list[int]]  # [side][prop index] opening - closing
    line_move_hours: list[list[float]]
    price_noise: np.ndarray  # [side, prop index, book]
    game_line_noise: np.ndarray  # [book, 2]: spread, total
    game_line_shift: tuple[int, int]
    game_line_move_hours: float


def _int_split(weights: np.ndarray, total: int) -> list[int]:
    """Non-negative integers proportional to ``weights`` summing to ``total`` (largest remainders)."""
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(int)
    short = total - int(base.sum())
    if short:
        for i in np.argsort(-(raw - base), kind="stable")[:short]:
            base[i] += 1
    return [int(x) for x in base]


def _minutes(rng: np.random.Generator, base: np.ndarray, game_secs: int) -> list[int]:
    w = base * np.exp(rng.normal(0.0, 0.16, len(base)))
    total = 5 * game_secs
    cap = 0.9 * game_secs
    secs = w / w.sum() * total
    for _ in range(4):
        over = secs > cap
        if not over.any():
            break
        excess = float((secs[over] - cap).sum())
        secs[over] = cap
        free = ~over
        secs[free] += excess * secs[free] / secs[free].sum()
    return _int_split(secs, total)


def _shooting(
    rng: np.random.Generator, pyr: random.Random, players: list[Player], secs: list[int], target: int
) -> tuple[list[int], ...]:
    """FG2A/FG2M/3PA/3PM/FTA/FTM per player whose points sum exactly to ``target``."""
    rate = np.array([p.rate for p in players])
    tp = np.array([p.three_share for p in players])
    fg2 = np.array([p.fg2_pct for p in players])
    fg3 = np.array([p.fg3_pct for p in players])
    ftr = np.array([p.ft_rate for p in players])
    ftp = np.array([p.ft_pct for p in players])
    x = rate * np.array(secs) / 60.0
    expected = x * (target / x.sum())
    per_fga = (1 - tp) * 2 * fg2 + tp * 3 * fg3 + ftr * ftp
    fga_exp = expected / per_fga
    fga = rng.poisson(fga_exp)
    tpa = rng.binomial(fga, tp)
    fg2a = fga - tpa
    tpm = rng.binomial(tpa, fg3)
    fg2m = rng.binomial(fg2a, fg2)
    fta = rng.poisson(fga_exp * ftr)
    ftm = rng.binomial(fta, ftp)
    fg2a, fg2m, tpa, tpm, fta, ftm = (v.tolist() for v in (fg2a, fg2m, tpa, tpm, fta, ftm))
    diff = target - sum(2 * a + 3 * b + c for a, b, c in zip(fg2m, tpm, ftm))
    idx = range(len(players))
    cum = list(np.cumsum(expected + 0.05))
    guard = 0
    while diff:
        guard += 1
        if guard > 100_000:  # pragma: no cover
            raise RuntimeError("points adjustment did not converge")
        j = pyr.choices(idx, cum_weights=cum)[0]
        if diff > 0:
            if diff == 1 or (diff == 2 and pyr.random() < 0.15):
                if fta[j] == ftm[j]:
                    fta[j] += 1
                ftm[j] += 1
                diff -= 1
            elif diff >= 3 and tpa[j] > tpm[j] and pyr.random() < 0.3:
                tpm[j] += 1
                diff -= 3
            else:
                if fg2a[j] == fg2m[j]:
                    fg2a[j] += 1
                fg2m[j] += 1
                diff -= 2
        else:
            if diff <= -3 and tpm[j] and pyr.random() < 0.3:
                tpm[j] -= 1
                diff += 3
            elif diff <= -2 and fg2m[j]:
                fg2m[j] -= 1
                diff += 2
            elif ftm[j]:
                ftm[j] -= 1
                diff += 1
    return fg2a, fg2m, tpa, tpm, fta, ftm


_RIM = np.array(_RIM_SUBS)
_SHORT = np.array(_SHORT_SUBS)
_MID = np.array(_MID_SUBS)
_THREE = np.array(_THREE_SUBS)


def _shots_geometry(u: np.ndarray, three: np.ndarray, paint: np.ndarray) -> tuple[np.ndarray, ...]:
    """(distance ft, xLegacy, yLegacy, subtype) arrays from uniforms ``u`` [>= 6, n];
    distance = round(hypot(x, y) / 10). Threes are >= 22 ft (corner threes 22-23 ft), paint twos
    <= 8 ft, other twos 9-21 ft."""
    corner = three & (u[0] < 0.22)
    r = np.where(
        three,
        np.where(u[1] < 0.93, 238.0 + 44.0 * u[2], 282.0 + 48.0 * u[2]),
        np.where(paint, np.where(u[1] < 0.62, 36.0 * u[2], 36.0 + 48.0 * u[2]), 91.0 + 122.0 * u[2]),
    )
    ang = np.where(three, -1.25 + 2.5 * u[3], np.where(paint, -1.5 + 3.0 * u[3], -1.45 + 2.9 * u[3]))
    x = np.where(corner, (221 + np.floor(u[2] * 14)) * np.where(u[3] < 0.5, 1, -1), np.rint(r * np.sin(ang)))
    y = np.where(corner, np.floor(u[4] * 86) - 5, np.rint(r * np.cos(ang)))
    k = u[5]
    sub = np.where(
        three,
        _THREE[(k * len(_THREE)).astype(int)],
        np.where(
            paint,
            np.where(r <= 35.0, _RIM[(k * len(_RIM)).astype(int)], _SHORT[(k * len(_SHORT)).astype(int)]),
            np.where((r > 125.0) | (u[4] < 0.6), _MID[(k * len(_MID)).astype(int)], 10),
        ),
    )
    dist = np.floor(np.hypot(x, y) / 10.0 + 0.5)
    return dist.astype(int), x.astype(int), y.astype(int), sub


def _side_units(
    rng: np.random.Generator,
    pyr: random.Random,
    side: int,
    players: list[Player],
    slots: list[int],
    secs: list[int],
    shots: tuple[list[int], ...],
) -> np.ndarray:
    """The side's units (timeline rows, period and time not set yet): every shot, every trip to the line."""
    fg2a, fg2m, tpa, tpm, fta, ftm = shots
    n = len(players)
    slot_of = np.array(slots)
    # Every field-goal attempt of the side: threes first, then twos. Group g = 2 * player + is_two.
    owner = np.concatenate((np.repeat(np.arange(n), tpa), np.repeat(np.arange(n), fg2a)))
    total = len(owner)
    fg = np.zeros((len(_TIMELINE_COLUMNS), total), dtype=np.int32)
    made = np.zeros(total, dtype=bool)
    if total:
        three = np.arange(total) < sum(tpa)
        u = rng.random((10, total))
        paint = ~three & (u[6] < np.array([p.paint_share for p in players])[owner])
        group = 2 * owner + ~three
        makes = np.empty(2 * n, dtype=int)
        makes[0::2], makes[1::2] = tpm, fg2m
        keys = u[7] ** np.where(paint, 1 / 1.5, 1.0)  # shots at the rim go in more often
        order = np.lexsort((-keys, group))
        ranked = group[order]
        made[order] = np.arange(total) - np.searchsorted(ranked, ranked) < makes[ranked]
        dist, x, y, sub = _shots_geometry(u, three, paint)
        # Assists: threes are mostly assisted, shots at the rim about half, pull-ups less.
        ast_cum = np.cumsum([p.ast_rate * s for p, s in zip(players, secs)])
        helper = np.minimum(np.searchsorted(ast_cum / ast_cum[-1], rng.random((2, total))), n - 1)
        pick = np.where(helper[0] != owner, helper[0], helper[1])
        assisted = made & (u[8] < np.where(three, 0.82, np.where(dist <= 8, 0.55, 0.42))) & (pick != owner)
        fg[_T["side"]] = side
        fg[_T["slot"]] = slot_of[owner]
        fg[_T["value"]] = np.where(three, 3, 2)
        fg[_T["made"]] = made
        fg[_T["dist"]], fg[_T["x"]], fg[_T["y"]], fg[_T["sub"]] = dist, x, y, sub
        fg[_T["assister"]] = np.where(assisted, slot_of[pick], -1)
    trips: list[tuple[int, int, int]] = []  # (slot, free throws, made mask)
    for j in range(n):
        if not fta[j]:
            continue
        flags = [True] * ftm[j] + [False] * (fta[j] - ftm[j])
        pyr.shuffle(flags)
        left = fta[j]
        if left % 2:
            if left >= 3 and tpa[j] and pyr.random() < 0.2:  # fouled on a three
                trips.append((slots[j], 3, flags[0] | flags[1] << 1 | flags[2] << 2))
                flags, left = flags[3:], left - 3
            else:  # and-one, on one of the player's made shots when there is one
                own_makes = np.nonzero(made & (owner == j))[0]
                if len(own_makes) and pyr.random() < 0.85:
                    k = int(own_makes[int(pyr.random() * len(own_makes))])
                    fg[_T["ft_n"], k], fg[_T["ft_mask"], k] = 1, int(flags[0])
                else:
                    trips.append((slots[j], 1, int(flags[0])))
                flags, left = flags[1:], left - 1
        for k in range(0, left, 2):
            trips.append((slots[j], 2, flags[k] | flags[k + 1] << 1))
    ft = np.zeros((len(_TIMELINE_COLUMNS), len(trips)), dtype=np.int32)
    if trips:
        ft[_T["side"]] = side
        ft[_T["slot"]], ft[_T["ft_n"]], ft[_T["ft_mask"]] = np.array(trips, dtype=np.int32).T
        ft[_T["assister"]] = -1
    return np.concatenate((fg, ft), axis=1)


def _unit_points(units: np.ndarray) -> np.ndarray:
    return units[_T["value"]] * units[_T["made"]] + _POPCOUNT[units[_T["ft_mask"]]]


def _pick_exact(pyr: random.Random, pool: list[tuple[int, int]], target: int) -> list[int] | None:
    """Indices from ``pool`` of (index, points) whose points sum exactly to ``target`` (greedy, shuffles)."""
    for _ in range(40):
        order = pool[:]
        pyr.shuffle(order)
        chosen, left = [], target
        for i, pts in order:
            if pts <= left:
                chosen.append(i)
                left -= pts
                if not left:
                    return chosen
    return None


def _assign_periods(
    rng: np.random.Generator, pyr: random.Random, units: np.ndarray, periods: int, margin: int
) -> np.ndarray:
    """Periods and clock times for every unit, then the units in time order. With overtime, each
    extra period's scoring is chosen so that the score is tied at the end of every period but the
    last, whose difference is ``margin`` (home minus away)."""
    n = units.shape[1]
    period = np.zeros(n, dtype=np.int32)
    if periods > 4:
        points = _unit_points(units)
        sides = units[_T["side"]]
        game_len = 2880 + 300 * (periods - 4)
        for extra in range(5, periods + 1):
            last = extra == periods
            free = period == 0
            pools = [
                [(int(i), int(points[i])) for i in np.nonzero(free & (sides == s) & (points > 0))[0]] for s in (0, 1)
            ]
            for _ in range(60):
                low = pyr.randint(4, 13)  # the loser's (or both teams') points in the period
                home_pick = _pick_exact(pyr, pools[0], low + (max(margin, 0) if last else 0))
                away_pick = _pick_exact(pyr, pools[1], low + (max(-margin, 0) if last else 0))
                if home_pick is not None and away_pick is not None:
                    break
            else:  # pragma: no cover
                raise RuntimeError("could not split the overtime scoring")
            period[home_pick + away_pick] = extra
            period[free & (points == 0) & (rng.random(n) < 300 / game_len)] = extra
    free = period == 0
    period[free] = rng.integers(1, 5, int(free.sum()))
    length = np.where(period <= 4, 720.0, 300.0)
    t = 0.5 + (length - 1.0) * rng.random(n)
    # Whole seconds, tenths in the last minute of a period.
    tenths = np.where(length - t > 60.0, np.rint(t) * 10, np.rint(t * 10)).astype(np.int32)
    units[_T["period"]], units[_T["tenths"]] = period, tenths
    return units[:, np.lexsort((tenths, period))]


def _distribute(rng: np.random.Generator, total: int, weights: np.ndarray, cap: int | None = None) -> list[int]:
    if total <= 0 or weights.sum() <= 0:
        return [0] * len(weights)
    out = rng.multinomial(total, weights / weights.sum())
    if cap is not None:
        out = np.minimum(out, cap)
    return [int(v) for v in out]


def _plus_minus(pyr: random.Random, secs: list[int], margin: int, game_secs: int) -> list[int]:
    raw = [margin * s / game_secs + pyr.gauss(0.0, 4.5 * math.sqrt(s / 2880)) for s in secs]
    pm = [int(round(v)) for v in raw]
    short = 5 * margin - sum(pm)
    order = sorted(range(len(secs)), key=lambda i: -secs[i])
    i = 0
    while short:
        k = order[i % len(order)] if pyr.random() < 0.5 else pyr.randrange(len(order))
        step = 1 if short > 0 else -1
        pm[k] += step
        short -= step
        i += 1
    return pm


_POSITION_RANK = {"F": 0, "C": 1, "G": 2}
#: Per-slot counting stats of a :class:`Side`.
_COUNT_FIELDS = (
    "sec",
    "fgm",
    "fga",
    "tpm",
    "tpa",
    "ftm",
    "fta",
    "oreb",
    "dreb",
    "ast",
    "stl",
    "blk",
    "tov",
    "pf",
    "pts",
)
_SIDE_STATS = (*_COUNT_FIELDS, "pm")


#: Enough for a whole season (1230 games, ~50 KB each): a season-wide pass never regenerates a game.
GAME_CACHE_SIZE = 1400


@functools.lru_cache(maxsize=GAME_CACHE_SIZE)
def game_sim(seed: int, season: int, seq: int) -> GameSim:
    """The whole game, deterministic for (seed, season, seq)."""
    sea = season_model(seed, season)
    g = sea.game(seq)
    lg = league(seed)
    rng = np.random.default_rng([_seed_key(seed), season, seq])
    pyr = random.Random(int(rng.integers(2**62)))
    game_secs = 2880 + 300 * (g.periods - 4)

    # Before the game: who is out, who gets a points prop and at what expectation.
    pre = []
    for t, no, mu in ((g.home, g.home_no, g.mu_home), (g.away, g.away_no, g.mu_away)):
        roster_ = lg.roster(t)
        out = sea.injured[t][no]
        available = sorted((s for s in range(ROSTER_SIZE) if not out[s]), key=lambda s: -roster_[s].base_minutes)
        top = available[:11]
        norm = 240.0 / sum(roster_[s].base_minutes for s in top)
        denom = sum(roster_[s].rate * roster_[s].base_minutes * norm for s in top)
        n_props = pyr.choice((8, 9, 9, 10, 10))
        props = [(s, mu * roster_[s].rate * roster_[s].base_minutes * norm / denom) for s in available[:n_props]]
        pre.append((roster_, out, available, props))
    scratched = None
    if pyr.random() < 0.02:
        side = pyr.randrange(2)
        scratched = (side, pyr.choice(pre[side][3])[0])

    sides_shots = []
    for side, target in enumerate((g.home_score, g.away_score)):
        roster_, out, available, props = pre[side]
        healthy = [s for s in available if scratched != (side, s)]
        n_play = min(len(healthy), pyr.choices((10, 11, 12, 13), weights=(15, 35, 32, 18))[0])
        # Everyone with a prop plays (but a late scratch); the last spots go to the deep bench at random.
        sure = [s for s, _ in props if s in healthy]
        others = sorted(
            (s for s in healthy if s not in sure),
            key=lambda s: -(roster_[s].base_minutes + (pyr.gauss(0, 2.5) if roster_[s].base_minutes < 12 else 0)),
        )
        playing = sorted(sure + others[: max(0, n_play - len(sure))], key=lambda s: -roster_[s].base_minutes)
        players = [roster_[s] for s in playing]
        secs = _minutes(rng, np.array([p.base_minutes for p in players]), game_secs)
        shots = _shooting(rng, pyr, players, secs, target)
        sides_shots.append((roster_, out, props, playing, players, secs, shots))

    units = np.concatenate(
        [_side_units(rng, pyr, side, ss[4], ss[3], ss[5], ss[6]) for side, ss in enumerate(sides_shots)], axis=1
    )
    margin = g.home_score - g.away_score
    timeline = _assign_periods(rng, pyr, units, g.periods, margin)
    helpers = timeline[_T["assister"]]

    misses = []
    for _, _, _, _, _, _, (fg2a, fg2m, tpa, tpm, fta, ftm) in sides_shots:
        fg_miss = sum(fg2a) - sum(fg2m) + sum(tpa) - sum(tpm)
        misses.append((fg_miss, fg_miss + int(round(0.6 * (sum(fta) - sum(ftm)))), sum(fg2a) - sum(fg2m)))
    orebs = [int(rng.binomial(misses[s][1], 0.24)) for s in (0, 1)]

    built = []
    for side, (roster_, out, props, playing, players, secs, shots) in enumerate(sides_shots):
        fg2a, fg2m, tpa, tpm, fta, ftm = shots
        opp = 1 - side
        secs_a = np.array(secs, dtype=float)
        reb = np.array([p.reb_rate for p in players]) * secs_a
        osh = np.array([p.oreb_share for p in players])
        oreb = _distribute(rng, orebs[side], reb * osh)
        dreb = _distribute(rng, int(rng.binomial(max(0, misses[opp][1] - orebs[opp]), 0.86)), reb * (1 - osh))
        stl = _distribute(rng, int(rng.poisson(7.5)), np.array([p.stl_rate for p in players]) * secs_a)
        blk = _distribute(
            rng, min(int(rng.poisson(4.8)), misses[opp][2]), np.array([p.blk_rate for p in players]) * secs_a
        )
        tov = _distribute(rng, int(rng.poisson(13.0)), np.array([p.tov_rate for p in players]) * secs_a)
        pf = _distribute(rng, int(rng.poisson(19.0)), np.array([p.pf_rate for p in players]) * secs_a, cap=6)
        own_margin = margin if side == 0 else -margin
        pm = _plus_minus(pyr, secs, own_margin, game_secs)

        full = {name: [0] * ROSTER_SIZE for name in _SIDE_STATS}
        for j, s in enumerate(playing):
            full["sec"][s] = secs[j]
            full["fgm"][s] = fg2m[j] + tpm[j]
            full["fga"][s] = fg2a[j] + tpa[j]
            full["tpm"][s], full["tpa"][s] = tpm[j], tpa[j]
            full["ftm"][s], full["fta"][s] = ftm[j], fta[j]
            full["oreb"][s], full["dreb"][s] = oreb[j], dreb[j]
            full["stl"][s], full["blk"][s], full["tov"][s], full["pf"][s] = stl[j], blk[j], tov[j], pf[j]
            full["pts"][s] = 2 * fg2m[j] + 3 * tpm[j] + ftm[j]
            full["pm"][s] = pm[j]
        full["ast"] = np.bincount(
            helpers[(timeline[_T["side"]] == side) & (helpers >= 0)], minlength=ROSTER_SIZE
        ).tolist()
        comment = [""] * ROSTER_SIZE
        on_floor = set(playing)
        for s in range(ROSTER_SIZE):
            if s not in on_floor:
                comment[s] = "DNP - Injury/Illness" if out[s] or scratched == (side, s) else "DNP - Coach's Decision"
        starters = sorted(playing[:5], key=lambda s: (_POSITION_RANK[roster_[s].position], -roster_[s].base_minutes))
        bench = sorted(playing[5:], key=lambda s: -full["sec"][s])
        dnp = sorted((s for s in range(ROSTER_SIZE) if s not in on_floor), key=lambda s: (comment[s], s))
        built.append(
            Side(
                team_index=g.home if side == 0 else g.away,
                players=roster_,
                comment=comment,
                starters=starters,
                order=starters + bench + dnp,
                props=props,
                points=sum(full["pts"]),
                margin=own_margin,
                **full,
            )
        )

    # The odds: bookmaker noise, opening-line shifts and when the line moves.
    n_props = max(len(pre[0][3]), len(pre[1][3]))
    line_noise = rng.normal(0.0, 0.45, (2, n_props, len(BOOKMAKERS)))
    price_noise = rng.normal(0.0, 0.02, (2, n_props, len(BOOKMAKERS)))
    line_shift = [[pyr.choices((-1, 0, 1), weights=(20, 55, 25))[0] for _ in range(n_props)] for _ in range(2)]
    line_move = [[pyr.uniform(0.75, 10.0) for _ in range(n_props)] for _ in range(2)]
    no_props: frozenset[int] = frozenset()
    if pyr.random() < 0.05:
        no_props = frozenset(pyr.sample(range(len(BOOKMAKERS)), pyr.randint(1, len(BOOKMAKERS))))
    return GameSim(
        game=g, sides=(built[0], built[1]), timeline=timeline, no_props_books=no_props, scratched=scratched,
        line_noise=line_noise, line_shift=line_shift, line_move_hours=line_move, price_noise=price_noise,
        game_line_noise=rng.normal(0.0, 0.5, (len(BOOKMAKERS), 2)),
        game_line_shift=(pyr.choice((-1, 0, 0, 1)), pyr.choice((-2, -1, 0, 0, 1, 2))),
        game_line_move_hours=pyr.uniform(2.0, 30.0),
    )  # fmt: skip


# ==================================================================================================
# Payloads: NBA.com
# ==================================================================================================

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
_STAT_KEYS = (
    "minutes", "fieldGoalsMade", "fieldGoalsAttempted", "fieldGoalsPercentage", "threePointersMade",
    "threePointersAttempted", "threePointersPercentage", "freeThrowsMade", "freeThrowsAttempted",
    "freeThrowsPercentage", "reboundsOffensive", "reboundsDefensive", "reboundsTotal", "assists",
    "steals", "blocks", "turnovers", "foulsPersonal", "points", "plusMinusPoints",
)  # fmt: skip


def _status_text(g: SimGame, final: bool) -> str:
    if final:
        extra = g.periods - 4
        return "Final" if not extra else ("Final/OT" if extra == 1 else f"Final/{extra}OT")
    hour = g.tip_et.hour % 12 or 12
    return f"{hour}:{g.tip_et.minute:02d} {'am' if g.tip_et.hour < 12 else 'pm'} ET"


def _week_number(g: SimGame) -> int:
    start = calendar.season_start(g.season)
    monday = start - dt.timedelta(days=start.weekday())
    return (g.game_date - monday).days // 7 + 1


def _record(sea: Season, team: int, game_no: int, final: bool, today: dt.date) -> tuple[int, int]:
    """Wins-losses after this game if it is final, else through the games played before today."""
    if final:
        k = game_no
    else:
        k = bisect.bisect_left(sea.team_dates[team], today) - 1
    return (sea.wins_after[team][k], sea.losses_after[team][k]) if k >= 0 else (0, 0)


def _local_wall(moment_utc: dt.datetime, team: Team) -> str:
    return moment_utc.astimezone(ZoneInfo(team.timezone)).strftime("%Y-%m-%dT%H:%M:00Z")


def _schedule_team(team: Team, record: tuple[int, int], score: int) -> dict[str, Any]:
    return {
        "teamId": team.team_id, "teamName": team.name, "teamCity": team.city, "teamTricode": team.tricode,
        "teamSlug": team.slug, "wins": record[0], "losses": record[1], "score": score, "seed": 0,
    }  # fmt: skip


_EMPTY_BROADCASTERS = {
    key: []
    for key in (
        "nationalTvBroadcasters", "nationalRadioBroadcasters", "nationalOttBroadcasters",
        "homeTvBroadcasters", "homeRadioBroadcasters", "homeOttBroadcasters", "awayTvBroadcasters",
        "awayRadioBroadcasters", "awayOttBroadcasters", "intlRadioBroadcasters", "intlTvBroadcasters",
        "intlOttBroadcasters",
    )
}  # fmt: skip


def _schedule_game(seed: int, sea: Season, g: SimGame, today: dt.date) -> dict[str, Any]:
    final = g.game_date < today
    home, away = g.home_team, g.away_team
    midnight_utc = dt.datetime.combine(g.game_date, dt.time(0), tzinfo=EASTERN).astimezone(UTC)
    arena = ARENAS[home.tricode]
    week = _week_number(g)
    leaders: list[dict[str, Any]] = []
    if final:
        sim = game_sim(seed, g.season, g.seq)
        side, slot = max(
            ((s, k) for s in (0, 1) for k in range(ROSTER_SIZE)),
            key=lambda sk: (sim.sides[sk[0]].pts[sk[1]], -sk[0], -sk[1]),
        )
        p, team = sim.sides[side].players[slot], (home if side == 0 else away)
        leaders.append({
            "personId": p.person_id, "firstName": p.first_name, "lastName": p.family_name,
            "teamId": team.team_id, "teamCity": team.city, "teamName": team.name,
            "teamTricode": team.tricode, "points": float(sim.sides[side].pts[slot]),
        })  # fmt: skip
    return {
        "gameId": g.nba_game_id,
        "gameCode": f"{g.game_date:%Y%m%d}/{away.tricode}{home.tricode}",
        "gameStatus": 3 if final else 1,
        "gameStatusText": _status_text(g, final),
        "gameSequence": g.date_seq,
        "gameDateEst": f"{g.game_date}T00:00:00Z",
        "gameTimeEst": f"1900-01-01T{g.tip_et:%H:%M}:00Z",
        "gameDateTimeEst": f"{g.tip_et:%Y-%m-%dT%H:%M}:00Z",
        "gameDateUTC": _iso_z(midnight_utc),
        "gameTimeUTC": f"1900-01-01T{g.tip_utc:%H:%M}:00Z",
        "gameDateTimeUTC": _iso_z(g.tip_utc),
        "awayTeamTime": _local_wall(g.tip_utc, away),
        "homeTeamTime": _local_wall(g.tip_utc, home),
        "day": _DAY_NAMES[g.game_date.weekday()],
        "monthNum": g.game_date.month,
        "weekNumber": week,
        "weekName": f"Week {week}",
        "ifNecessary": False,
        "seriesGameNumber": "",
        "gameLabel": "",
        "gameSubLabel": "",
        "seriesText": "",
        "arenaName": arena[0],
        "arenaState": arena[2],
        "arenaCity": arena[1],
        "postponedStatus": "N",
        "branchLink": "",
        "gameSubtype": "",
        "isNeutral": False,
        "broadcasters": {k: [] for k in _EMPTY_BROADCASTERS},
        "homeTeam": _schedule_team(home, _record(sea, g.home, g.home_no, final, today), g.home_score if final else 0),
        "awayTeam": _schedule_team(away, _record(sea, g.away, g.away_no, final, today), g.away_score if final else 0),
        "pointsLeaders": leaders,
    }


def _meta(request: str, moment: dt.datetime) -> dict[str, Any]:
    return {
        "version": 1,
        "request": request,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-2] + "Z",
    }


def schedule_payload(seed: int, game_date: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    """scheduleLeagueV2 with only ``game_date``'s games (``gameDates: []`` on a day without games)."""
    day = calendar.as_date(game_date)
    today = today or today_et()
    season = calendar.season_year(day)
    games = games_on(seed, day)
    fmt = calendar.season_nba_format(season)
    dates = []
    if games:
        sea = season_model(seed, season)
        dates.append(
            {"gameDate": f"{day:%m/%d/%Y} 00:00:00", "games": [_schedule_game(seed, sea, g, today) for g in games]}
        )
    stamp = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 0), tzinfo=UTC)
    return {
        "meta": _meta(f"http://nba.cloud/league/00/{fmt}/scheduleleaguev2?Format=json", stamp),
        "leagueSchedule": {"seasonYear": fmt, "leagueId": "00", "gameDates": dates, "weeks": [], "broadcasterList": []},
    }


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _pct(made: int, attempted: int) -> float:
    return round(made / attempted, 3) if attempted else 0.0


def _stats(sec: int, fgm: int, fga: int, tpm: int, tpa: int, ftm: int, fta: int, oreb: int, dreb: int,
           ast: int, stl: int, blk: int, tov: int, pf: int, pts: int) -> dict[str, Any]:  # fmt: skip
    return {
        "minutes": _mmss(sec), "fieldGoalsMade": fgm, "fieldGoalsAttempted": fga,
        "fieldGoalsPercentage": _pct(fgm, fga), "threePointersMade": tpm, "threePointersAttempted": tpa,
        "threePointersPercentage": _pct(tpm, tpa), "freeThrowsMade": ftm, "freeThrowsAttempted": fta,
        "freeThrowsPercentage": _pct(ftm, fta), "reboundsOffensive": oreb, "reboundsDefensive": dreb,
        "reboundsTotal": oreb + dreb, "assists": ast, "steals": stl, "blocks": blk, "turnovers": tov,
        "foulsPersonal": pf, "points": pts,
    }  # fmt: skip




def _group_stats(side: Side, slots: Sequence[int]) -> dict[str, Any]:
    return _stats(*(sum(getattr(side, f)[s] for s in slots) for f in _COUNT_FIELDS))


def _box_team(side: Side) -> dict[str, Any]:
    team = TEAMS[side.team_index]
    players = []
    for s in side.order:
        p = side.players[s]
        if side.comment[s]:
            stats = {k: 0 for k in _STAT_KEYS}
            stats.update(minutes="", fieldGoalsPercentage=0.0, threePointersPercentage=0.0,
                         freeThrowsPercentage=0.0, plusMinusPoints=0.0)  # fmt: skip
        else:
            stats = _stats(*(getattr(side, f)[s] for f in _COUNT_FIELDS))
            stats["plusMinusPoints"] = float(side.pm[s])
        players.append({
            "personId": p.person_id, "firstName": p.first_name, "familyName": p.family_name,
            "nameI": p.name_i, "playerSlug": p.slug,
            "position": p.position if s in side.starters else "", "comment": side.comment[s],
            "jerseyNum": "", "statistics": stats,
        })  # fmt: skip
    everyone = [s for s in side.order if not side.comment[s]]
    statistics = _group_stats(side, everyone)
    statistics["plusMinusPoints"] = float(side.margin)
    return {
        "teamId": team.team_id, "teamCity": team.city, "teamName": team.name, "teamTricode": team.tricode,
        "teamSlug": team.slug, "players": players, "statistics": statistics,
        "starters": _group_stats(side, side.starters),
        "bench": _group_stats(side, [s for s in everyone if s not in side.starters]),
    }  # fmt: skip


def _played_game(seed: int, nba_game_id: str, feed: str, today: dt.date) -> SimGame:
    g = _find_game(seed, nba_game_id, feed)
    if g.game_date >= today:
        raise SourceUnavailable(feed, g.game_date, 404, f"game {nba_game_id} has not been played yet")
    return g


def boxscore_payload(seed: int, nba_game_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """boxscoretraditionalv3 of a finished game (SourceUnavailable 404 before it is played)."""
    g = _played_game(seed, nba_game_id, FEED_BOXSCORE, today or today_et())
    return _boxscore(seed, g)


def _boxscore(seed: int, g: SimGame) -> dict[str, Any]:
    sim = game_sim(seed, g.season, g.seq)
    return {
        "meta": _meta(
            f"http://nba.cloud/games/{g.nba_game_id}/boxscoretraditional?Format=json", g.tip_utc + dt.timedelta(hours=4)
        ),
        "boxScoreTraditional": {
            "gameId": g.nba_game_id, "awayTeamId": g.away_team.team_id, "homeTeamId": g.home_team.team_id,
            "homeTeam": _box_team(sim.sides[0]), "awayTeam": _box_team(sim.sides[1]),
        },
    }  # fmt: skip


def _clock(remaining: float) -> str:
    """``PT11M41.00S`` for 701.0 seconds remaining."""
    m = int(remaining // 60)
    return f"PT{m:02d}M{remaining - 60 * m:05.2f}S"


#: Every clock string of a period, by tenths of a second remaining (0 .. 12 minutes).
_CLOCKS = tuple(_clock(t / 10) for t in range(7201))
#: actionNumber gaps (real feeds skip numbers); a game reads a slice at its own offset.
_GAPS = tuple(np.random.default_rng(31337).choice((1, 1, 1, 2, 2, 3), 20000).tolist())


def _wall(moment: dt.datetime) -> str:
    local = moment.replace(tzinfo=EASTERN)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"


def _period_name(period: int) -> str:
    return f"{_ORDINALS[period]} Period" if period <= 4 else f"{_ORDINALS.get(period - 4, f'{period - 4}th')} OT"


def play_by_play_payload(seed: int, nba_game_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """playbyplayv3 of a finished game: period starts/ends, a jump ball, every shot and free throw."""
    g = _played_game(seed, nba_game_id, FEED_PBP, today or today_et())
    return _play_by_play(seed, g)


def _play_by_play(seed: int, g: SimGame) -> dict[str, Any]:
    sim = game_sim(seed, g.season, g.seq)
    # Per side: (teamId, teamTricode, location) and per slot (personId, playerName, playerNameI, ascii name).
    team_keys = [(t.team_id, t.tricode, loc) for t, loc in ((g.home_team, "h"), (g.away_team, "v"))]
    people = [[(p.person_id, p.family_name, p.name_i, p.ascii_family_name) for p in side.players] for side in sim.sides]
    rnd = random.Random(_mix(_seed_key(seed), g.season, g.seq, 7))
    columns = sim.timeline.tolist()
    n_units = len(columns[0])
    offset = rnd.randrange(len(_GAPS) - 4000)
    gaps = _GAPS[offset : offset + 4 * n_units + 4 * g.periods + 8]
    actions: list[dict[str, Any]] = []
    append = actions.append
    number = 1
    home = away = 0
    pts = [[0] * ROSTER_SIZE, [0] * ROSTER_SIZE]
    asts = [[0] * ROSTER_SIZE, [0] * ROSTER_SIZE]

    def marker(clock: str, period: int, description: str, sub: str, video: int) -> None:
        nonlocal number
        number += gaps[len(actions)]
        append({
            "actionNumber": number, "clock": clock, "period": period, "teamId": 0, "teamTricode": "",
            "personId": 0, "playerName": "", "playerNameI": "", "xLegacy": 0, "yLegacy": 0,
            "shotDistance": 0, "shotResult": "", "isFieldGoal": 0, "scoreHome": str(home),
            "scoreAway": str(away), "pointsTotal": home + away, "location": "", "description": description,
            "actionType": "period", "subType": sub, "videoAvailable": video, "shotValue": 0,
            "actionId": len(actions) + 1,
        })  # fmt: skip

    # Wall-clock times of period starts and ends, for the descriptions.
    start = g.tip_et + dt.timedelta(minutes=8 + rnd.randint(0, 5))
    bounds = []
    for period in range(1, g.periods + 1):
        end = start + dt.timedelta(minutes=(27 if period <= 4 else 13) + rnd.randint(0, 5))
        bounds.append((start, end))
        start = end + dt.timedelta(minutes=16 if period == 2 else 2 + rnd.randint(0, 2))

    units = list(zip(*columns))
    k = 0
    for period in range(1, g.periods + 1):
        full = 7200 if period <= 4 else 3000  # tenths of a second in the period
        marker(_CLOCKS[full], period, f"Start of {_period_name(period)} ({_wall(bounds[period - 1][0])})", "start", 0)
        if period == 1:
            h, a = sim.sides
            jumpers = [
                next((s for s in side.starters if side.players[s].position == "C"), side.starters[0])
                for side in sim.sides
            ]
            pid, pname, pname_i, who = people[0][jumpers[0]]
            number += gaps[len(actions)]
            append({
                "actionNumber": number, "clock": _CLOCKS[full], "period": 1, "teamId": team_keys[0][0],
                "teamTricode": team_keys[0][1], "personId": pid, "playerName": pname, "playerNameI": pname_i,
                "xLegacy": 0, "yLegacy": 0, "shotDistance": 0, "shotResult": "", "isFieldGoal": 0,
                "scoreHome": "", "scoreAway": "", "pointsTotal": 0, "location": "h",
                "description": f"Jump Ball {who} vs. {people[1][jumpers[1]][3]}: Tip to {people[1][a.starters[-1]][3]}",
                "actionType": "Jump Ball", "subType": "", "videoAvailable": 1, "shotValue": 0,
                "actionId": len(actions) + 1,
            })  # fmt: skip
        while k < n_units and units[k][0] == period:
            _, tenths, side, slot, value, made, dist, x, y, sub, assister, ft_n, ft_mask = units[k]
            k += 1
            clock = _CLOCKS[full - tenths]
            team_id, tricode, location = team_keys[side]
            pid, pname, pname_i, who = people[side][slot]
            if value:
                sub_type, sub_text = _SUBTYPES[sub]
                shot_text = (f"{dist}' " if dist else "") + ("3PT " if value == 3 else "")
                if made:
                    if side:
                        away += value
                    else:
                        home += value
                    pts[side][slot] += value
                    text = f"{who} {shot_text}{sub_text} ({pts[side][slot]} PTS)"
                    if assister >= 0:
                        asts[side][assister] += 1
                        text += f" ({people[side][assister][3]} {asts[side][assister]} AST)"
                    score_h, score_a, total, kind, result = str(home), str(away), home + away, "Made Shot", "Made"
                else:
                    text = f"MISS {who} {shot_text}{sub_text}"
                    score_h, score_a, total, kind, result = "", "", 0, "Missed Shot", "Missed"
                number += gaps[len(actions)]
                append({
                    "actionNumber": number, "clock": clock, "period": period, "teamId": team_id,
                    "teamTricode": tricode, "personId": pid, "playerName": pname, "playerNameI": pname_i,
                    "xLegacy": x, "yLegacy": y, "shotDistance": dist, "shotResult": result, "isFieldGoal": 1,
                    "scoreHome": score_h, "scoreAway": score_a, "pointsTotal": total, "location": location,
                    "description": text, "actionType": kind, "subType": sub_type, "videoAvailable": 1,
                    "shotValue": value, "actionId": len(actions) + 1,
                })  # fmt: skip
            for i in range(1, ft_n + 1):
                sub_type = f"Free Throw {i} of {ft_n}"
                if ft_mask >> (i - 1) & 1:
                    if side:
                        away += 1
                    else:
                        home += 1
                    pts[side][slot] += 1
                    text = f"{who} {sub_type} ({pts[side][slot]} PTS)"
                    score_h, score_a, total = str(home), str(away), home + away
                else:
                    text = f"MISS {who} {sub_type}"
                    score_h, score_a, total = "", "", 0
                number += gaps[len(actions)]
                append({
                    "actionNumber": number, "clock": clock, "period": period, "teamId": team_id,
                    "teamTricode": tricode, "personId": pid, "playerName": pname, "playerNameI": pname_i,
                    "xLegacy": 0, "yLegacy": 0, "shotDistance": 0, "shotResult": "", "isFieldGoal": 0,
                    "scoreHome": score_h, "scoreAway": score_a, "pointsTotal": total, "location": location,
                    "description": text, "actionType": "Free Throw", "subType": sub_type,
                    "videoAvailable": 1, "shotValue": 0, "actionId": len(actions) + 1,
                })  # fmt: skip
        marker("PT00M00.00S", period, f"End of {_period_name(period)} ({_wall(bounds[period - 1][1])})", "end", 1)
    return {
        "meta": _meta(
            f"http://nba.cloud/games/{g.nba_game_id}/playbyplay?Format=json", g.tip_utc + dt.timedelta(hours=4)
        ),
        "game": {"gameId": g.nba_game_id, "videoAvailable": 1, "actions": actions},
    }


# ==================================================================================================
# Payloads: The Odds API
# ==================================================================================================

HISTORICAL_STEP = dt.timedelta(minutes=5)
#: Historical events listings keep games that tipped off up to this long before the snapshot.
EVENTS_LOOKBACK = dt.timedelta(hours=3)
#: A live (snapshot-less) call sees the market as of this long before tip-off: the closing line.
LIVE_LEAD = dt.timedelta(minutes=5)


def _event(g: SimGame) -> dict[str, Any]:
    return {
        "id": g.event_id, "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": _iso_z(g.tip_utc), "home_team": g.home_team.full_name, "away_team": g.away_team.full_name,
    }  # fmt: skip


def event_for_game(seed: int, nba_game_id: str) -> dict[str, Any]:
    """The Odds API event object (no bookmakers) of an NBA.com game id."""
    return _event(_find_game(seed, nba_game_id, FEED_EVENTS))


def _wrap(snapshot: dt.datetime, data: Any) -> dict[str, Any]:
    return {
        "timestamp": _iso_z(snapshot), "previous_timestamp": _iso_z(snapshot - HISTORICAL_STEP),
        "next_timestamp": _iso_z(snapshot + HISTORICAL_STEP), "data": data,
    }  # fmt: skip


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
    return _wrap(snap, [_event(g) for g in games])


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
            out.append({"key": m, "last_update": _iso_z(market_update), "outcomes": outcomes})
        if out:
            books.append({"key": key, "title": title, "last_update": _iso_z(book_update), "markets": out})
    return books


def odds_feed(markets: Sequence[str]) -> str:
    return FEED_PROPS if "player_points" in markets else FEED_LINES


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
            feed, g.game_date, 404, f"EVENT_NOT_FOUND: event {g.event_id} started at {_iso_z(g.tip_utc)}"
        )
    sim = game_sim(seed, g.season, g.seq)
    event = _event(g)
    event["bookmakers"] = _bookmakers(sim, list(markets), snap if snap is not None else g.tip_utc - LIVE_LEAD)
    return event if snap is None else _wrap(snap, event)


# ==================================================================================================
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

    ``outages`` / ``corrupt`` are fault specs (see :mod:`nba_backfill.sources.faults`); left unset
    they are read from ``NBA_SIM_OUTAGES`` / ``NBA_SIM_CORRUPT`` at call time. An outage raises
    ``SourceUnavailable(feed, date, 503)``; a corrupt feed returns a malformed payload.
    """

    seed: int = DEFAULT_SEED
    outages: Optional[str] = None
    corrupt: Optional[str] = None

    # -- faults ------------------------------------------------------------------------------------

    def fault_plans(self) -> tuple[FaultPlan, FaultPlan]:
        """(outages, corrupt) in force now."""
        outages = self.outages if self.outages is not None else os.environ.get(OUTAGES_ENV)
        corrupt = self.corrupt if self.corrupt is not None else os.environ.get(CORRUPT_ENV)
        return FaultPlan.from_spec(outages), FaultPlan.from_spec(corrupt)

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
        g = _played_game(self.seed, nba_game_id, feed, today_et())
        payload = build(self.seed, g)
        return _corrupt_payload(feed, payload) if corrupt.fails(feed, g.game_date) else payload

    # -- The Odds API ------------------------------------------------------------------------------

    def odds_events(self, game_date: dt.date, snapshot: dt.datetime | None) -> dict | list:
        """Historical wrapper (snapshot given) or the bare live list (snapshot None)."""
        day = calendar.as_date(game_date)
        corrupt = self._check_outage(FEED_EVENTS, day)
        payload = odds_events_payload(self.seed, day, snapshot)
        return _corrupt_payload(FEED_EVENTS, payload) if corrupt.fails(FEED_EVENTS, day) else payload

    def event_odds(self, event_id: str, markets: list[str], snapshot: dt.datetime | None) -> dict:
        """Event odds for ``markets`` (player_points, spreads, totals, h2h; others are omitted)."""
        feed = odds_feed(markets)
        g = _find_event(self.seed, event_id, feed)
        corrupt = self._check_outage(feed, g.game_date)
        payload = _event_odds(self.seed, g, markets, snapshot, feed)
        return _corrupt_payload(feed, payload) if corrupt.fails(feed, g.game_date) else payload

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
