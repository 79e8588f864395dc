"""Phase 2 parsers: raw JSON payloads (NBA.com stats, The Odds API v4) -> ``nba_raw`` DataFrames.

Pure functions: no Dagster, no I/O. Every parser takes ``files``, a mapping of object path ->
already-decoded JSON payload, and returns ONE DataFrame whose columns and dtypes are fixed by
:data:`SCHEMAS` (an empty input gives an empty frame with the same columns and dtypes).

The partition date comes from the object path (its ``/YYYY-MM-DD/`` segment). NBA.com feeds keep
only the lexically last file of each game directory (the latest scrape); every Odds API file is a
distinct snapshot and is kept.

A file that cannot be parsed raises :class:`~nba_backfill.errors.RawPayloadError` naming the path,
the date and what is wrong; a call never returns rows for part of its input.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, NoReturn

import pandas as pd

from nba_backfill import calendar, ids
from nba_backfill.errors import RawPayloadError
from nba_backfill.teams import BY_TRICODE, Team, tricode_for_name

__all__ = [
    "SCHEMAS",
    "parse_boxscore_players",
    "parse_boxscore_teams",
    "parse_game_lines",
    "parse_play_by_play",
    "parse_player_props",
    "parse_schedule",
]

Files = Mapping[str, Any]
Row = dict[str, Any]

# --------------------------------------------------------------------------------------------------
# Schemas. Column kinds: str (object, None for NULL), int (int64, never NULL), Int64 (nullable),
# float (float64, NaN for NULL), bool, date (datetime64[ns] at midnight, no tz: the warehouse DATE),
# naive (datetime64[ns] wall clock), utc (datetime64[ns, UTC]).
# --------------------------------------------------------------------------------------------------

_COUNTING = {  # boxscoretraditionalv3 statistics key -> (gamebook column, team box score column)
    "fieldGoalsMade": ("field_goals_made", "fg_made"),
    "fieldGoalsAttempted": ("field_goals_attempted", "fg_attempted"),
    "threePointersMade": ("three_pointers_made", "three_pt_made"),
    "threePointersAttempted": ("three_pointers_attempted", "three_pt_attempted"),
    "freeThrowsMade": ("free_throws_made", "ft_made"),
    "freeThrowsAttempted": ("free_throws_attempted", "ft_attempted"),
    "reboundsOffensive": ("offensive_rebounds", "offensive_rebounds"),
    "reboundsDefensive": ("defensive_rebounds", "defensive_rebounds"),
    "reboundsTotal": ("total_rebounds", "total_rebounds"),
    "assists": ("assists", "assists"),
    "steals": ("steals", "steals"),
    "blocks": ("blocks", "blocks"),
    "turnovers": ("turnovers", "turnovers"),
    "foulsPersonal": ("personal_fouls", "personal_fouls"),
    "points": ("points", "points"),
}
_GAME_KEYS = {"game_id": "str", "nba_game_id": "str", "game_date": "date", "season_year": "int"}

SCHEDULE_COLUMNS = {
    "game_id": "str", "nba_game_id": "str", "game_code": "str", "game_date": "date",
    "season_year": "int", "season_nba_format": "str", "game_date_est": "naive", "game_time_utc": "utc",
    "game_status": "int", "game_status_text": "str",
    "home_team_id": "int", "home_team_tricode": "str", "home_team_name": "str",
    "away_team_id": "int", "away_team_tricode": "str", "away_team_name": "str",
    "is_regular_season": "bool", "is_playoffs": "bool", "arena_name": "str", "neutral_site_flag": "bool",
    "home_team_score": "Int64", "away_team_score": "Int64", "winning_team_tricode": "str",
    "source_file_path": "str",
}  # fmt: skip
GAMEBOOK_COLUMNS = {
    **_GAME_KEYS, "team_abbr": "str", "opponent_team_abbr": "str", "is_home": "bool",
    "player_id": "int", "player_name_original": "str", "player_lookup": "str",
    "player_status": "str", "dnp_reason": "str", "starter": "bool",
    "minutes": "str", "minutes_decimal": "float",
    "points": "int", "field_goals_made": "int", "field_goals_attempted": "int",
    "three_pointers_made": "int", "three_pointers_attempted": "int",
    "free_throws_made": "int", "free_throws_attempted": "int",
    "offensive_rebounds": "int", "defensive_rebounds": "int", "total_rebounds": "int",
    "assists": "int", "steals": "int", "blocks": "int", "turnovers": "int", "personal_fouls": "int",
    "plus_minus": "Int64", "source_file_path": "str",
}  # fmt: skip
TEAM_BOXSCORE_COLUMNS = {
    **_GAME_KEYS, "team_id": "int", "team_abbr": "str", "opponent_team_abbr": "str", "is_home": "bool",
    "minutes": "str",
    "fg_made": "int", "fg_attempted": "int", "fg_pct": "float",
    "three_pt_made": "int", "three_pt_attempted": "int", "three_pt_pct": "float",
    "ft_made": "int", "ft_attempted": "int", "ft_pct": "float",
    "offensive_rebounds": "int", "defensive_rebounds": "int", "total_rebounds": "int",
    "assists": "int", "steals": "int", "blocks": "int", "turnovers": "int", "personal_fouls": "int",
    "points": "int", "plus_minus": "int", "overtime_periods": "int", "source_file_path": "str",
}  # fmt: skip
PLAY_BY_PLAY_COLUMNS = {
    **_GAME_KEYS, "action_number": "int", "period": "int", "clock": "str", "team_abbr": "str",
    "player_id": "int", "player_name_i": "str", "shot_made": "bool", "shot_value": "int",
    "shot_distance": "float", "x_legacy": "int", "y_legacy": "int", "shot_zone": "str",
    "is_assisted": "bool", "action_type": "str", "sub_type": "str", "source_file_path": "str",
}  # fmt: skip
PLAYER_PROPS_COLUMNS = {
    "game_id": "str", "odds_api_event_id": "str", "game_date": "date", "game_start_time": "utc",
    "home_team_abbr": "str", "away_team_abbr": "str",
    "snapshot_timestamp": "utc", "snapshot_tag": "str", "minutes_before_tipoff": "Int64",
    "bookmaker": "str", "player_name": "str", "player_lookup": "str", "points_line": "float",
    "over_price": "float", "under_price": "float",
    "over_price_american": "Int64", "under_price_american": "Int64",
    "bookmaker_last_update": "utc", "data_source": "str", "source_file_path": "str",
}  # fmt: skip
GAME_LINES_COLUMNS = {
    "snapshot_timestamp": "utc", "previous_snapshot_timestamp": "utc", "next_snapshot_timestamp": "utc",
    "game_id": "str", "odds_api_event_id": "str", "commence_time": "utc", "game_date": "date",
    "home_team": "str", "away_team": "str", "home_team_abbr": "str", "away_team_abbr": "str",
    "bookmaker_key": "str", "bookmaker_title": "str", "bookmaker_last_update": "utc",
    "market_key": "str", "market_last_update": "utc", "outcome_name": "str",
    "outcome_price": "float", "outcome_point": "float", "minutes_before_tipoff": "Int64",
    "data_source": "str", "source_file_path": "str",
}  # fmt: skip

#: nba_raw table name -> {column: kind}
SCHEMAS: dict[str, dict[str, str]] = {
    "nbac_schedule": SCHEDULE_COLUMNS,
    "nbac_gamebook_player_stats": GAMEBOOK_COLUMNS,
    "nbac_team_boxscore": TEAM_BOXSCORE_COLUMNS,
    "nbac_play_by_play": PLAY_BY_PLAY_COLUMNS,
    "odds_api_player_points_props": PLAYER_PROPS_COLUMNS,
    "odds_api_game_lines": GAME_LINES_COLUMNS,
}


def _column(values: list[Any], kind: str) -> pd.Series:
    raw = pd.Series(values, dtype=object)
    if kind == "date":
        return pd.to_datetime(raw).dt.normalize().astype("datetime64[ns]")
    if kind == "naive":
        return pd.to_datetime(raw).astype("datetime64[ns]")
    if kind == "utc":
        return pd.to_datetime(raw, utc=True).astype("datetime64[ns, UTC]")
    if kind == "Int64":
        return pd.Series(pd.array(values, dtype="Int64"))
    return raw.astype({"str": object, "int": "int64", "float": "float64", "bool": "bool"}[kind])


def _frame(rows: list[Row], schema: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({col: _column([r[col] for r in rows], kind) for col, kind in schema.items()})


# --------------------------------------------------------------------------------------------------
# Files, paths and errors
# --------------------------------------------------------------------------------------------------


class _Src(NamedTuple):
    """The file being parsed: every error names it and its partition date."""

    path: str
    date: dt.date

    def fail(self, problem: str) -> NoReturn:
        raise RawPayloadError(self.path, self.date, problem)


_DATE_SEGMENT = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})/")


def _source(path: str) -> _Src:
    match = _DATE_SEGMENT.search(path)
    if match is None:
        raise RawPayloadError(path, None, "path has no YYYY-MM-DD segment")
    try:
        return _Src(path, dt.date.fromisoformat(match.group(1)))
    except ValueError:
        raise RawPayloadError(path, None, f"path segment {match.group(1)!r} is not a valid date") from None


def _latest_per_directory(paths: Iterable[str]) -> list[str]:
    """Of the files in each directory keep the lexically last file name (the latest scrape)."""
    latest: dict[str, str] = {}
    for path in paths:
        directory, _, name = path.rpartition("/")
        if directory not in latest or name > latest[directory].rpartition("/")[2]:
            latest[directory] = path
    return sorted(latest.values())


#: Files parsed into row dicts before those rows become a (much smaller) frame.
FILES_PER_FRAME = 500


def _parse(
    files: Files, rows_of: Callable[[_Src, dict], list[Row]], schema: Mapping[str, str], latest_only: bool
) -> pd.DataFrame:
    paths = _latest_per_directory(files) if latest_only else sorted(files)
    frames, rows = [], []
    for i, path in enumerate(paths, start=1):
        src = _source(path)
        rows += rows_of(src, _coerce(files[path], "object", src, "payload"))
        if i % FILES_PER_FRAME == 0:  # row dicts cost ~10x their frame: convert as we go
            frames.append(_frame(rows, schema))
            rows = []
    frames.append(_frame(rows, schema))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _path_game_segment(src: _Src) -> str:
    """The directory right after the date (``0022400561``, ``game-0022400561``, ``{event}-{AWAY}{HOME}``)."""
    after = src.path.split(f"/{src.date.isoformat()}/", 1)[-1]
    return after.split("/", 1)[0] if "/" in after else ""


# --------------------------------------------------------------------------------------------------
# Typed access to JSON
# --------------------------------------------------------------------------------------------------

_EXPECTED = {
    "object": "an object", "list": "a list", "str": "a string", "int": "an integer",
    "number": "a number", "bool": "a boolean",
}  # fmt: skip


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    kind = "a boolean" if isinstance(value, bool) else "a string" if isinstance(value, str) else "a number"
    return f"{kind} ({value!r:.40})"


def _coerce(value: Any, kind: str, src: _Src, where: str) -> Any:
    """``value`` as ``kind`` (an integral float counts as an int), or fail naming ``where``."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "int" and number and float(value).is_integer():
        return int(value)
    if kind == "number" and number and math.isfinite(value):
        return float(value)
    types = {"object": dict, "list": list, "str": str, "bool": bool}
    if kind in types and isinstance(value, types[kind]):
        return value
    src.fail(f"{where} is {_describe(value)}, expected {_EXPECTED[kind]}")


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _require(obj: Any, dotted: str, src: _Src, kind: str | None = None, at: str = "") -> Any:
    """``obj["a"]["b"]["c"]`` for ``"a.b.c"``; fails with ``missing key <at>.a.b.c`` or a type error."""
    where = at
    for key in dotted.split("."):
        _coerce(obj, "object", src, where or "payload")
        where = _join(where, key)
        if key not in obj:
            src.fail(f"missing key {where}")
        obj = obj[key]
    return obj if kind is None else _coerce(obj, kind, src, where)


