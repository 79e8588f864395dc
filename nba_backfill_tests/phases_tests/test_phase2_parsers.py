"""Phase 2 parsers against REAL recorded NBA.com and Odds API payloads (nba_backfill_tests/fixtures/real)."""

from __future__ import annotations

import copy
import functools
import json
import math
from typing import Any

import pandas as pd
import pytest

from nba_backfill.errors import RawPayloadError
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.phases.phase2_raw.parsers import SCHEMAS
from nba_backfill_tests.conftest import REAL_FIXTURES as REAL

BOX_FILE = "nbacom_boxscoretraditionalv3_0022200552.json"
PBP_FILE = "nbacom_playbyplayv3_0022200552.json"
SCHEDULE_SLICE = "nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json"
SCHEDULE_PRESEASON = "nbacom_scheduleleaguev2_2025-26_as_of_2025-07-17.json"
LINES_SPREADS_TOTALS = "oddsapi_historical_event_odds_spreads_totals_2024-01-25_cd0bc7d0.json"
LINES_H2H = "oddsapi_historical_event_odds_h2h_2024-01-25_cd0bc7d0.json"
PROPS_ABRIDGED = "oddsapi_historical_event_odds_player_points_2025-03-09_ABRIDGED_docexcerpt.json"
PROPS_LIVE = "oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json"

# CHI at CLE, Donovan Mitchell's 71-point game (game 0022200552) was played on 2023-01-02.
BOX_PATH = "nba-com/boxscores/2023-01-02/0022200552/20230103_060000.json"
PBP_PATH = "nba-com/play-by-play/2023-01-02/game-0022200552/20230103_060000.json"
SCHEDULE_PATH = "nba-com/schedule/2025-01-15/20250116_090000.json"
LINES_DIR = "odds-api/game-lines-history/2024-01-24/cd0bc7d0c238f4446ce1c03d0cea7ec4-ATLGSW"
PROPS_ABRIDGED_PATH = (
    "odds-api/player-props-history/2025-03-09/242c77a8d5890e18bab91773ad32fcb5-MEMNOP/20250309_235038-snap-2350.json"
)
PROPS_LIVE_PATH = "odds-api/player-props/2024-02-22/f54c4a22568ce9dc33fb410d1b0e75e9-ORLCLE/20240222_235500.json"

PANDAS_DTYPES = {
    "str": "object", "int": "int64", "Int64": "Int64", "float": "float64", "bool": "bool",
    "date": "datetime64[ns]", "naive": "datetime64[ns]", "utc": "datetime64[ns, UTC]",
}  # fmt: skip


@functools.cache
def _cached(name: str) -> Any:
    with open(REAL / name, encoding="utf-8") as f:
        return json.load(f)


def real(name: str) -> Any:
    """A fresh copy of a recorded payload (tests may mutate it)."""
    return copy.deepcopy(_cached(name))


def assert_schema(df: pd.DataFrame, table: str) -> None:
    schema = SCHEMAS[table]
    assert list(df.columns) == list(schema)
    assert {c: str(df[c].dtype) for c in df.columns} == {c: PANDAS_DTYPES[k] for c, k in schema.items()}
    if len(df) and "game_date" in df:
        assert (df["game_date"] == df["game_date"].dt.normalize()).all()


def raises_payload_error(parse, files, path: str, date: str | None, *problem: str) -> RawPayloadError:
    with pytest.raises(RawPayloadError) as info:
        parse(files)
    message = str(info.value)
    for part in (path, str(date), *problem):
        assert part in message, f"{part!r} not in {message!r}"
    assert info.value.path == path
    return info.value


# ----------------------------------------------------------------------------------------------
# Box score v3
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def players() -> pd.DataFrame:
    return parsers.parse_boxscore_players({BOX_PATH: real(BOX_FILE)})


@pytest.fixture(scope="module")
def team_box() -> pd.DataFrame:
    return parsers.parse_boxscore_teams({BOX_PATH: real(BOX_FILE)})


