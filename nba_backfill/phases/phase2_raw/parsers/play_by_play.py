"""Play-by-play (playbyplayv3): one row per field-goal attempt."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from nba_backfill.phases.phase2_raw.parsers.common import (
    _game_keys,
    _is_foreign_exhibition,
    _items,
    _matchup,
    _nba_game_id,
    _optional,
    _parse,
    _require,
    _Src,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import PLAY_BY_PLAY_COLUMNS, Files, Row

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
