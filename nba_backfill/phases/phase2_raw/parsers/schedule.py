"""Schedule (scheduleLeagueV2)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_backfill import calendar
from nba_backfill.phases.phase2_raw.parsers.common import (
    _game_keys,
    _is_foreign_exhibition,
    _items,
    _matchup,
    _nba_game_id,
    _optional,
    _parse,
    _require,
    _required_utc,
    _Src,
    _timestamp,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import SCHEDULE_COLUMNS, Files, Row, block
from nba_backfill.teams import Team

# --------------------------------------------------------------------------------------------------
# Schedule (scheduleLeagueV2)
# --------------------------------------------------------------------------------------------------


def parse_schedule(files: Files) -> pd.DataFrame:
    """``nbac_schedule``: one row per game of the path's date (other gameDates in the file are ignored,
    but a file with games only on other dates, for an in-season date, is an error naming it)."""
    return _parse(files, lambda src, payload: block(_schedule_rows(src, payload)), SCHEDULE_COLUMNS, latest_only=True)


def _schedule_rows(src: _Src, payload: dict) -> list[Row]:
    rows, elsewhere, listed = [], {}, False
    for at, day in _items(payload, "leagueSchedule.gameDates", src):
        game_date = _schedule_day(_require(day, "gameDate", src, "str", at), src, at)
        if game_date != src.date:
            games = day.get("games")  # another date's games are only counted, never parsed
            elsewhere[game_date] = elsewhere.get(game_date, 0) + (len(games) if isinstance(games, list) else 0)
            continue
        listed = True
        for where, game in _items(day, "games", src, at):
            row = _schedule_game(game, src, where)
            if row is not None:
                rows.append(row)
    if not listed and calendar.in_season(src.date) and any(elsewhere.values()):
        # The file has games, none on its own date: a date it fails to name (another format, a
        # shifted zone) would otherwise read as a day off, and every check would agree with it.
        others = sorted(d for d, n in elsewhere.items() if n)
        src.fail(
            f"no gameDate for {src.date}, an in-season date, while the file has games on {len(others)} "
            f"other date(s) ({', '.join(map(str, others[:3]))}{', …' if len(others) > 3 else ''})"
        )
    return rows


def _schedule_day(value: str, src: _Src, at: str) -> dt.date:
    try:
        return calendar.schedule_date(value)
    except ValueError as err:
        src.fail(f"{at}.{err}")


def _schedule_game(game: dict, src: _Src, at: str) -> Row | None:
    nba_game_id = _nba_game_id(_require(game, "gameId", src, "str", at), src, f"{at}.gameId")
    home, away = _require(game, "homeTeam", src, "object", at), _require(game, "awayTeam", src, "object", at)
    codes = [
        _require(away, "teamTricode", src, "str", f"{at}.awayTeam"),
        _require(home, "teamTricode", src, "str", f"{at}.homeTeam"),
    ]
    if _is_foreign_exhibition(nba_game_id, codes):
        return None
    away_team, home_team = _matchup(*codes, src, at)
    status = _game_status(game, src, at)
    scores = _final_scores(game, status, src, at)
    return {
        **_game_keys(src, nba_game_id, away_team.tricode, home_team.tricode),
        "game_code": _require(game, "gameCode", src, "str", at),
        "season_nba_format": calendar.season_nba_format(calendar.season_year(src.date)),
        "game_date_est": _eastern_wall_clock(_require(game, "gameDateTimeEst", src, "str", at), src, at),
        "game_time_utc": _required_utc(game, "gameDateTimeUTC", src, at),
        "game_status": status,
        "game_status_text": _require(game, "gameStatusText", src, "str", at).strip(),
        **_schedule_team("home", home, home_team, src, f"{at}.homeTeam"),
        **_schedule_team("away", away, away_team, src, f"{at}.awayTeam"),
        "is_regular_season": nba_game_id[2] == "2",
        "is_playoffs": nba_game_id[2] == "4",
        "arena_name": _optional(game, "arenaName", src, "str", at),
        "neutral_site_flag": _optional(game, "isNeutral", src, "bool", at, default=False),
        **scores,
        "source_file_path": src.path,
    }


def _game_status(game: dict, src: _Src, at: str) -> int:
    status = _require(game, "gameStatus", src, "int", at)
    if status not in (1, 2, 3):
        src.fail(f"{at}.gameStatus {status} is not 1, 2 or 3")
    return status


def _eastern_wall_clock(value: str, src: _Src, at: str) -> pd.Timestamp:
    """``gameDateTimeEst`` is Eastern wall-clock time despite its ``Z``: keep it naive."""
    return _timestamp(value.removesuffix("Z"), src, f"{at}.gameDateTimeEst").tz_localize(None)


def _schedule_team(side: str, obj: dict, team: Team, src: _Src, at: str) -> Row:
    team_id = _require(obj, "teamId", src, "int", at)
    if team_id != team.team_id:
        src.fail(f"{at}.teamId {team_id} is not the id of {team.tricode} ({team.team_id})")
    return {
        f"{side}_team_id": team_id,
        f"{side}_team_tricode": team.tricode,
        f"{side}_team_name": team.full_name,
    }


def _final_scores(game: dict, status: int, src: _Src, at: str) -> Row:
    """Scores and winner only for a final game (status 3); NULL before that."""
    if status != 3:
        return {"home_team_score": None, "away_team_score": None, "winning_team_tricode": None}
    home = _require(game, "homeTeam.score", src, "int", at)
    away = _require(game, "awayTeam.score", src, "int", at)
    if home == away:
        src.fail(f"{at}: final game with a tied score {away}-{home}")
    winner = _require(game, "homeTeam.teamTricode" if home > away else "awayTeam.teamTricode", src, "str", at)
    return {"home_team_score": home, "away_team_score": away, "winning_team_tricode": winner}