def test_boxscore_players_one_row_per_player_with_game_keys(players):
    assert_schema(players, "nbac_gamebook_player_stats")
    payload = real(BOX_FILE)["boxScoreTraditional"]
    assert len(players) == len(payload["homeTeam"]["players"]) + len(payload["awayTeam"]["players"]) == 23
    assert set(players["game_id"]) == {"20230102_CHI_CLE"}
    assert set(players["nba_game_id"]) == {"0022200552"}
    assert set(players["game_date"]) == {pd.Timestamp("2023-01-02")}
    assert set(players["season_year"]) == {2022}
    assert players.groupby("team_abbr")["is_home"].first().to_dict() == {"CHI": False, "CLE": True}
    assert players.groupby("team_abbr")["opponent_team_abbr"].first().to_dict() == {"CHI": "CLE", "CLE": "CHI"}
    assert players.groupby("team_abbr")["starter"].sum().to_dict() == {"CHI": 5, "CLE": 5}
    assert set(players["source_file_path"]) == {BOX_PATH}


def test_boxscore_players_values(players):
    mitchell = players.set_index("player_id").loc[1628378]
    assert mitchell["player_name_original"] == "Donovan Mitchell"
    assert mitchell["player_lookup"] == "donovanmitchell"
    assert (mitchell["player_status"], mitchell["minutes"], mitchell["points"]) == ("active", "49:48", 71)
    assert mitchell["minutes_decimal"] == pytest.approx(49.8)
    assert mitchell["plus_minus"] == 19
    vucevic = players.set_index("player_id").loc[202696]
    assert vucevic["player_lookup"] == "nikolavucevic"  # accents folded
    lopez = players.set_index("player_id").loc[201577]
    assert (lopez["minutes"], lopez["minutes_decimal"]) == ("07:15", pytest.approx(7.25))  # "7:15" padded


def test_boxscore_dnp_players(players):
    dnp = players[players["player_status"] == "dnp"]
    assert sorted(dnp["player_id"]) == sorted([1630596, 1630600, 1630792, 1631207])
    assert dnp["minutes"].isna().all() and dnp["minutes_decimal"].isna().all()
    assert (dnp["points"] == 0).all() and (~dnp["starter"]).all()
    assert dnp.set_index("player_id").loc[1630596, "dnp_reason"] == "DNP - Injury/Illness"
    active = players[players["player_status"] == "active"]
    assert len(active) == 19 and active["dnp_reason"].isna().all()


def test_boxscore_inactive_status_from_comment():
    payload = real(BOX_FILE)
    payload["boxScoreTraditional"]["homeTeam"]["players"][-1]["comment"] = "NWT - Personal Reasons"
    df = parsers.parse_boxscore_players({BOX_PATH: payload})
    assert df.set_index("player_id").loc[1630600, "player_status"] == "inactive"


def test_boxscore_teams_two_rows_overtime(team_box, players):
    assert_schema(team_box, "nbac_team_boxscore")
    assert len(team_box) == 2
    t = team_box.set_index("team_abbr")
    assert t.loc["CLE", "minutes"] == t.loc["CHI", "minutes"] == "265:00"
    assert set(team_box["overtime_periods"]) == {1}
    assert (t.loc["CLE", "points"], t.loc["CHI", "points"]) == (145, 134)
    assert (t.loc["CLE", "team_id"], bool(t.loc["CLE", "is_home"]), t.loc["CLE", "opponent_team_abbr"]) == (
        1610612739, True, "CHI",
    )  # fmt: skip
    assert team_box["plus_minus"].sum() == 0
    assert t.loc["CLE", "fg_pct"] == pytest.approx(48 / 92)
    assert t.loc["CHI", "three_pt_pct"] == pytest.approx(10 / 33)
    sums = players.groupby("team_abbr")[["points", "field_goals_made", "three_pointers_attempted"]].sum()
    assert sums["points"].to_dict() == t["points"].to_dict()
    assert sums["field_goals_made"].to_dict() == t["fg_made"].to_dict()
    assert sums["three_pointers_attempted"].to_dict() == t["three_pt_attempted"].to_dict()


