"""Payloads: NBA.com (scheduleLeagueV2, boxscoretraditionalv3, playbyplayv3)."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from nba_backfill import calendar
from nba_backfill.calendar import EASTERN
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_PBP
from nba_backfill.sources.shapes import box_stats, iso_z, meta, schedule_team
from nba_backfill.sources.simulated.game import _COUNT_FIELDS, _SUBTYPES, Side, game_sim
from nba_backfill.sources.simulated.league import (
    ARENAS,
    ROSTER_SIZE,
    UTC,
    _mix,
    _seed_key,
)
from nba_backfill.sources.simulated.season import Season, SimGame, _find_game, games_on, season_model
from nba_backfill.teams import TEAMS, Team

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
        "gameDateUTC": iso_z(midnight_utc),
        "gameTimeUTC": f"1900-01-01T{g.tip_utc:%H:%M}:00Z",
        "gameDateTimeUTC": iso_z(g.tip_utc),
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
        "homeTeam": schedule_team(home, _record(sea, g.home, g.home_no, final, today), g.home_score if final else 0),
        "awayTeam": schedule_team(away, _record(sea, g.away, g.away_no, final, today), g.away_score if final else 0),
        "pointsLeaders": leaders,
    }


def schedule_payload(seed: int, game_date: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    """scheduleLeagueV2 with only ``game_date``'s games (``gameDates: []`` on a day without games)."""
    day = calendar.as_date(game_date)
    today = today or calendar.today_et()
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
        "meta": meta(f"http://nba.cloud/league/00/{fmt}/scheduleleaguev2?Format=json", stamp),
        "leagueSchedule": {"seasonYear": fmt, "leagueId": "00", "gameDates": dates, "weeks": [], "broadcasterList": []},
    }


def _group_stats(side: Side, slots: Sequence[int]) -> dict[str, Any]:
    return box_stats(*(sum(getattr(side, f)[s] for s in slots) for f in _COUNT_FIELDS))


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
            stats = box_stats(*(getattr(side, f)[s] for f in _COUNT_FIELDS))
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
    g = _played_game(seed, nba_game_id, FEED_BOXSCORE, today or calendar.today_et())
    return _boxscore(seed, g)


def _boxscore(seed: int, g: SimGame) -> dict[str, Any]:
    sim = game_sim(seed, g.season, g.seq)
    return {
        "meta": meta(
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
    g = _played_game(seed, nba_game_id, FEED_PBP, today or calendar.today_et())
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
        "meta": meta(
            f"http://nba.cloud/games/{g.nba_game_id}/playbyplay?Format=json", g.tip_utc + dt.timedelta(hours=4)
        ),
        "game": {"gameId": g.nba_game_id, "videoAvailable": 1, "actions": actions},
    }


# ==================================================================================================