def _optional(obj: dict, key: str, src: _Src, kind: str, at: str = "", default: Any = None) -> Any:
    """``obj[key]`` as ``kind``; ``default`` when the key is missing or null."""
    value = obj.get(key)
    return default if value is None else _coerce(value, kind, src, _join(at, key))


def _items(obj: Any, dotted: str, src: _Src, at: str = "") -> list[tuple[str, dict]]:
    """The objects of the list at ``dotted``, each with its own location for messages."""
    where = _join(at, dotted)
    values = _require(obj, dotted, src, "list", at)
    return [(f"{where}[{i}]", _coerce(v, "object", src, f"{where}[{i}]")) for i, v in enumerate(values)]


def _timestamp(value: str, src: _Src, where: str) -> pd.Timestamp:
    """An ISO-8601 timestamp as given (naive or aware); an empty or unparsable string fails."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        src.fail(f"{where} {value!r} is not an ISO-8601 timestamp")
    return ts


def _utc(value: str, src: _Src, where: str) -> pd.Timestamp:
    ts = _timestamp(value, src, where)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _required_utc(obj: dict, key: str, src: _Src, at: str = "") -> pd.Timestamp:
    return _utc(_require(obj, key, src, "str", at), src, _join(at, key))


def _optional_utc(obj: dict, key: str, src: _Src, at: str = "") -> pd.Timestamp | None:
    value = _optional(obj, key, src, "str", at)
    return None if value is None else _utc(value, src, _join(at, key))


# --------------------------------------------------------------------------------------------------
# Teams and game ids
# --------------------------------------------------------------------------------------------------

# Preseason (001…) and All-Star (003…) games may face clubs outside the NBA (Melbourne United,
# Team LeBron). Those games are skipped; anywhere else an unknown tricode is an error.
_MAY_HAVE_FOREIGN_TEAMS = {"1", "3"}


def _nba_game_id(value: str, src: _Src, where: str) -> str:
    try:
        ids.nba_game_id(value)
    except ids.InvalidId as err:
        src.fail(f"{where}: {err}")
    segment = _path_game_segment(src).removeprefix("game-")
    if ids.NBA_GAME_ID.fullmatch(segment) and segment != value:
        src.fail(f"{where} {value!r} does not match the game {segment!r} in the path")
    return value


def _is_foreign_exhibition(nba_game_id: str, tricodes: Iterable[str]) -> bool:
    foreign = any(code not in BY_TRICODE for code in tricodes)
    return foreign and nba_game_id[2] in _MAY_HAVE_FOREIGN_TEAMS


def _team(tricode: str, src: _Src, where: str) -> Team:
    if tricode not in BY_TRICODE:
        src.fail(f"team {tricode!r} is not an NBA tricode ({where})")
    return BY_TRICODE[tricode]


def _matchup(away: str, home: str, src: _Src, where: str) -> tuple[Team, Team]:
    """Both teams, checked to be NBA franchises and distinct."""
    away_team, home_team = _team(away, src, f"{where} away"), _team(home, src, f"{where} home")
    if away == home:
        src.fail(f"{where}: home and away are both {home!r}")
    return away_team, home_team


def _game_keys(src: _Src, nba_game_id: str, away: str, home: str) -> Row:
    return {
        "game_id": calendar.game_id(src.date, away, home),
        "nba_game_id": nba_game_id,
        "game_date": src.date,
        "season_year": calendar.season_year(src.date),
    }


def _tricode_for_name(name: str, src: _Src, where: str) -> str:
    try:
        return tricode_for_name(name)
    except KeyError:
        src.fail(f"unknown team name {name!r} ({where})")


# --------------------------------------------------------------------------------------------------
# Schedule (scheduleLeagueV2)
# --------------------------------------------------------------------------------------------------


def parse_schedule(files: Files) -> pd.DataFrame:
    """``nbac_schedule``: one row per game of the path's date (other gameDates in the file are ignored)."""
    return _parse(files, _schedule_rows, SCHEDULE_COLUMNS, latest_only=True)