def test_boxscore_regulation_minutes_and_zero_attempts_pct():
    payload = real(BOX_FILE)
    stats = payload["boxScoreTraditional"]["homeTeam"]["statistics"]
    stats["minutes"] = "240:00"
    stats["points"] -= stats["freeThrowsMade"]
    stats["freeThrowsMade"] = stats["freeThrowsAttempted"] = 0
    for player in payload["boxScoreTraditional"]["homeTeam"]["players"]:
        player["statistics"]["points"] -= player["statistics"]["freeThrowsMade"]
        player["statistics"]["freeThrowsMade"] = player["statistics"]["freeThrowsAttempted"] = 0
    df = parsers.parse_boxscore_teams({BOX_PATH: payload}).set_index("team_abbr")
    assert (df.loc["CLE", "minutes"], df.loc["CLE", "overtime_periods"]) == ("240:00", 0)
    assert math.isnan(df.loc["CLE", "ft_pct"])


def test_boxscore_keeps_latest_file_per_game_directory():
    stale = real(BOX_FILE)
    stale["boxScoreTraditional"]["homeTeam"]["players"] = "garbage from an earlier, broken scrape"
    earlier = BOX_PATH.replace("20230103_060000", "20230103_010000")
    df = parsers.parse_boxscore_players({earlier: stale, BOX_PATH: real(BOX_FILE)})
    assert len(df) == 23 and set(df["source_file_path"]) == {BOX_PATH}


# ----------------------------------------------------------------------------------------------
# Play-by-play v3
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shots() -> pd.DataFrame:
    return parsers.parse_play_by_play({PBP_PATH: real(PBP_FILE)})


def test_play_by_play_field_goal_attempts(shots):
    assert_schema(shots, "nbac_play_by_play")
    assert len(shots) == 187
    assert set(shots["game_id"]) == {"20230102_CHI_CLE"}
    assert set(shots["shot_zone"]) == {"paint", "mid_range", "three"}
    assert (shots.loc[shots["shot_value"] == 3, "shot_zone"] == "three").all()
    twos = shots[shots["shot_value"] == 2]
    assert ((twos["shot_distance"] <= 8) == (twos["shot_zone"] == "paint")).all()
    assert not shots.loc[~shots["shot_made"], "is_assisted"].any()
    first = shots.iloc[0].to_dict()
    assert {k: first[k] for k in ("action_number", "period", "clock", "team_abbr", "player_id", "player_name_i")} == {
        "action_number": 7, "period": 1, "clock": "PT11M41.00S", "team_abbr": "CHI", "player_id": 201942,
        "player_name_i": "D. DeRozan",
    }  # fmt: skip
    assert (first["shot_made"], first["shot_value"], first["shot_zone"], first["is_assisted"]) == (
        True,
        3,
        "three",
        False,
    )
    assert (first["x_legacy"], first["y_legacy"], first["shot_distance"]) == (230, 52, 24.0)
    assert shots["period"].max() == 5


def test_play_by_play_counts_match_box_score(shots, team_box):
    box = team_box.set_index("team_abbr")
    by_team = shots.groupby("team_abbr")
    assert by_team.size().to_dict() == box["fg_attempted"].to_dict()
    assert by_team["shot_made"].sum().to_dict() == box["fg_made"].to_dict()
    threes = shots[shots["shot_value"] == 3].groupby("team_abbr")
    assert threes.size().to_dict() == box["three_pt_attempted"].to_dict()
    assert threes["shot_made"].sum().to_dict() == box["three_pt_made"].to_dict()
    # Every assist in the recorded box score shows up as an "(X N AST)" clause on a made shot.
    assert by_team["is_assisted"].sum().to_dict() == box["assists"].to_dict()


def test_play_by_play_teams_hint_fills_a_side_without_actions():
    payload = real(PBP_FILE)
    payload["game"]["actions"] = [a for a in payload["game"]["actions"] if a["location"] != "v"]
    raises_payload_error(
        parsers.parse_play_by_play, {PBP_PATH: payload}, PBP_PATH, "2023-01-02", "away team", "teams hint"
    )
    df = parsers.parse_play_by_play({PBP_PATH: payload}, teams={"0022200552": ("CHI", "CLE")})
    assert len(df) == 92 and set(df["game_id"]) == {"20230102_CHI_CLE"} and set(df["team_abbr"]) == {"CLE"}


