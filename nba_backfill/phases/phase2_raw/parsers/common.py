"""What every parser shares: files and paths, errors that name them, typed access to JSON, game ids and teams."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, NoReturn

import pandas as pd

from nba_backfill import calendar, ids
from nba_backfill.errors import RawPayloadError
from nba_backfill.phases.phase2_raw.parsers.schemas import Block, Files, Row, _frame
from nba_backfill.teams import BY_TRICODE, Team, tricode_for_name

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


#: Files parsed into Python values before those become a (much smaller) frame.
FILES_PER_FRAME = 500


def _parse(
    files: Files, block_of: Callable[[_Src, dict], Block], schema: Mapping[str, str], latest_only: bool
) -> pd.DataFrame:
    paths = _latest_per_directory(files) if latest_only else sorted(files)
    frames, blocks = [], []
    for i, path in enumerate(paths, start=1):
        src = _source(path)
        blocks.append(block_of(src, _coerce(files[path], "object", src, "payload")))
        if i % FILES_PER_FRAME == 0:  # Python values cost ~10x their frame: convert as we go
            frames.append(_frame(blocks, schema))
            blocks = []
    frames.append(_frame(blocks, schema))
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


#: The JSON type each kind takes as it is. Every value a parser reads is checked, so the common
#: case (the exact type) is one comparison; anything else takes the precise way (_coerce_slowly).
_AS_IS: dict[str | None, type] = {"object": dict, "list": list, "str": str, "int": int, "bool": bool}
_ABSENT = object()


def _coerce(value: Any, kind: str, src: _Src, where: str) -> Any:
    """``value`` as ``kind`` (an integral float counts as an int), or fail naming ``where``."""
    if type(value) is _AS_IS.get(kind):
        return value
    return _coerce_slowly(value, kind, src, where)


def _coerce_slowly(value: Any, kind: str, src: _Src, where: str) -> Any:
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
    if type(obj) is dict and "." not in dotted:  # one key of the exact type: no message to prepare
        value = obj.get(dotted, _ABSENT)
        if value is not _ABSENT and (kind is None or type(value) is _AS_IS.get(kind)):
            return value
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
    if value is None:
        return default
    return value if type(value) is _AS_IS.get(kind) else _coerce_slowly(value, kind, src, _join(at, key))


def _items(obj: Any, dotted: str, src: _Src, at: str = "") -> list[tuple[str, dict]]:
    """The objects of the list at ``dotted``, each with its own location for messages."""
    where = _join(at, dotted)
    values = _require(obj, dotted, src, "list", at)
    return [
        (f"{where}[{i}]", v if type(v) is dict else _coerce_slowly(v, "object", src, f"{where}[{i}]"))
        for i, v in enumerate(values)
    ]


def _columns(
    items: list[tuple[str, dict]],
    required: Mapping[str, str | None],
    src: _Src,
    optional: Mapping[str, tuple[str, Any]] = {},
) -> dict[str, list[Any]]:
    """The values of the objects' ``required`` keys (key -> kind, None for any value) and
    ``optional`` ones (key -> (kind, default when missing or null)), column by column.

    A column is checked at once (the set of its values' types); only when one fails are the
    objects read one by one, key by key, which names the first bad value exactly as ``_require``
    and ``_optional`` do (or converts it: an integral float where an int is expected)."""
    objects = [obj for _, obj in items]
    try:
        columns = {key: [obj[key] for obj in objects] for key in required}
    except KeyError:
        columns = None
    if columns is not None and all(_all_of(columns[key], kind) for key, kind in required.items()):
        for key, (kind, default) in optional.items():
            values = [obj.get(key) for obj in objects]
            if not _all_of([v for v in values if v is not None], kind):
                break
            columns[key] = [default if v is None else v for v in values] if None in values else values
        else:
            return {
                key: [float(v) for v in values] if required.get(key) == "number" else values
                for key, values in columns.items()
            }
    read = [
        [_require(obj, key, src, kind, at) for key, kind in required.items()]
        + [_optional(obj, key, src, kind, at, default) for key, (kind, default) in optional.items()]
        for at, obj in items
    ]
    return {key: [values[i] for values in read] for i, key in enumerate([*required, *optional])}


def _all_of(values: list[Any], kind: str | None) -> bool:
    """Whether every value is of ``kind`` as it is (a number: an int or a finite float; None: any)."""
    if kind is None:
        return True
    types = set(map(type, values))
    if kind == "number":
        return types <= {int, float} and all(map(math.isfinite, values))
    return types <= {_AS_IS[kind]}


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