def _schedule_rows(src: _Src, payload: dict) -> list[Row]:
    rows = []
    for at, day in _items(payload, "leagueSchedule.gameDates", src):
        if _schedule_day(_require(day, "gameDate", src, "str", at), src, at) != src.date:
            continue
        for where, game in _items(day, "games", src, at):
            row = _schedule_game(game, src, where)
            if row is not None:
                rows.append(row)
    return rows


def _schedule_day(value: str, src: _Src, at: str) -> dt.date:
    """``gameDate`` is ``MM/DD/YYYY 00:00:00`` (stats API and CDN); ISO dates are accepted too."""
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value[:10], fmt).date()
        except ValueError:
            pass
    src.fail(f"{at}.gameDate {value!r} is not MM/DD/YYYY")


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


# --------------------------------------------------------------------------------------------------
# Box score (boxscoretraditionalv3): shared reading and validation, then two tables
# --------------------------------------------------------------------------------------------------


class _BoxTeam(NamedTuple):
    team: Team
    opponent: Team
    is_home: bool
    minutes: str
    seconds: int
    stats: dict[str, int]  # v3 key -> value, plus plusMinusPoints
    players: list[Row]  # gamebook rows without the game keys


class _Box(NamedTuple):
    keys: Row
    teams: tuple[_BoxTeam, _BoxTeam]  # (away, home)