def test_play_by_play_hint_contradicting_actions_is_an_error():
    with pytest.raises(RawPayloadError, match="teams hint"):
        parsers.parse_play_by_play({PBP_PATH: real(PBP_FILE)}, teams={"0022200552": ("BOS", "CLE")})


# ----------------------------------------------------------------------------------------------
# Schedule
# ----------------------------------------------------------------------------------------------


def test_schedule_slice_2025_01_15():
    df = parsers.parse_schedule({SCHEDULE_PATH: real(SCHEDULE_SLICE)})
    assert_schema(df, "nbac_schedule")
    assert len(df) == 11 and df["game_id"].is_unique
    g = df.set_index("game_id").loc["20250115_NYK_PHI"]
    assert (g["nba_game_id"], g["game_code"], g["season_year"], g["season_nba_format"]) == (
        "0022400561", "20250115/NYKPHI", 2024, "2024-25",
    )  # fmt: skip
    assert (g["home_team_name"], g["away_team_name"], g["home_team_id"]) == (
        "Philadelphia 76ers", "New York Knicks", 1610612755,
    )  # fmt: skip
    assert (g["game_status"], g["game_status_text"]) == (3, "Final/OT")
    assert (g["home_team_score"], g["away_team_score"], g["winning_team_tricode"]) == (119, 125, "NYK")
    assert g["game_date_est"] == pd.Timestamp("2025-01-15 19:00")  # ET wall clock, naive
    assert g["game_time_utc"] == pd.Timestamp("2025-01-16 00:00", tz="UTC")
    assert df["is_regular_season"].all() and not df["is_playoffs"].any() and not df["neutral_site_flag"].any()
    assert df["winning_team_tricode"].notna().all()


def test_schedule_keeps_only_the_path_date():
    # the 2025-26 schedule as of July: ten preseason dates
    df = parsers.parse_schedule({"nba-com/schedule/2025-10-12/x.json": real(SCHEDULE_PRESEASON)})
    assert len(df) == 2 and set(df["game_date"].dt.date.astype(str)) == {"2025-10-12"}
    assert_schema(df, "nbac_schedule")


def test_a_schedule_with_games_only_on_other_dates_is_an_error_for_an_in_season_date():
    path = "nba-com/schedule/2025-01-16/x.json"
    with pytest.raises(RawPayloadError, match=r"2025-01-16/x.json .*no gameDate for 2025-01-16.* \(2025-01-15\)"):
        parsers.parse_schedule({path: real(SCHEDULE_SLICE)})
    summer = parsers.parse_schedule({"nba-com/schedule/2025-07-20/x.json": real(SCHEDULE_SLICE)})
    assert summer.empty  # off-season: a date without games is what the file says
    assert_schema(summer, "nbac_schedule")


@pytest.mark.parametrize("written", ["01/15/2025 00:00:00", "2025-01-15", "2025-01-15T00:00:00Z"])
def test_a_schedule_date_in_any_form_nbacom_sends_finds_the_dates_games(written):
    payload = real(SCHEDULE_SLICE)
    for day in payload["leagueSchedule"]["gameDates"]:
        day["gameDate"] = written
    df = parsers.parse_schedule({"nba-com/schedule/2025-01-15/x.json": payload})
    assert len(df) == len(payload["leagueSchedule"]["gameDates"][0]["games"]) > 0


def test_a_schedule_date_in_an_unknown_form_names_the_file():
    payload = real(SCHEDULE_SLICE)
    payload["leagueSchedule"]["gameDates"][0]["gameDate"] = "15.01.2025"
    with pytest.raises(RawPayloadError, match=r"2025-01-15/x.json .*gameDate '15.01.2025' is not MM/DD/YYYY"):
        parsers.parse_schedule({"nba-com/schedule/2025-01-15/x.json": payload})


