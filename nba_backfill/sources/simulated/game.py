"""A game: who plays, minutes, every shot and free throw, the timeline, the odds (one per game, cached)."""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass

import numpy as np

from nba_backfill.sources.simulated.league import BOOKMAKERS, ROSTER_SIZE, Player, _seed_key, league
from nba_backfill.sources.simulated.season import SimGame, season_model

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