def parse_boxscore_players(files: Files) -> pd.DataFrame:
    """``nbac_gamebook_player_stats``: one row per game x player, DNP and inactive players included."""
    return _parse(files, _gamebook_rows, GAMEBOOK_COLUMNS, latest_only=True)


def parse_boxscore_teams(files: Files) -> pd.DataFrame:
    """``nbac_team_boxscore``: exactly two rows per game."""
    return _parse(files, _team_box_rows, TEAM_BOXSCORE_COLUMNS, latest_only=True)


def _gamebook_rows(src: _Src, payload: dict) -> list[Row]:
    box = _read_box(src, payload)
    if box is None:
        return []
    return [
        {**box.keys, "team_abbr": side.team.tricode, "opponent_team_abbr": side.opponent.tricode,
         "is_home": side.is_home, **player, "source_file_path": src.path}
        for side in box.teams
        for player in side.players
    ]  # fmt: skip


def _team_box_rows(src: _Src, payload: dict) -> list[Row]:
    box = _read_box(src, payload)
    return [] if box is None else [_team_box_row(box.keys, side, src) for side in box.teams]


def _team_box_row(keys: Row, side: _BoxTeam, src: _Src) -> Row:
    counting = {team_col: side.stats[key] for key, (_, team_col) in _COUNTING.items()}
    return {
        **keys, "team_id": side.team.team_id, "team_abbr": side.team.tricode,
        "opponent_team_abbr": side.opponent.tricode, "is_home": side.is_home, "minutes": side.minutes,
        **counting,
        "fg_pct": _pct(counting["fg_made"], counting["fg_attempted"]),
        "three_pt_pct": _pct(counting["three_pt_made"], counting["three_pt_attempted"]),
        "ft_pct": _pct(counting["ft_made"], counting["ft_attempted"]),
        "plus_minus": side.stats["plusMinusPoints"],
        "overtime_periods": max(0, round((side.seconds / 60 - 240) / 25)),
        "source_file_path": src.path,
    }  # fmt: skip


def _pct(made: int, attempted: int) -> float | None:
    return made / attempted if attempted else None


def _read_box(src: _Src, payload: dict) -> _Box | None:
    """The whole game read and validated, or None for an exhibition against a non-NBA club."""
    root = "boxScoreTraditional"
    nba_game_id = _nba_game_id(_require(payload, f"{root}.gameId", src, "str"), src, f"{root}.gameId")
    away_obj = _require(payload, f"{root}.awayTeam", src, "object")
    home_obj = _require(payload, f"{root}.homeTeam", src, "object")
    codes = [
        _require(away_obj, "teamTricode", src, "str", f"{root}.awayTeam"),
        _require(home_obj, "teamTricode", src, "str", f"{root}.homeTeam"),
    ]
    if _is_foreign_exhibition(nba_game_id, codes):
        return None
    away, home = _matchup(*codes, src, root)
    sides = (
        _read_box_team(away_obj, away, home, False, src, f"{root}.awayTeam"),
        _read_box_team(home_obj, home, away, True, src, f"{root}.homeTeam"),
    )
    _check_unique_players(sides, src)
    return _Box(_game_keys(src, nba_game_id, away.tricode, home.tricode), sides)


def _read_box_team(obj: dict, team: Team, opponent: Team, is_home: bool, src: _Src, at: str) -> _BoxTeam:
    team_id = _require(obj, "teamId", src, "int", at)
    if team_id != team.team_id:
        src.fail(f"{at}.teamId {team_id} is not the id of {team.tricode} ({team.team_id})")
    stats_at = f"{at}.statistics"
    stats_obj = _require(obj, "statistics", src, "object", at)
    who = f"team {team.tricode}"
    minutes, seconds = _minutes(_require(stats_obj, "minutes", src, "str", stats_at), src, who)
    if seconds is None:
        src.fail(f"{stats_at}.minutes is empty for team {team.tricode}")
    stats = _counting_stats(stats_obj, src, stats_at, nullable=False)
    stats["plusMinusPoints"] = _require(stats_obj, "plusMinusPoints", src, "int", stats_at)
    _check_shooting(stats, src, f"team {team.tricode}")
    players = [_gamebook_player(p, src, where) for where, p in _items(obj, "players", src, at)]
    _check_team_points(stats["points"], players, src, team.tricode)
    return _BoxTeam(team, opponent, is_home, minutes, seconds, stats, players)