def test_schedule_preseason_not_started():
    payload = real(SCHEDULE_PRESEASON)
    df = parsers.parse_schedule({"nba-com/schedule/2025-10-12/20250717_141102.json": payload})
    assert_schema(df, "nbac_schedule")
    assert list(df["game_id"]) == ["20251012_GSW_LAL", "20251012_BKN_PHX"]
    assert (df["game_status"] == 1).all()
    assert df["home_team_score"].isna().all() and df["away_team_score"].isna().all()
    assert df["winning_team_tricode"].isna().all()
    assert not df["is_regular_season"].any()
    assert list(df["neutral_site_flag"]) == [False, True]  # Las Vegas
    assert set(df["season_nba_format"]) == {"2025-26"}


def test_schedule_skips_preseason_games_against_non_nba_clubs():
    payload = real(SCHEDULE_PRESEASON)
    oct3 = parsers.parse_schedule({"nba-com/schedule/2025-10-03/a.json": payload})
    assert list(oct3["game_id"]) == ["20251003_PHX_LAL"]  # Melbourne United at NOP skipped
    assert parsers.parse_schedule({"nba-com/schedule/2025-10-05/a.json": payload}).empty


def test_schedule_unknown_tricode_in_regular_season_is_an_error():
    payload = real(SCHEDULE_SLICE)
    payload["leagueSchedule"]["gameDates"][0]["games"][0]["homeTeam"]["teamTricode"] = "XXX"
    raises_payload_error(parsers.parse_schedule, {SCHEDULE_PATH: payload}, SCHEDULE_PATH, "2025-01-15",
                         "team 'XXX' is not an NBA tricode")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Game lines
# ----------------------------------------------------------------------------------------------


def test_game_lines_spreads_totals_in_play_snapshot():
    path = f"{LINES_DIR}/20240125_035540-snap-0355.json"
    df = parsers.parse_game_lines({path: real(LINES_SPREADS_TOTALS)})
    assert_schema(df, "odds_api_game_lines")
    assert len(df) == 8
    assert set(df["game_id"]) == {"20240124_ATL_GSW"}  # 03:20Z on the 25th = 22:20 ET on the 24th
    assert set(df["game_date"]) == {pd.Timestamp("2024-01-24")}
    assert set(df["market_key"]) == {"spreads", "totals"}
    assert set(df["minutes_before_tipoff"]) == {-36}  # snapshot 35m10s after tip-off, floored
    assert set(df["snapshot_timestamp"]) == {pd.Timestamp("2024-01-25 03:55:40", tz="UTC")}
    assert set(df["previous_snapshot_timestamp"]) == {pd.Timestamp("2024-01-25 03:50:38", tz="UTC")}
    assert set(df["next_snapshot_timestamp"]) == {pd.Timestamp("2024-01-25 04:00:38", tz="UTC")}
    assert set(df["data_source"]) == {"historical"}
    assert (df["home_team_abbr"].iloc[0], df["away_team_abbr"].iloc[0]) == ("GSW", "ATL")
    dk_spread = df[(df["bookmaker_key"] == "draftkings") & (df["market_key"] == "spreads")]
    assert dict(zip(dk_spread["outcome_name"], dk_spread["outcome_point"])) == {
        "Atlanta Hawks": 6.5, "Golden State Warriors": -6.5,
    }  # fmt: skip
    assert df["outcome_point"].notna().all()


def test_game_lines_h2h_has_no_point():
    path = f"{LINES_DIR}/20240125_035540-snap-0355-h2h.json"
    df = parsers.parse_game_lines({path: real(LINES_H2H)})
    assert len(df) == 4 and set(df["market_key"]) == {"h2h"}
    assert df["outcome_point"].isna().all()
    assert sorted(df["outcome_price"]) == [1.26, 1.32, 3.3, 3.8]


def test_game_lines_every_file_is_a_snapshot():
    files = {
        f"{LINES_DIR}/20240125_035540-snap-0355.json": real(LINES_SPREADS_TOTALS),
        f"{LINES_DIR}/20240125_035540-snap-0355-h2h.json": real(LINES_H2H),
    }
    assert len(parsers.parse_game_lines(files)) == 12


