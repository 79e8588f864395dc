"""Box score (boxscoretraditionalv3): shared reading and validation, then two tables."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

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
    _Src,
)
from nba_backfill.phases.phase2_raw.parsers.schemas import (
    _COUNTING,
    GAMEBOOK_COLUMNS,
    TEAM_BOXSCORE_COLUMNS,
    Block,
    Files,
    Row,
    block,
)
from nba_backfill.teams import Team

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


def _gamebook_rows(src: _Src, payload: dict) -> Block:
    box = _read_box(src, payload)
    if box is None:
        return block([])
    rows = [
        {"team_abbr": side.team.tricode, "opponent_team_abbr": side.opponent.tricode, "is_home": side.is_home, **player}
        for side in box.teams
        for player in side.players
    ]
    return block(rows, {**box.keys, "source_file_path": src.path})


def _team_box_rows(src: _Src, payload: dict) -> Block:
    box = _read_box(src, payload)
    return block([] if box is None else [_team_box_row(box.keys, side, src) for side in box.teams])


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
        "plus_minus": (_require if active else _optional)(stats_obj, "plusMinusPoints", src, "int", f"{at}.statistics"),
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
    stats = {key: stats_obj.get(key) for key in _COUNTING}
    kinds = set(map(type, stats.values()))  # all ints (or nulls) at once; else key by key, to name one
    if kinds == {int} or (nullable and kinds <= {int, type(None)}):
        return {key: 0 if value is None else value for key, value in stats.items()} if nullable else stats
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
