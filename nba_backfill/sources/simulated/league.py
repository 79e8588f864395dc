"""The league: constants, small helpers, players and rosters (one per seed)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from nba_backfill import calendar
from nba_backfill.sources.shapes import BOOK_TITLES
from nba_backfill.teams import TEAMS

DEFAULT_SEED = 20241022
FIRST_SEASON = 2021
UTC = dt.timezone.utc

SEASON_DAYS = 174
GAMES_PER_TEAM = 82
ROSTER_SIZE = 15
LEAGUE_AVG_POINTS = 114.5
HOME_EDGE = 1.2  # points added to the home mean, taken from the away mean


#: (key, title) of the simulated sportsbooks.
#: The simulated league's books (key, title), in priority order.
BOOKMAKERS: tuple[tuple[str, str], ...] = tuple(
    (key, BOOK_TITLES[key]) for key in ("draftkings", "fanduel", "betmgm", "williamhill_us")
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
    year = season if season is not None else calendar.season_year(calendar.today_et())
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