def test_game_lines_live_event_with_american_prices():
    event = real(LINES_H2H)["data"]
    event["bookmakers"] = event["bookmakers"][:1]  # a file is in one price format: DraftKings' alone
    for outcome in event["bookmakers"][0]["markets"][0]["outcomes"]:
        outcome["price"] = {"Atlanta Hawks": 230, "Golden State Warriors": -300}[outcome["name"]]
    path = "odds-api/game-lines/2024-01-24/cd0bc7d0c238f4446ce1c03d0cea7ec4-ATLGSW/20240125_035500.json"
    df = parsers.parse_game_lines({path: event})
    assert set(df["data_source"]) == {"current"}
    assert df["previous_snapshot_timestamp"].isna().all() and df["next_snapshot_timestamp"].isna().all()
    assert set(df["snapshot_timestamp"]) == {pd.Timestamp("2024-01-25 03:55:22", tz="UTC")}  # latest market
    dk = df[df["bookmaker_key"] == "draftkings"].set_index("outcome_name")["outcome_price"]
    assert dk["Atlanta Hawks"] == pytest.approx(3.3)
    assert dk["Golden State Warriors"] == pytest.approx(1 + 100 / 300)


# ----------------------------------------------------------------------------------------------
# Player points props
# ----------------------------------------------------------------------------------------------


def test_props_abridged_historical_without_commence_time():
    df = parsers.parse_player_props({PROPS_ABRIDGED_PATH: real(PROPS_ABRIDGED)})
    assert_schema(df, "odds_api_player_points_props")
    assert list(df["player_lookup"]) == ["jaylenwells", "desmondbane"]
    assert set(df["game_id"]) == {"20250309_MEM_NOP"}
    assert set(df["game_date"]) == {pd.Timestamp("2025-03-09")}  # from the path
    assert df["game_start_time"].isna().all() and df["minutes_before_tipoff"].isna().all()
    assert set(df["snapshot_timestamp"]) == {pd.Timestamp("2025-03-09 23:50:38", tz="UTC")}
    assert set(df["snapshot_tag"]) == {"snap-2350"}
    assert set(df["data_source"]) == {"historical"}
    bane = df.set_index("player_lookup").loc["desmondbane"]
    assert (bane["points_line"], bane["over_price"], bane["under_price"]) == (28.5, 1.8, 1.94)
    assert (bane["over_price_american"], bane["under_price_american"]) == (-125, -106)
    assert bane["bookmaker_last_update"] == pd.Timestamp("2025-03-09 23:50:34", tz="UTC")


@pytest.fixture(scope="module")
def live_props() -> pd.DataFrame:
    return parsers.parse_player_props({PROPS_LIVE_PATH: real(PROPS_LIVE)})


def test_props_live_one_row_per_bookmaker_and_player(live_props):
    payload = real(PROPS_LIVE)
    expected = {
        (book["key"], outcome["description"])
        for book in payload["bookmakers"]
        for market in book["markets"]
        if market["key"] == "player_points"
        for outcome in market["outcomes"]
    }
    assert_schema(live_props, "odds_api_player_points_props")
    assert live_props["bookmaker"].nunique() == len(payload["bookmakers"]) == 10
    assert len(live_props) == len(expected)
    assert set(zip(live_props["bookmaker"], live_props["player_name"])) == expected
    assert not live_props.duplicated(["bookmaker", "player_lookup", "snapshot_timestamp"]).any()
    assert set(live_props["game_id"]) == {"20240222_ORL_CLE"}
    assert set(live_props["data_source"]) == {"current"}


def test_props_live_snapshot_and_tipoff(live_props):
    latest = max(pd.Timestamp(m["last_update"]) for b in real(PROPS_LIVE)["bookmakers"] for m in b["markets"])
    assert set(live_props["snapshot_timestamp"]) == {latest}
    assert set(live_props["game_start_time"]) == {pd.Timestamp("2024-02-23 00:00", tz="UTC")}
    assert set(live_props["game_date"]) == {pd.Timestamp("2024-02-22")}  # 19:00 ET
    assert set(live_props["minutes_before_tipoff"]) == {4}
    assert set(live_props["snapshot_tag"]) == {f"snap-{latest:%H%M}"}


