"""The real APIs' JSON shapes, built from plain values: shared by every source that answers as
NBA.com and The Odds API do (the simulated league, the dataset source), so both speak one shape.

Only shapes live here, never a source's data: what a value is comes from the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nba_backfill.teams import Team

UTC = dt.timezone.utc
#: The Odds API's book keys and the titles it gives them (the books the sources serve).
BOOK_TITLES: dict[str, str] = {
    "draftkings": "DraftKings",
    "fanduel": "FanDuel",
    "betmgm": "BetMGM",
    "williamhill_us": "Caesars",
    "betrivers": "BetRivers",
    "fanatics": "Fanatics",
    "bovada": "Bovada",
    "betonlineag": "BetOnline.ag",
}
#: The historical endpoints' snapshot spacing: an answer names its neighbours this far apart.
HISTORICAL_STEP = dt.timedelta(minutes=5)


def iso_z(moment: dt.datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SSZ`` (Odds API style)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(request: str, moment: dt.datetime) -> dict[str, Any]:
    """NBA.com's ``meta`` block: the request echoed and when it was answered."""
    return {
        "version": 1,
        "request": request,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-2] + "Z",
    }


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _pct(made: int, attempted: int) -> float:
    return round(made / attempted, 3) if attempted else 0.0


def box_stats(sec: int, fgm: int, fga: int, tpm: int, tpa: int, ftm: int, fta: int, oreb: int, dreb: int,
              ast: int, stl: int, blk: int, tov: int, pf: int, pts: int) -> dict[str, Any]:  # fmt: skip
    """A box score v3 ``statistics`` block (a player's or a team's) from its counts."""
    return {
        "minutes": _mmss(sec), "fieldGoalsMade": fgm, "fieldGoalsAttempted": fga,
        "fieldGoalsPercentage": _pct(fgm, fga), "threePointersMade": tpm, "threePointersAttempted": tpa,
        "threePointersPercentage": _pct(tpm, tpa), "freeThrowsMade": ftm, "freeThrowsAttempted": fta,
        "freeThrowsPercentage": _pct(ftm, fta), "reboundsOffensive": oreb, "reboundsDefensive": dreb,
        "reboundsTotal": oreb + dreb, "assists": ast, "steals": stl, "blocks": blk, "turnovers": tov,
        "foulsPersonal": pf, "points": pts,
    }  # fmt: skip


def schedule_team(team: Team, record: tuple[int, int], score: int) -> dict[str, Any]:
    """A team of a ``scheduleLeagueV2`` game: who, its record and its score."""
    return {
        "teamId": team.team_id, "teamName": team.name, "teamCity": team.city, "teamTricode": team.tricode,
        "teamSlug": team.slug, "wins": record[0], "losses": record[1], "score": score, "seed": 0,
    }  # fmt: skip


def historical_wrapper(snapshot: dt.datetime, data: Any) -> dict[str, Any]:
    """An Odds API historical answer: ``data`` as it stood at ``snapshot``, with its neighbours."""
    return {
        "timestamp": iso_z(snapshot), "previous_timestamp": iso_z(snapshot - HISTORICAL_STEP),
        "next_timestamp": iso_z(snapshot + HISTORICAL_STEP), "data": data,
    }  # fmt: skip
