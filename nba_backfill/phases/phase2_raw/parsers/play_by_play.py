"""Play-by-play (playbyplayv3): one row per field-goal attempt."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from nba_backfill.phases.phase2_raw.parsers.common import (
    _columns,
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
from nba_backfill.phases.phase2_raw.parsers.schemas import PLAY_BY_PLAY_COLUMNS, Block, Files, block

# --------------------------------------------------------------------------------------------------
# Play-by-play (playbyplayv3): one row per field-goal attempt
# --------------------------------------------------------------------------------------------------

_ASSIST = re.compile(r"\([^()]*\s\d+\s+AST\)")
_PAINT_MAX_FEET = 8


def parse_play_by_play(files: Files, teams: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """``nbac_play_by_play``. ``teams`` maps nba_game_id -> (away, home) tricodes for games whose
    actions do not show both sides (location ``v`` = away, ``h`` = home)."""
    hints = {game: tuple(pair) for game, pair in (teams or {}).items()}

    def block_of(src: _Src, payload: dict) -> Block:
        return _pbp_block(src, payload, hints)

    return _parse(files, block_of, PLAY_BY_PLAY_COLUMNS, latest_only=True)


def _pbp_block(src: _Src, payload: dict, hints: Mapping[str, tuple[str, ...]]) -> Block:
    nba_game_id = _nba_game_id(_require(payload, "game.gameId", src, "str"), src, "game.gameId")
    actions = _items(payload, "game.actions", src)
    field_goal = _columns(actions, {"isFieldGoal": "int"}, src)["isFieldGoal"]
    shots = [action for action, flag in zip(actions, field_goal) if flag == 1]
    if not shots:
        return block([])
    away, home = _pbp_matchup(actions, hints.get(nba_game_id), src)
    if _is_foreign_exhibition(nba_game_id, (away, home)):
        return block([])
    _matchup(away, home, src, "game")
    keys = _game_keys(src, nba_game_id, away, home)
    return Block(len(shots), _shots(shots, {away, home}, src), {**keys, "source_file_path": src.path})


def _pbp_matchup(actions: list[tuple[str, dict]], hint: tuple[str, ...] | None, src: _Src) -> tuple[str, ...]:
    """(away, home) tricodes seen on ``v`` / ``h`` actions, completed and cross-checked by the hint."""
    got = _columns(actions, {}, src, {"location": ("str", ""), "teamTricode": ("str", "")})
    seen: dict[str, set[str]] = {"v": set(), "h": set()}
    for location, tricode in zip(got["location"], got["teamTricode"]):
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


#: What a field-goal attempt must have: key -> kind.
_SHOT = {
    "teamTricode": "str", "shotValue": "int", "shotResult": "str", "shotDistance": "number",
    "actionNumber": "int", "period": "int", "clock": "str", "personId": "int", "playerNameI": "str",
    "xLegacy": "int", "yLegacy": "int", "actionType": "str",
}  # fmt: skip
_SHOT_OPTIONAL = {"subType": ("str", "")}


def _shots(shots: list[tuple[str, dict]], game_teams: set[str], src: _Src) -> dict[str, list]:
    """The field-goal attempts' columns, read and checked a column at a time."""
    got = _columns(shots, _SHOT, src, _SHOT_OPTIONAL)
    _check_each(shots, got, "teamTricode", game_teams, f"one of the game's teams {sorted(game_teams)}", src)
    _check_each(shots, got, "shotValue", {2, 3}, "2 or 3", src)
    _check_each(shots, got, "shotResult", {"Made", "Missed"}, "'Made' or 'Missed'", src)
    made = [result == "Made" for result in got["shotResult"]]
    return {
        "action_number": got["actionNumber"],
        "period": got["period"],
        "clock": got["clock"],
        "team_abbr": got["teamTricode"],
        "player_id": got["personId"],
        "player_name_i": got["playerNameI"],
        "shot_made": made,
        "shot_value": got["shotValue"],
        "shot_distance": got["shotDistance"],
        "x_legacy": got["xLegacy"],
        "y_legacy": got["yLegacy"],
        "shot_zone": [
            "three" if value == 3 else "paint" if distance <= _PAINT_MAX_FEET else "mid_range"
            for value, distance in zip(got["shotValue"], got["shotDistance"])
        ],
        # Only a make's description is read (a miss has no assist to name).
        "is_assisted": [
            m and bool(_ASSIST.search(_optional(action, "description", src, "str", at, "")))
            for (at, action), m in zip(shots, made)
        ],
        "action_type": got["actionType"],
        "sub_type": got["subType"],
    }


def _check_each(
    shots: list[tuple[str, dict]], got: dict[str, list], key: str, allowed: set, what: str, src: _Src
) -> None:
    """Every shot's ``key`` is one of ``allowed``; the first that is not fails, named by its location."""
    if not set(got[key]) <= allowed:
        at, value = next((at, v) for (at, _), v in zip(shots, got[key]) if v not in allowed)
        src.fail(f"{at}.{key} {value!r} is not {what}")
