"""The Phase 2 parsers' frames are exactly the frames they gave before they were made faster.

``fixtures/parsers_golden.json`` holds, for the recorded payloads (fixtures/real) and three
simulated game dates, each table's columns, dtypes, row count and a digest of every value's
``repr`` (so None, NaN, 1 and 1.0 differ): captured from the parsers as they were before the
speed work (main 7ed4f4a). Regenerate it only for an intended change of the parsers' output:
``python -m nba_backfill_tests.phases_tests.test_parsers_golden``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nba_backfill import calendar
from nba_backfill.errors import RawPayloadError
from nba_backfill.phases.odds_scrape import capture_stamp, event_folder, parse_iso
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.sources.simulated.resource import SimulatedLeague
from nba_backfill_tests.conftest import REAL_FIXTURES as REAL

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "parsers_golden.json"
SIMULATED_DATES = [dt.date(2024, 1, 8), dt.date(2024, 1, 9), dt.date(2024, 1, 10)]
#: Odds snapshots before each tip-off (the recorded payloads bring in-play ones).
LEADS = [dt.timedelta(hours=6), dt.timedelta(minutes=35), dt.timedelta(minutes=5)]

# The recorded payloads under the paths the scrapers give them (as test_phase2_parsers does).
REAL_FILES = {
    "box": {"nba-com/boxscores/2023-01-02/0022200552/20230103_060000.json": "nbacom_boxscoretraditionalv3_0022200552.json"},
    "pbp": {"nba-com/play-by-play/2023-01-02/game-0022200552/20230103_060000.json": "nbacom_playbyplayv3_0022200552.json"},
    "schedule": {
        "nba-com/schedule/2025-01-15/20250116_090000.json": "nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json",
        **{
            f"nba-com/schedule/{day}/20250717_141102.json": "nbacom_scheduleleaguev2_2025-26_as_of_2025-07-17.json"
            for day in ("2025-10-03", "2025-10-05", "2025-10-12")
        },
    },
    "lines": {
        "odds-api/game-lines-history/2024-01-24/cd0bc7d0c238f4446ce1c03d0cea7ec4-ATLGSW/20240125_000000-snap-0000.json":
            "oddsapi_historical_event_odds_spreads_totals_2024-01-25_cd0bc7d0.json",
        "odds-api/game-lines-history/2024-01-24/cd0bc7d0c238f4446ce1c03d0cea7ec4-ATLGSW/20240125_000500-snap-0005.json":
            "oddsapi_historical_event_odds_h2h_2024-01-25_cd0bc7d0.json",
    },
    "props": {
        "odds-api/player-props-history/2025-03-09/242c77a8d5890e18bab91773ad32fcb5-MEMNOP/20250309_235038-snap-2350.json":
            "oddsapi_historical_event_odds_player_points_2025-03-09_ABRIDGED_docexcerpt.json",
        "odds-api/player-props/2024-02-22/f54c4a22568ce9dc33fb410d1b0e75e9-ORLCLE/20240222_235500.json":
            "oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json",
    },
}  # fmt: skip


def real_files() -> dict[str, dict[str, Any]]:
    return {
        feed: {path: json.loads((REAL / name).read_text(encoding="utf-8")) for path, name in files.items()}
        for feed, files in REAL_FILES.items()
    }


def simulated_files() -> dict[str, dict[str, Any]]:
    """Three dates of the simulated league, under the paths the scrapers give them."""
    league, stamp = SimulatedLeague(), "20240201_120000"
    files: dict[str, dict[str, Any]] = {feed: {} for feed in REAL_FILES}
    for day in SIMULATED_DATES:
        schedule = league.schedule(day)
        files["schedule"][f"nba-com/schedule/{day}/{stamp}.json"] = schedule
        for game in parsers.parse_schedule({f"nba-com/schedule/{day}/{stamp}.json": schedule}).itertuples():
            gid = game.nba_game_id
            files["box"][f"nba-com/boxscores/{day}/{gid}/{stamp}.json"] = league.boxscore(gid)
            files["pbp"][f"nba-com/play-by-play/{day}/game-{gid}/{stamp}.json"] = league.play_by_play(gid)
        listing = league.odds_events(day, dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC))["data"]
        for event in listing:
            commence = parse_iso(event["commence_time"])
            if commence.astimezone(calendar.EASTERN).date() != day:
                continue
            for lead in LEADS:
                snap = (commence - lead).replace(second=0)
                name = f"{event_folder(event)}/{capture_stamp(snap)}-snap-{snap:%H%M}.json"
                props = league.event_odds(event["id"], ["player_points"], snap)
                lines = league.event_odds(event["id"], ["h2h", "spreads", "totals"], snap)
                files["props"][f"odds-api/player-props-history/{day}/{name}"] = props
                files["lines"][f"odds-api/game-lines-history/{day}/{name}"] = lines
    return files


def frames(files: dict[str, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    schedule = parsers.parse_schedule(files["schedule"])
    teams = dict(zip(schedule["nba_game_id"], zip(schedule["away_team_tricode"], schedule["home_team_tricode"])))
    parse: dict[str, Callable[[], pd.DataFrame]] = {
        "nbac_schedule": lambda: schedule,
        "nbac_gamebook_player_stats": lambda: parsers.parse_boxscore_players(files["box"]),
        "nbac_team_boxscore": lambda: parsers.parse_boxscore_teams(files["box"]),
        "nbac_play_by_play": lambda: parsers.parse_play_by_play(files["pbp"], teams=teams),
        "odds_api_player_points_props": lambda: parsers.parse_player_props(files["props"]),
        "odds_api_game_lines": lambda: parsers.parse_game_lines(files["lines"]),
    }
    return {table: build() for table, build in parse.items()}


def fingerprint(df: pd.DataFrame) -> dict[str, Any]:
    """Columns in order, dtypes, row count, and a digest of every value's repr, column by column."""
    digest = hashlib.sha256()
    for column in df.columns:
        digest.update(column.encode())
        for value in df[column].tolist():
            digest.update(repr(value).encode() + b"\x00")
    return {"dtypes": {c: str(t) for c, t in df.dtypes.items()}, "rows": len(df), "sha256": digest.hexdigest()}