def test_props_live_american_prices_converted(live_props):
    row = live_props.set_index(["bookmaker", "player_lookup"]).loc[("draftkings", "carislevert")]
    assert (row["points_line"], row["over_price_american"], row["under_price_american"]) == (11.5, -130, 100)
    assert row["over_price"] == pytest.approx(1 + 100 / 130)
    assert row["under_price"] == pytest.approx(2.0)
    assert (live_props["over_price"] > 1).all() and (live_props["under_price"] > 1).all()
    assert row["bookmaker_last_update"] == pd.Timestamp("2024-02-22 23:55:07", tz="UTC")


def test_props_alternate_lines_keep_the_most_balanced_pair(live_props):
    # unibet_us lists Franz Wagner at 16.5 .. 23.5; the main line is 19.5 (-124 / -107).
    row = live_props.set_index(["bookmaker", "player_lookup"]).loc[("unibet_us", "franzwagner")]
    assert (row["points_line"], row["over_price_american"], row["under_price_american"]) == (19.5, -124, -107)


def test_props_historical_wrapper_in_play_snapshot_is_kept():
    wrapped = {"timestamp": "2024-02-23T00:20:00Z", "previous_timestamp": None, "data": real(PROPS_LIVE)}
    path = PROPS_LIVE_PATH.replace("player-props/", "player-props-history/").replace(
        "20240222_235500.json", "20240223_002000-snap-0020.json"
    )
    df = parsers.parse_player_props({path: wrapped})
    assert set(df["data_source"]) == {"historical"} and set(df["snapshot_tag"]) == {"snap-0020"}
    assert set(df["minutes_before_tipoff"]) == {-20}


def test_props_over_and_under_points_differ_keeps_the_over():
    payload = real(PROPS_ABRIDGED)
    payload["data"]["bookmakers"][0]["markets"][0]["outcomes"][1]["point"] = 12.5
    df = parsers.parse_player_props({PROPS_ABRIDGED_PATH: payload})
    assert df.set_index("player_lookup").loc["jaylenwells", "points_line"] == 11.5


@pytest.mark.parametrize(
    ("price", "decimal", "american"),
    [(-130, 1 + 100 / 130, -130), (120, 2.2, 120), (100, 2.0, 100), (1.8, 1.8, -125), (2.5, 2.5, 150)],
)
def test_props_price_formats(price, decimal, american):
    payload = real(PROPS_ABRIDGED)
    for outcome in payload["data"]["bookmakers"][0]["markets"][0]["outcomes"]:  # a file is in one format
        outcome["price"] = price
    row = parsers.parse_player_props({PROPS_ABRIDGED_PATH: payload}).iloc[0]
    assert row["over_price"] == pytest.approx(decimal)
    assert row["over_price_american"] == american


def test_props_ignore_other_markets():
    payload = real(PROPS_ABRIDGED)
    payload["data"]["bookmakers"][0]["markets"][0]["key"] = "player_rebounds"
    df = parsers.parse_player_props({PROPS_ABRIDGED_PATH: payload})
    assert df.empty
    assert_schema(df, "odds_api_player_points_props")


# ----------------------------------------------------------------------------------------------
# Errors: path, date and problem named; never partial results
# ----------------------------------------------------------------------------------------------


def test_error_boxscore_missing_players():
    payload = real(BOX_FILE)
    del payload["boxScoreTraditional"]["homeTeam"]["players"]
    for parse in (parsers.parse_boxscore_players, parsers.parse_boxscore_teams):
        raises_payload_error(parse, {BOX_PATH: payload}, BOX_PATH, "2023-01-02",
                             "missing key boxScoreTraditional.homeTeam.players")  # fmt: skip


def test_error_bad_minutes_string():
    payload = real(BOX_FILE)
    payload["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"]["minutes"] = "abc"
    raises_payload_error(parsers.parse_boxscore_players, {BOX_PATH: payload}, BOX_PATH, "2023-01-02",
                         "minutes 'abc' is not MM:SS for player 1630205")  # fmt: skip


