"""A season: dates, matchups, tip-offs, team strengths, final scores, injuries (one per seed x season)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nba_backfill import calendar
from nba_backfill.calendar import EASTERN
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.simulated.league import (
    _SEASONS_SEEN,
    _TEAM_INDEX,
    CONFERENCES,
    DEFAULT_SEED,
    DIVISIONS,
    FIRST_SEASON,
    GAMES_PER_TEAM,
    HOME_EDGE,
    LEAGUE_AVG_POINTS,
    ROSTER_SIZE,
    SEASON_DAYS,
    UTC,
    Player,
    _seed_key,
    league,
)
from nba_backfill.teams import TEAMS, Team

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
    last = max(FIRST_SEASON, calendar.season_year(calendar.today_et()) + 1)
    loaded = sorted(s for k, s in _SEASONS_SEEN if k == seed)
    for season in dict.fromkeys(loaded + list(range(last, FIRST_SEASON - 1, -1))):
        seq = season_model(seed, season).by_event.get(event_id)
        if seq is not None:
            return season_model(seed, season).game(seq)
    raise SourceUnavailable(feed, None, 404, f"EVENT_NOT_FOUND: event {event_id} not found")


# ==================================================================================================