#: feed -> (parse, recorded payload, the objects whose every key is broken in turn). An object is a
#: path of keys and list indexes into the payload: the first field-goal attempt, an assisted make,
#: a player who played and one who did not, each level of the odds wrappers.
BROKEN: dict[str, tuple[Callable[[dict], pd.DataFrame], str, list[tuple[Any, ...]]]] = {
    "pbp": (
        lambda files: parsers.parse_play_by_play(files),
        "pbp",
        [(), ("game",), ("game", "actions", 0), ("game", "actions", 2), ("game", "actions", 13)],
    ),
    "box": (
        parsers.parse_boxscore_players,
        "box",
        [
            ("boxScoreTraditional",),
            ("boxScoreTraditional", "awayTeam"),
            ("boxScoreTraditional", "awayTeam", "statistics"),
            ("boxScoreTraditional", "awayTeam", "players", 0),
            ("boxScoreTraditional", "awayTeam", "players", 0, "statistics"),
            ("boxScoreTraditional", "awayTeam", "players", 10),
            ("boxScoreTraditional", "awayTeam", "players", 10, "statistics"),
        ],
    ),
    "team_box": (parsers.parse_boxscore_teams, "box", [("boxScoreTraditional", "homeTeam", "statistics")]),
    "schedule": (
        parsers.parse_schedule,
        "schedule",
        [
            ("leagueSchedule",),
            ("leagueSchedule", "gameDates", 0),
            ("leagueSchedule", "gameDates", 0, "games", 0),
            ("leagueSchedule", "gameDates", 0, "games", 0, "homeTeam"),
        ],
    ),
    "lines": (
        parsers.parse_game_lines,
        "lines",
        [(), ("data",), ("data", "bookmakers", 0), ("data", "bookmakers", 0, "markets", 0)]
        + [("data", "bookmakers", 0, "markets", m, "outcomes", 0) for m in (0, 1)],
    ),
    "props": (
        parsers.parse_player_props,
        "props live",
        [(), ("bookmakers", 0), ("bookmakers", 0, "markets", 0), ("bookmakers", 0, "markets", 0, "outcomes", 0)],
    ),
}
#: What a broken key becomes: gone, null, and a value of each wrong kind.
BREAKS: dict[str, Callable[[dict, str], None]] = {
    "deleted": lambda obj, key: obj.pop(key),
    "null": lambda obj, key: obj.__setitem__(key, None),
    "text": lambda obj, key: obj.__setitem__(key, "x"),
    "fraction": lambda obj, key: obj.__setitem__(key, 1.5),
}
#: The play-by-play's first actions are enough to break (and both teams act in them).
PBP_ACTIONS = 20