def _gamebook_player(player: dict, src: _Src, at: str) -> Row:
    player_id = _require(player, "personId", src, "int", at)
    first = _require(player, "firstName", src, "str", at)
    name = f"{first} {_require(player, 'familyName', src, 'str', at)}".strip()
    lookup = calendar.player_lookup(name)
    if not lookup:
        src.fail(f"{at}: player {player_id} has no usable name {name!r}")
    comment = _optional(player, "comment", src, "str", at, default="").strip()
    stats_obj = _require(player, "statistics", src, "object", at)
    raw_minutes = _optional(stats_obj, "minutes", src, "str", f"{at}.statistics", default="")
    minutes, seconds = _minutes(raw_minutes, src, f"player {player_id}")
    active = bool(seconds)
    stats = _counting_stats(stats_obj, src, f"{at}.statistics", nullable=not active)
    _check_shooting(stats, src, f"player {player_id}")
    return {
        "player_id": player_id,
        "player_name_original": name,
        "player_lookup": lookup,
        "player_status": _player_status(active, comment),
        "dnp_reason": comment or None,
        "starter": bool(_optional(player, "position", src, "str", at, default="").strip()),
        "minutes": minutes if active else None,
        "minutes_decimal": seconds / 60 if active else None,
        **{gamebook: stats[key] for key, (gamebook, _) in _COUNTING.items()},
        # Nullable for a player who did not play; required from one who did.
        "plus_minus": (_require if active else _optional)(
            stats_obj, "plusMinusPoints", src, "int", f"{at}.statistics"
        ),
    }


def _player_status(active: bool, comment: str) -> str:
    if active:
        return "active"
    return "inactive" if comment.upper().startswith(("NWT", "INACTIVE")) else "dnp"


_MINUTES = re.compile(r"^(\d{1,3}):(\d{2})$")
_ISO_MINUTES = re.compile(r"^PT(\d{1,3})M(\d{1,2})(?:\.\d+)?S$")


def _minutes(value: str, src: _Src, who: str) -> tuple[str | None, int | None]:
    """``"MM:SS"`` (or ISO ``PT12M30.00S``) -> (zero-padded ``"MM:SS"``, seconds); empty -> (None, None)."""
    value = value.strip()
    if not value:
        return None, None
    match = _MINUTES.match(value) or _ISO_MINUTES.match(value)
    if match is None or int(match.group(2)) >= 60:
        src.fail(f"minutes {value!r} is not MM:SS for {who}")
    mins, secs = int(match.group(1)), int(match.group(2))
    return f"{mins:02d}:{secs:02d}", mins * 60 + secs


def _counting_stats(stats_obj: dict, src: _Src, at: str, nullable: bool) -> dict[str, int]:
    """The counting stats; for a player who did not play a null stat counts as 0."""
    if nullable:
        return {key: _optional(stats_obj, key, src, "int", at, default=0) for key in _COUNTING}
    return {key: _require(stats_obj, key, src, "int", at) for key in _COUNTING}


def _check_shooting(stats: dict[str, int], src: _Src, who: str) -> None:
    pairs = (
        ("fieldGoalsMade", "fieldGoalsAttempted"), ("threePointersMade", "threePointersAttempted"),
        ("freeThrowsMade", "freeThrowsAttempted"), ("threePointersMade", "fieldGoalsMade"),
        ("threePointersAttempted", "fieldGoalsAttempted"),
    )  # fmt: skip
    for part, whole in pairs:
        if not 0 <= stats[part] <= stats[whole]:
            src.fail(f"{who}: {part} {stats[part]} is not between 0 and {whole} {stats[whole]}")
    fg3, fg2 = stats["threePointersMade"], stats["fieldGoalsMade"] - stats["threePointersMade"]
    expected = 2 * fg2 + 3 * fg3 + stats["freeThrowsMade"]
    if stats["points"] != expected:
        src.fail(f"{who}: points {stats['points']} != 2*FG2M + 3*FG3M + FTM ({expected})")


def _check_team_points(points: int, players: list[Row], src: _Src, tricode: str) -> None:
    total = sum(p["points"] for p in players)
    if points != total:
        src.fail(f"team {tricode}: points {points} != sum of its players' points ({total})")


def _check_unique_players(sides: Iterable[_BoxTeam], src: _Src) -> None:
    seen: set[int] = set()
    for side in sides:
        for player in side.players:
            if player["player_id"] in seen:
                src.fail(f"player {player['player_id']} appears twice in the box score")
            seen.add(player["player_id"])


# --------------------------------------------------------------------------------------------------
# Play-by-play (playbyplayv3): one row per field-goal attempt
# --------------------------------------------------------------------------------------------------

_ASSIST = re.compile(r"\([^()]*\s\d+\s+AST\)")
_PAINT_MAX_FEET = 8