def test_error_player_points_do_not_add_up():
    payload = real(BOX_FILE)
    payload["boxScoreTraditional"]["homeTeam"]["players"][0]["statistics"]["points"] = 12
    raises_payload_error(parsers.parse_boxscore_players, {BOX_PATH: payload}, BOX_PATH, "2023-01-02",
                         "player 1630205", "points 12 != 2*FG2M + 3*FG3M + FTM (4)")  # fmt: skip


def test_error_team_points_not_sum_of_players():
    payload = real(BOX_FILE)
    stats = payload["boxScoreTraditional"]["awayTeam"]["statistics"]
    stats["points"] += 2
    stats["fieldGoalsMade"] += 1
    stats["fieldGoalsAttempted"] += 1
    raises_payload_error(parsers.parse_boxscore_teams, {BOX_PATH: payload}, BOX_PATH, "2023-01-02",
                         "team CHI: points 136 != sum of its players' points (134)")  # fmt: skip


def test_error_non_nba_tricode_in_box_score():
    payload = real(BOX_FILE)
    payload["boxScoreTraditional"]["awayTeam"]["teamTricode"] = "XXX"
    raises_payload_error(parsers.parse_boxscore_teams, {BOX_PATH: payload}, BOX_PATH, "2023-01-02",
                         "team 'XXX' is not an NBA tricode")  # fmt: skip


def test_error_unknown_team_name():
    payload = real(LINES_H2H)
    payload["data"]["home_team"] = "Foo Bar"
    path = f"{LINES_DIR}/20240125_035540-snap-0355.json"
    raises_payload_error(parsers.parse_game_lines, {path: payload}, path, "2024-01-24",
                         "unknown team name 'Foo Bar'")  # fmt: skip


def test_error_payload_is_a_list():
    bad_path = PBP_PATH.replace("0022200552", "0022200553")
    files = {PBP_PATH: real(PBP_FILE), bad_path: [real(PBP_FILE)]}
    raises_payload_error(parsers.parse_play_by_play, files, bad_path, "2023-01-02",
                         "payload is a list, expected an object")  # fmt: skip


def test_error_path_without_date():
    raises_payload_error(parsers.parse_boxscore_players, {"nba-com/boxscores/latest.json": real(BOX_FILE)},
                         "nba-com/boxscores/latest.json", None, "path has no YYYY-MM-DD segment")  # fmt: skip


def test_error_events_listing_is_not_event_odds():
    path = "odds-api/player-props-history/2024-01-24/x-ATLGSW/20240125_035540-snap-0355.json"
    listing = real("oddsapi_historical_events_2024-01-25T0355Z.json")
    raises_payload_error(parsers.parse_player_props, {path: listing}, path, "2024-01-24", "data is a list")


def test_error_price_neither_decimal_nor_american():
    payload = real(PROPS_ABRIDGED)
    payload["data"]["bookmakers"][0]["markets"][0]["outcomes"][2]["price"] = -50
    raises_payload_error(parsers.parse_player_props, {PROPS_ABRIDGED_PATH: payload}, PROPS_ABRIDGED_PATH,
                         "2025-03-09", "outcomes[2].price -50")  # fmt: skip


def test_error_one_bad_file_fails_the_whole_call():
    bad = real(BOX_FILE)
    bad["boxScoreTraditional"]["homeTeam"]["players"][3]["statistics"]["fieldGoalsMade"] = "5"
    other = BOX_PATH.replace("2023-01-02", "2023-01-03")
    raises_payload_error(parsers.parse_boxscore_players, {BOX_PATH: real(BOX_FILE), other: bad}, other,
                         "2023-01-03", "players[3].statistics.fieldGoalsMade is a string")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Empty input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "table"),
    [
        (parsers.parse_schedule, "nbac_schedule"),
        (parsers.parse_boxscore_players, "nbac_gamebook_player_stats"),
        (parsers.parse_boxscore_teams, "nbac_team_boxscore"),
        (parsers.parse_play_by_play, "nbac_play_by_play"),
        (parsers.parse_player_props, "odds_api_player_points_props"),
        (parsers.parse_game_lines, "odds_api_game_lines"),
    ],
)
def test_empty_input_gives_empty_frame_with_schema(parse, table):
    df = parse({})
    assert df.empty
    assert_schema(df, table)