def broken_payloads() -> dict[str, list[str]]:
    """``feed object.key`` -> for each way of breaking it (BREAKS), the one line the parser fails
    with (its file and date elided), or ``ok <digest>`` for a break the parser accepts, with the
    digest of the frame it gave."""
    found = {}
    for feed, (parse, source, objects) in BROKEN.items():
        # the first recorded file of the feed, or the one the source names ("props live")
        path, name = list(REAL_FILES[source.split()[0]].items())[1 if source.endswith(" live") else 0]
        original = json.loads((REAL / name).read_text(encoding="utf-8"))
        if source == "pbp":
            original["game"]["actions"] = original["game"]["actions"][:PBP_ACTIONS]
        named = f"{path} (game date {path.split('/')[2]}): "
        for where in objects:
            for key in list(_at(original, where)):
                found[f"{feed} {'.'.join(map(str, where + (key,)))}"] = [
                    _outcome(parse, path, _broken(original, where, key, breaking)).replace(named, "<file>: ")
                    for breaking in BREAKS.values()
                ]
    return found


def _broken(original: dict, where: tuple[Any, ...], key: str, breaking: Callable[[dict, str], None]) -> dict:
    payload = copy.deepcopy(original)
    breaking(_at(payload, where), key)
    return payload


def _outcome(parse: Callable[[dict], pd.DataFrame], path: str, payload: dict) -> str:
    try:
        return f"ok {fingerprint(parse({path: payload}))['sha256'][:16]}"
    except RawPayloadError as err:
        return str(err)


def _at(payload: Any, where: tuple[Any, ...]) -> Any:
    for step in where:
        payload = payload[step]
    return payload


def capture() -> dict[str, Any]:
    return {
        **{
            source: {table: fingerprint(df) for table, df in frames(files).items()}
            for source, files in (("real", real_files()), ("simulated", simulated_files()))
        },
        "broken": broken_payloads(),
    }


@pytest.fixture(scope="module")
def captured() -> dict[str, dict[str, Any]]:
    return {
        source: {table: fingerprint(df) for table, df in frames(files).items()}
        for source, files in (("real", real_files()), ("simulated", simulated_files()))
    }


@pytest.mark.parametrize("source", ["real", "simulated"])
def test_frames_are_the_frames_main_gave(captured, source):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[source]
    for table, expected in golden.items():
        assert captured[source][table] == expected, table


def test_every_broken_key_fails_with_the_line_main_gave():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["broken"]
    found = broken_payloads()
    assert list(found) == list(golden)
    assert [f"{k}: {v}" for k, v in found.items() if golden[k] != v] == []


def test_the_comparison_sees_a_changed_value():
    """The digest is not blind: one value off (even 1 -> 1.0) is another fingerprint."""
    df = pd.DataFrame({"a": pd.Series([1, 2], dtype=object), "b": ["x", None]})
    changed = df.copy()
    changed.loc[1, "a"] = 2.0
    assert fingerprint(df) != fingerprint(changed)
    assert fingerprint(df)["sha256"] != fingerprint(df.assign(b=["x", float("nan")]))["sha256"]


def test_the_simulated_dates_fill_every_table(captured):
    assert all(fp["rows"] > 0 for fp in captured["simulated"].values())


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(capture(), indent=1) + "\n", encoding="utf-8")


def _floated(value: Any) -> Any:
    """``value`` with every integer (not a boolean) written as a float: ``3`` -> ``3.0``."""
    if isinstance(value, dict):
        return {k: _floated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floated(v) for v in value]
    return float(value) if type(value) is int else value


def test_integral_floats_read_as_the_integers_they_are(captured):
    """Every int of every payload sent as a float (``12.0``, as some JSON encoders write it) takes
    the per-key path (a column at a time takes exact ints only) and gives the very same frames."""
    floated = {
        feed: {path: _floated(payload) for path, payload in files.items()} for feed, files in real_files().items()
    }
    assert {table: fingerprint(df) for table, df in frames(floated).items()} == captured["real"]