def parse_play_by_play(files: Files, teams: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """``nbac_play_by_play``. ``teams`` maps nba_game_id -> (away, home) tricodes for games whose
    actions do not show both sides (location ``v`` = away, ``h`` = home)."""
    hints = {game: tuple(pair) for game, pair in (teams or {}).items()}

    def rows_of(src: _Src, payload: dict) -> list[Row]:
        return _pbp_rows(src, payload, hints)

    return _parse(files, rows_of, PLAY_BY_PLAY_COLUMNS, latest_only=True)


def _pbp_rows(src: _Src, payload: dict, hints: Mapping[str, tuple[str, ...]]) -> list[Row]:
    nba_game_id = _nba_game_id(_require(payload, "game.gameId", src, "str"), src, "game.gameId")
    actions = _items(payload, "game.actions", src)
    shots = [(at, a) for at, a in actions if _require(a, "isFieldGoal", src, "int", at) == 1]
    if not shots:
        return []
    away, home = _pbp_matchup(actions, hints.get(nba_game_id), src)
    if _is_foreign_exhibition(nba_game_id, (away, home)):
        return []
    _matchup(away, home, src, "game")
    keys = _game_keys(src, nba_game_id, away, home)
    return [{**keys, **_shot(a, {away, home}, src, at), "source_file_path": src.path} for at, a in shots]


def _pbp_matchup(actions: list[tuple[str, dict]], hint: tuple[str, ...] | None, src: _Src) -> tuple[str, ...]:
    """(away, home) tricodes seen on ``v`` / ``h`` actions, completed and cross-checked by the hint."""
    seen: dict[str, set[str]] = {"v": set(), "h": set()}
    for at, action in actions:
        location = _optional(action, "location", src, "str", at, default="")
        tricode = _optional(action, "teamTricode", src, "str", at, default="")
        if location in seen and tricode:
            seen[location].add(tricode)
    for location, side, index in (("v", "away", 0), ("h", "home", 1)):
        if len(seen[location]) > 1:
            src.fail(f"{side} actions (location {location!r}) name several teams {sorted(seen[location])}")
        if hint is not None and seen[location] and seen[location] != {hint[index]}:
            src.fail(f"{side} team {min(seen[location])!r} in the actions != teams hint {hint[index]!r}")
    if hint is None and not (seen["v"] and seen["h"]):
        missing = " and ".join(s for loc, s in (("v", "away"), ("h", "home")) if not seen[loc])
        src.fail(f"no actions reveal the {missing} team and no teams hint was given")
    return hint if hint is not None else (min(seen["v"]), min(seen["h"]))


def _shot(action: dict, game_teams: set[str], src: _Src, at: str) -> Row:
    tricode = _require(action, "teamTricode", src, "str", at)
    if tricode not in game_teams:
        src.fail(f"{at}.teamTricode {tricode!r} is not one of the game's teams {sorted(game_teams)}")
    value = _require(action, "shotValue", src, "int", at)
    if value not in (2, 3):
        src.fail(f"{at}.shotValue {value} is not 2 or 3")
    made = _shot_made(_require(action, "shotResult", src, "str", at), src, at)
    distance = _require(action, "shotDistance", src, "number", at)
    return {
        "action_number": _require(action, "actionNumber", src, "int", at),
        "period": _require(action, "period", src, "int", at),
        "clock": _require(action, "clock", src, "str", at),
        "team_abbr": tricode,
        "player_id": _require(action, "personId", src, "int", at),
        "player_name_i": _require(action, "playerNameI", src, "str", at),
        "shot_made": made,
        "shot_value": value,
        "shot_distance": distance,
        "x_legacy": _require(action, "xLegacy", src, "int", at),
        "y_legacy": _require(action, "yLegacy", src, "int", at),
        "shot_zone": "three" if value == 3 else "paint" if distance <= _PAINT_MAX_FEET else "mid_range",
        "is_assisted": made and bool(_ASSIST.search(_optional(action, "description", src, "str", at, ""))),
        "action_type": _require(action, "actionType", src, "str", at),
        "sub_type": _optional(action, "subType", src, "str", at, default=""),
    }


def _shot_made(result: str, src: _Src, at: str) -> bool:
    if result not in ("Made", "Missed"):
        src.fail(f"{at}.shotResult {result!r} is not 'Made' or 'Missed'")
    return result == "Made"


# --------------------------------------------------------------------------------------------------
# The Odds API: wrapper, snapshot, event header, prices
# --------------------------------------------------------------------------------------------------


class _Snapshot(NamedTuple):
    timestamp: pd.Timestamp | None
    previous: pd.Timestamp | None
    next: pd.Timestamp | None
    data_source: str  # 'historical' | 'current'


_FILE_TS = re.compile(r"(\d{8}_\d{6})")
_FILE_SNAP = re.compile(r"snap-(\d{4})")


def _unwrap(payload: dict, src: _Src) -> tuple[dict, _Snapshot]:
    """(event, snapshot) of a historical ``{timestamp, previous_timestamp, next_timestamp, data}``
    wrapper or of a bare (live) event."""
    if "data" not in payload:  # an event object never has a "data" key
        source = "historical" if "-history/" in src.path else "current"
        return payload, _Snapshot(_live_snapshot(payload, src), None, None, source)
    if isinstance(payload["data"], list):
        src.fail("data is a list (an events listing?), expected a single event object")
    event = _require(payload, "data", src, "object")
    snapshot = _Snapshot(
        _required_utc(payload, "timestamp", src),
        _optional_utc(payload, "previous_timestamp", src),
        _optional_utc(payload, "next_timestamp", src),
        "historical",
    )
    return event, snapshot


def _live_snapshot(event: dict, src: _Src) -> pd.Timestamp | None:
    """A live response has no timestamp: the latest market last_update, else the file name's
    ``YYYYMMDD_HHMMSS`` (UTC)."""
    updates = [
        stamp
        for b_at, book in _items(event, "bookmakers", src)
        for m_at, market in _items(book, "markets", src, b_at)
        if (stamp := _optional_utc(market, "last_update", src, m_at)) is not None
    ]
    if updates:
        return max(updates)
    match = _FILE_TS.search(src.path.rpartition("/")[2])
    return pd.Timestamp(dt.datetime.strptime(match.group(1), "%Y%m%d_%H%M%S"), tz="UTC") if match else None


def _snapshot_time(snapshot: _Snapshot, src: _Src) -> pd.Timestamp:
    if snapshot.timestamp is None:
        src.fail("no snapshot time: no market last_update and no YYYYMMDD_HHMMSS in the file name")
    return snapshot.timestamp


def _event_header(event: dict, src: _Src) -> Row:
    """Event id, teams and game keys. Without ``commence_time`` the game date is the path date."""
    commence = _optional_utc(event, "commence_time", src)
    game_date = commence.tz_convert(calendar.TIMEZONE).date() if commence is not None else src.date
    home_name = _require(event, "home_team", src, "str")
    away_name = _require(event, "away_team", src, "str")
    home = _tricode_for_name(home_name, src, "home_team")
    away = _tricode_for_name(away_name, src, "away_team")
    if home == away:
        src.fail(f"home_team and away_team are both {home_name!r}")
    return {
        "game_id": calendar.game_id(game_date, away, home),
        "odds_api_event_id": _event_id(_require(event, "id", src, "str"), src),
        "commence_time": commence,
        "game_date": game_date,
        "home_team": home_name,
        "away_team": away_name,
        "home_team_abbr": home,
        "away_team_abbr": away,
    }


def _event_id(value: str, src: _Src) -> str:
    try:
        return ids.odds_event_id(value)
    except ids.InvalidId as err:
        src.fail(f"id: {err}")


class _Market(NamedTuple):
    book: dict
    book_at: str
    market: dict
    at: str


def _markets(event: dict, keys: tuple[str, ...], src: _Src) -> list[_Market]:
    """Every bookmaker's markets whose key is one of ``keys``; other markets are ignored."""
    return [
        _Market(book, book_at, market, at)
        for book_at, book in _items(event, "bookmakers", src)
        for at, market in _items(book, "markets", src, book_at)
        if _require(market, "key", src, "str", at) in keys
    ]


def _minutes_before(commence: pd.Timestamp | None, snapshot: pd.Timestamp) -> int | None:
    """Whole minutes from snapshot to tip-off, floored: any in-play snapshot is negative."""
    return None if commence is None else math.floor((commence - snapshot).total_seconds() / 60)


class _Price(NamedTuple):
    decimal: float
    american: int


def _round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


#: The longest odds a book plausibly posts, in American odds (+100000 is decimal 1001).
MAX_AMERICAN = 100_000


def _one_price_format(markets: list[_Market], src: _Src) -> None:
    """A file's prices are all decimal or all American. The two overlap nowhere but are told
    apart by size alone (|price| >= 100 is American), so a decimal longshot of 150 in a decimal
    file would silently become +150 (decimal 2.5): a file mixing the two is refused."""
    seen: dict[bool, str] = {}
    for m in markets:
        for at, outcome in _items(m.market, "outcomes", src, m.at):
            price = outcome.get("price")
            if isinstance(price, (int, float)) and not isinstance(price, bool):
                seen.setdefault(abs(price) >= 100, f"{at}.price {price!r}")
    if len(seen) == 2:
        src.fail(f"prices mix decimal odds ({seen[False]}) and American odds ({seen[True]}): "
                 "a decimal price >= 100 would be read as American")


def _price(value: Any, src: _Src, where: str) -> _Price:
    """Decimal and American odds from either: |price| >= 100 is American, 1 < price < 100 decimal."""
    price = _coerce(value, "number", src, where)
    if abs(price) > MAX_AMERICAN:
        src.fail(f"{where} {value!r} is beyond any odds a book posts (|American| <= {MAX_AMERICAN})")
    if abs(price) >= 100:
        decimal = 1 + price / 100 if price > 0 else 1 + 100 / -price
        return _Price(decimal, _round_half_away(price))
    if price > 1:
        american = (price - 1) * 100 if price >= 2 else -100 / (price - 1)
        return _Price(price, _round_half_away(american))
    src.fail(f"{where} {value!r} is neither decimal odds (> 1) nor American odds (|price| >= 100)")


# --------------------------------------------------------------------------------------------------
# Player points props
# --------------------------------------------------------------------------------------------------


class _Side(NamedTuple):
    point: float
    price: _Price


def parse_player_props(files: Files) -> pd.DataFrame:
    """``odds_api_player_points_props``: one row per event x bookmaker x player x snapshot (Over and
    Under merged). Every file is a snapshot; in-play snapshots are kept (negative minutes_before_tipoff)."""
    return _parse(files, _props_rows, PLAYER_PROPS_COLUMNS, latest_only=False)


def _props_rows(src: _Src, payload: dict) -> list[Row]:
    event, snapshot = _unwrap(payload, src)
    markets = _markets(event, ("player_points",), src)
    _one_price_format(markets, src)
    rows = [row for m in markets for row in _props_market_rows(m, src)]
    if not rows:  # an empty snapshot (HTTP 204) does not even name the teams
        return []
    header = _event_header(event, src)
    taken_at = _snapshot_time(snapshot, src)
    common = {
        "game_id": header["game_id"], "odds_api_event_id": header["odds_api_event_id"],
        "game_date": header["game_date"], "game_start_time": header["commence_time"],
        "home_team_abbr": header["home_team_abbr"], "away_team_abbr": header["away_team_abbr"],
        "snapshot_timestamp": taken_at, "snapshot_tag": _snapshot_tag(src, taken_at),
        "minutes_before_tipoff": _minutes_before(header["commence_time"], taken_at),
        "data_source": snapshot.data_source, "source_file_path": src.path,
    }  # fmt: skip
    return [{**common, **row} for row in rows]


def _snapshot_tag(src: _Src, taken_at: pd.Timestamp) -> str:
    match = _FILE_SNAP.search(src.path.rpartition("/")[2])
    return f"snap-{match.group(1)}" if match else f"snap-{taken_at:%H%M}"


def _props_market_rows(m: _Market, src: _Src) -> list[Row]:
    bookmaker = _require(m.book, "key", src, "str", m.book_at)
    updated = _optional_utc(m.market, "last_update", src, m.at)
    if updated is None:
        updated = _optional_utc(m.book, "last_update", src, m.book_at)
    rows = []
    for lookup, (player, sides) in _props_sides(m.market, src, m.at).items():
        over, under = _main_line(sides["Over"], sides["Under"])
        rows.append({
            "bookmaker": bookmaker, "player_name": player, "player_lookup": lookup,
            "points_line": (over if over is not None else under).point,
            "over_price": over.price.decimal if over is not None else None,
            "under_price": under.price.decimal if under is not None else None,
            "over_price_american": over.price.american if over is not None else None,
            "under_price_american": under.price.american if under is not None else None,
            "bookmaker_last_update": updated,
        })  # fmt: skip
    return rows


def _props_sides(market: dict, src: _Src, m_at: str) -> dict[str, tuple[str, dict[str, list[_Side]]]]:
    """player_lookup -> (name as first spelled, {'Over': [sides], 'Under': [sides]}), in payload order."""
    players: dict[str, tuple[str, dict[str, list[_Side]]]] = {}
    for at, outcome in _items(market, "outcomes", src, m_at):
        name = _require(outcome, "name", src, "str", at)
        if name not in ("Over", "Under"):
            src.fail(f"{at}.name {name!r} is not 'Over' or 'Under'")
        player = _require(outcome, "description", src, "str", at).strip()
        lookup = calendar.player_lookup(player)
        if not lookup:
            src.fail(f"{at}.description {player!r} is not a player name")
        price = _price(_require(outcome, "price", src, at=at), src, f"{at}.price")
        side = _Side(_require(outcome, "point", src, "number", at), price)
        players.setdefault(lookup, (player, {"Over": [], "Under": []}))[1][name].append(side)
    return players


def _main_line(overs: list[_Side], unders: list[_Side]) -> tuple[_Side | None, _Side | None]:
    """The (Over, Under) pair of the main line.

    One Over and one Under are a pair even if their points differ (the Over's point is the line).
    Books that also list alternate lines get the most balanced pair of equal points (implied
    probabilities closest to each other); a line with only one side ranks after every full pair.
    """
    if len(overs) <= 1 and len(unders) <= 1:
        return (overs[0] if overs else None), (unders[0] if unders else None)
    points = list(dict.fromkeys(s.point for s in overs + unders))
    pairs = [
        (next((o for o in overs if o.point == p), None), next((u for u in unders if u.point == p), None))
        for p in points
    ]
    return min(pairs, key=_imbalance)


def _imbalance(pair: tuple[_Side | None, _Side | None]) -> float:
    over, under = pair
    if over is not None and under is not None:
        return abs(1 / over.price.decimal - 1 / under.price.decimal)
    one = over if over is not None else under
    return 1 + abs(1 / one.price.decimal - 0.5)


# --------------------------------------------------------------------------------------------------
# Game lines (h2h, spreads, totals)
# --------------------------------------------------------------------------------------------------

_GAME_LINE_MARKETS = ("h2h", "spreads", "totals")


def parse_game_lines(files: Files) -> pd.DataFrame:
    """``odds_api_game_lines``: one row per event x bookmaker x market x outcome x snapshot."""
    return _parse(files, _game_lines_rows, GAME_LINES_COLUMNS, latest_only=False)


def _game_lines_rows(src: _Src, payload: dict) -> list[Row]:
    event, snapshot = _unwrap(payload, src)
    markets = _markets(event, _GAME_LINE_MARKETS, src)
    _one_price_format(markets, src)
    rows = [row for m in markets for row in _game_line_rows(m, src)]
    if not rows:  # an empty snapshot (HTTP 204) does not even name the teams
        return []
    header = _event_header(event, src)
    _outcomes_of_the_game(rows, header, src)
    taken_at = _snapshot_time(snapshot, src)
    common = {
        "snapshot_timestamp": taken_at, "previous_snapshot_timestamp": snapshot.previous,
        "next_snapshot_timestamp": snapshot.next, **header,
        "minutes_before_tipoff": _minutes_before(header["commence_time"], taken_at),
        "data_source": snapshot.data_source, "source_file_path": src.path,
    }  # fmt: skip
    return [{**common, **row} for row in rows]


def _outcomes_of_the_game(rows: list[Row], header: Row, src: _Src) -> None:
    """h2h and spread outcomes name one of the game's two teams, totals Over or Under: a line on
    a team not in the game belongs to no side of it."""
    teams = {header["home_team"], header["away_team"]}
    for row in rows:
        allowed = {"Over", "Under"} if row["market_key"] == "totals" else teams
        if row["outcome_name"] not in allowed:
            src.fail(f"{row['bookmaker_key']} {row['market_key']} outcome {row['outcome_name']!r} is not one of "
                     f"{', '.join(sorted(allowed))}")


def _game_line_rows(m: _Market, src: _Src) -> list[Row]:
    key = m.market["key"]
    context = {
        "bookmaker_key": _require(m.book, "key", src, "str", m.book_at),
        "bookmaker_title": _optional(m.book, "title", src, "str", m.book_at),
        "bookmaker_last_update": _optional_utc(m.book, "last_update", src, m.book_at),
        "market_key": key,
        "market_last_update": _optional_utc(m.market, "last_update", src, m.at),
    }
    return [
        {
            **context,
            "outcome_name": _require(outcome, "name", src, "str", at),
            "outcome_price": _price(_require(outcome, "price", src, at=at), src, f"{at}.price").decimal,
            "outcome_point": None if key == "h2h" else _require(outcome, "point", src, "number", at),
        }
        for at, outcome in _items(m.market, "outcomes", src, m.at)
    ]
