"""The simulated league: deterministic, realistic, internally consistent and shaped like the real
APIs (its lines and its faults: test_simulated_lines_and_faults.py)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
import re

import pytest

from nba_backfill import calendar
from nba_backfill.errors import SourceUnavailable
from nba_backfill.sources import simulated as sim
from nba_backfill.sources.shapes import iso_z
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill.teams import BY_FULL_NAME, BY_TRICODE, TEAMS
from nba_backfill_tests.conftest import REAL_FIXTURES as REAL
from nba_backfill_tests.sources_tests.conftest import SEED, games_of, season_games, snapshot_before

pytestmark = pytest.mark.usefixtures("summer_2025")
UTC = dt.timezone.utc


def set_today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(calendar, "today_et", lambda: day)


def sample_games(season: int = 2023, step: int = 41) -> list[sim.SimGame]:
    """Every 41st game plus every overtime game of the first 400."""
    games = season_games(season)
    return games[::step] + [g for g in games[:400] if g.periods > 4][:6]


def load_real(name: str) -> dict | list:
    return json.loads((REAL / name).read_text())


def minutes_to_seconds(text: str) -> int:
    m, s = text.split(":")
    return int(m) * 60 + int(s)


def test_same_arguments_give_equal_payloads(league: SimulatedLeague):
    g = season_games(2024)[300]
    snap = snapshot_before(g, hours=1)
    calls = [
        lambda: league.schedule(g.game_date),
        lambda: league.boxscore(g.nba_game_id),
        lambda: league.play_by_play(g.nba_game_id),
        lambda: league.odds_events(g.game_date, snap),
        lambda: league.odds_events(g.game_date, None),
        lambda: league.event_odds(g.event_id, ["player_points"], snap),
        lambda: league.event_odds(g.event_id, ["spreads", "totals"], None),
    ]
    for call in calls:
        assert json.dumps(call()) == json.dumps(call())


def test_a_game_does_not_depend_on_call_order_or_caches(league: SimulatedLeague):
    g = season_games(2023)[777]
    first = (league.boxscore(g.nba_game_id), league.play_by_play(g.nba_game_id))
    sim.game_sim.cache_clear()
    sim.season_model.cache_clear()
    for other in season_games(2024)[:5] + season_games(2023)[:5]:  # other games first, this time
        league.boxscore(other.nba_game_id)
    assert (league.boxscore(g.nba_game_id), league.play_by_play(g.nba_game_id)) == first


def test_a_different_seed_is_a_different_league():
    a, b = sim.league(SEED), sim.league(SEED + 1)
    assert [p.full_name for p in a.players] != [p.full_name for p in b.players]
    assert [g.home for g in sim.season_model(SEED, 2024).games] != [
        g.home for g in sim.season_model(SEED + 1, 2024).games
    ]


# --------------------------------------------------------------------------------------------------
# The league and the schedule
# --------------------------------------------------------------------------------------------------


def test_player_names_are_unique_and_some_have_punctuation_accents_and_suffixes():
    players = sim.league(SEED).players
    assert len(players) == 30 * 15
    lookups = [calendar.player_lookup(p.full_name) for p in players]
    assert len(set(lookups)) == len(lookups)
    names = [p.full_name for p in players]
    assert any("'" in n for n in names)
    assert any(n != sim._ascii(n) for n in names)  # accents (Jokić-style)
    assert any(n.endswith((" Jr.", " II", " III")) for n in names)
    assert len({p.person_id for p in players}) == len(players)


def test_rosters_persist_across_seasons_and_players_age(league: SimulatedLeague):
    r2023, r2024 = league.roster("BOS", 2023), league.roster("BOS", 2024)
    assert [p["person_id"] for p in r2023] == [p["person_id"] for p in r2024]
    assert all(b["age"] == a["age"] + 1 for a, b in zip(r2023, r2024))
    g = next(g for g in season_games(2024) if TEAMS[g.home].tricode == "BOS")
    box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]["homeTeam"]
    assert {p["personId"] for p in box["players"]} == {p["person_id"] for p in r2024}


def test_talent_tiers_stars_starters_and_bench():
    for tricode in ("BOS", "DEN", "CHA"):
        ppg = [p["talent_ppg"] for p in sim.roster(tricode, 2024, SEED)]
        assert 22 <= ppg[0] <= 32  # the star
        assert all(8 <= x <= 22 for x in ppg[1:5])  # starters
        assert all(x <= 12 for x in ppg[5:])  # bench
        assert 105 <= sum(ppg[:11]) <= 125


@pytest.mark.parametrize("season", [2023, 2024])
def test_every_team_plays_82_games_41_at_home_and_a_season_has_1230(
    league: SimulatedLeague, monkeypatch: pytest.MonkeyPatch, season: int
):
    set_today(monkeypatch, dt.date(2021, 1, 1))  # nothing played: schedules stay cheap
    start = calendar.season_start(season)
    games = [g for d in calendar.date_range(start - dt.timedelta(days=30), dt.date(season + 1, 6, 30))
             for g in games_of(league.schedule(d))]  # fmt: skip
    assert len(games) == 1230
    played = collections.Counter(t for g in games for t in (g["homeTeam"]["teamTricode"], g["awayTeam"]["teamTricode"]))
    home = collections.Counter(g["homeTeam"]["teamTricode"] for g in games)
    assert set(played) == set(BY_TRICODE) and set(played.values()) == {82}
    assert set(home.values()) == {41}
    assert min(g["gameDateEst"][:10] for g in games) == start.isoformat()  # opening night from calendar.py


@pytest.mark.parametrize("season", [2023, 2024])
def test_game_ids_encode_the_season_and_the_sequence_in_date_order(season: int):
    games = season_games(season)
    assert [g.nba_game_id for g in games] == [f"002{season % 100:02d}{n:05d}" for n in range(1, 1231)]
    assert [g.game_date for g in games] == sorted(g.game_date for g in games)
    assert sim.decode_game_id(games[560].nba_game_id) == (season, 561)


@pytest.mark.parametrize("season", [2023, 2024])
def test_all_star_break_has_no_games_and_no_team_plays_twice_a_date(season: int):
    model = sim.season_model(SEED, season)
    assert len(model.all_star_break) == 6
    assert all(d.month == 2 and d not in model.by_date for d in model.all_star_break)
    assert dt.date(season, 12, 24) not in model.by_date
    assert calendar.date_range(model.all_star_break[0], model.all_star_break[-1]) == list(model.all_star_break)
    for day, games in model.by_date.items():
        teams = [t for g in games for t in (g.home, g.away)]
        assert len(teams) == len(set(teams)), day
        assert 1 <= len(games) <= 15
    back_to_backs = sum((b - a).days == 1 for dates in model.team_dates for a, b in zip(dates, dates[1:]))
    assert 5 * 30 <= back_to_backs <= 20 * 30  # they happen, but not every other night
    season_end = max(model.by_date)
    assert (season_end - calendar.season_start(season)).days < 180 and season_end.month == 4


def test_dates_outside_the_season_have_no_games(league: SimulatedLeague):
    for day in (
        dt.date(2024, 10, 1),
        dt.date(2024, 10, 21),
        dt.date(2025, 7, 15),
        dt.date(2020, 12, 25),
        dt.date(2025, 2, 16),
    ):
        payload = league.schedule(day)
        assert payload["leagueSchedule"]["gameDates"] == [], day
        assert payload["leagueSchedule"]["seasonYear"] == calendar.season_nba_format(calendar.season_year(day))


def test_tip_offs_are_evening_eastern_or_weekend_afternoons_and_stored_as_utc():
    for g in season_games(2024):
        et = g.tip_et.time()
        if g.game_date.weekday() >= 5 and et < dt.time(16):
            assert dt.time(12) <= et <= dt.time(15, 30)
        else:
            assert dt.time(19) <= et <= dt.time(22, 30), g.nba_game_id
        assert g.tip_utc.replace(tzinfo=None) - g.tip_et in (dt.timedelta(hours=4), dt.timedelta(hours=5))
    afternoon = sum(g.tip_et.hour < 16 for g in season_games(2024))
    assert 20 <= afternoon <= 200


# --------------------------------------------------------------------------------------------------
# Played vs scheduled
# --------------------------------------------------------------------------------------------------


def test_past_games_are_final_with_box_score_scores_and_todays_games_are_scheduled(
    league: SimulatedLeague, monkeypatch: pytest.MonkeyPatch
):
    set_today(monkeypatch, dt.date(2025, 1, 15))
    yesterday = games_of(league.schedule(dt.date(2025, 1, 14)))
    assert yesterday and all(g["gameStatus"] == 3 and g["gameStatusText"].startswith("Final") for g in yesterday)
    for g in yesterday:
        box = league.boxscore(g["gameId"])["boxScoreTraditional"]
        assert g["homeTeam"]["score"] == box["homeTeam"]["statistics"]["points"]
        assert g["awayTeam"]["score"] == box["awayTeam"]["statistics"]["points"]
        assert g["homeTeam"]["wins"] + g["homeTeam"]["losses"] > 0
        assert g["pointsLeaders"] and g["pointsLeaders"][0]["points"] == max(
            p["statistics"]["points"] for side in ("homeTeam", "awayTeam") for p in box[side]["players"]
        )
    today = games_of(league.schedule(dt.date(2025, 1, 15)))
    assert today and all(g["gameStatus"] == 1 and g["gameStatusText"].endswith(" ET") for g in today)
    assert all(g["homeTeam"]["score"] == 0 and g["pointsLeaders"] == [] for g in today)
    for feed, call in (("nbac_boxscores", league.boxscore), ("nbac_play_by_play", league.play_by_play)):
        with pytest.raises(SourceUnavailable) as err:
            call(today[0]["gameId"])
        assert (err.value.feed, err.value.game_date, err.value.status) == (feed, "2025-01-15", 404)


def test_records_count_wins_and_losses_through_the_game(league: SimulatedLeague):
    model = sim.season_model(SEED, 2024)
    last = model.games[-1]
    g = games_of(league.schedule(last.game_date))[-1]
    for side in ("homeTeam", "awayTeam"):
        assert g[side]["wins"] + g[side]["losses"] == 82


def test_unknown_or_malformed_game_ids(league: SimulatedLeague):
    with pytest.raises(SourceUnavailable) as err:
        league.boxscore("0022401299")
    assert err.value.status == 404
    with pytest.raises(ValueError):
        league.boxscore("0042400101")  # playoffs are not simulated


# --------------------------------------------------------------------------------------------------
# Box scores add up
# --------------------------------------------------------------------------------------------------

COUNTING = (
    "fieldGoalsMade", "fieldGoalsAttempted", "threePointersMade", "threePointersAttempted", "freeThrowsMade",
    "freeThrowsAttempted", "reboundsOffensive", "reboundsDefensive", "reboundsTotal", "assists", "steals",
    "blocks", "turnovers", "foulsPersonal", "points",
)  # fmt: skip


def test_box_scores_add_up(league: SimulatedLeague):
    overtime = 0
    for g in sample_games():
        box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]
        assert (box["gameId"], box["homeTeamId"], box["awayTeamId"]) == (
            g.nba_game_id,
            TEAMS[g.home].team_id,
            TEAMS[g.away].team_id,
        )
        team_minutes = 240 + 25 * (g.periods - 4)
        overtime += g.periods > 4
        home, away = box["homeTeam"], box["awayTeam"]
        assert home["statistics"]["points"] != away["statistics"]["points"]
        margin = home["statistics"]["points"] - away["statistics"]["points"]
        assert home["statistics"]["plusMinusPoints"] == margin == -away["statistics"]["plusMinusPoints"]
        for team in (home, away):
            players, stats = team["players"], team["statistics"]
            assert len(players) == 15
            active = [p for p in players if p["statistics"]["minutes"]]
            assert 10 <= len(active) <= 13
            assert stats["minutes"] == f"{team_minutes}:00"
            assert sum(minutes_to_seconds(p["statistics"]["minutes"]) for p in active) == team_minutes * 60
            for key in COUNTING:
                assert stats[key] == sum(p["statistics"][key] for p in players), key
                assert stats[key] == team["starters"][key] + team["bench"][key], key
            assert sum(p["statistics"]["plusMinusPoints"] for p in players) == 5 * stats["plusMinusPoints"]
            for p in players:
                s = p["statistics"]
                assert (
                    s["points"]
                    == 2 * (s["fieldGoalsMade"] - s["threePointersMade"])
                    + 3 * s["threePointersMade"]
                    + s["freeThrowsMade"]
                )
                assert 0 <= s["threePointersMade"] <= s["threePointersAttempted"] <= s["fieldGoalsAttempted"]
                assert (
                    s["fieldGoalsMade"] <= s["fieldGoalsAttempted"] and s["freeThrowsMade"] <= s["freeThrowsAttempted"]
                )
                assert s["reboundsTotal"] == s["reboundsOffensive"] + s["reboundsDefensive"]
                assert isinstance(s["plusMinusPoints"], float)
                if not s["minutes"]:
                    assert p["comment"] in ("DNP - Coach's Decision", "DNP - Injury/Illness")
                    assert all(v == 0 for k, v in s.items() if k != "minutes")
                else:
                    assert p["comment"] == "" and re.fullmatch(r"\d{1,2}:\d\d", s["minutes"])
            starters = [p for p in players if p["position"]]
            assert len(starters) == 5 and all(p["position"] in ("G", "F", "C") for p in starters)
            assert all(p["statistics"]["minutes"] for p in starters)
    assert overtime >= 1


def test_about_six_percent_of_games_go_to_overtime_and_scores_are_realistic():
    games = season_games(2024)
    rate = sum(g.periods > 4 for g in games) / len(games)
    assert 0.03 <= rate <= 0.09
    assert all(g.home_score != g.away_score for g in games)
    mean = sum(g.home_score + g.away_score for g in games) / (2 * len(games))
    assert 108 <= mean <= 121


# --------------------------------------------------------------------------------------------------
# Play-by-play matches the box score
# --------------------------------------------------------------------------------------------------


def test_play_by_play_is_consistent_with_the_box_score(league: SimulatedLeague):
    for g in sample_games(step=97):
        actions = league.play_by_play(g.nba_game_id)["game"]["actions"]
        box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]
        counts: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
        assisted: collections.Counter = collections.Counter()
        for a in actions:
            c = counts[a["personId"]]
            if a["isFieldGoal"]:
                made = a["shotResult"] == "Made"
                assert a["actionType"] == ("Made Shot" if made else "Missed Shot")
                c["fga"] += 1
                c["fgm"] += made
                if a["shotValue"] == 3:
                    c["tpa"] += 1
                    c["tpm"] += made
                if made and re.search(r"\([^()]*\s\d+\s+AST\)", a["description"]):
                    assisted[a["teamTricode"]] += 1
            elif a["actionType"] == "Free Throw":
                c["fta"] += 1
                c["ftm"] += not a["description"].startswith("MISS")
        for side in ("homeTeam", "awayTeam"):
            team = box[side]
            assert assisted[team["teamTricode"]] == team["statistics"]["assists"]
            for p in team["players"]:
                s, c = p["statistics"], counts[p["personId"]]
                assert (c["fga"], c["fgm"], c["tpa"], c["tpm"], c["fta"], c["ftm"]) == (
                    s["fieldGoalsAttempted"], s["fieldGoalsMade"], s["threePointersAttempted"],
                    s["threePointersMade"], s["freeThrowsAttempted"], s["freeThrowsMade"],
                ), p["familyName"]  # fmt: skip
        # The score runs up to the final, period by period; overtime starts from a tie.
        ends = [a for a in actions if a["actionType"] == "period" and a["subType"] == "end"]
        starts = [a for a in actions if a["actionType"] == "period" and a["subType"] == "start"]
        assert len(ends) == len(starts) == g.periods
        assert (int(ends[-1]["scoreHome"]), int(ends[-1]["scoreAway"])) == (g.home_score, g.away_score)
        for end in ends[3:-1]:
            assert end["scoreHome"] == end["scoreAway"]
        scored = [a for a in actions if a["scoreHome"] and a["actionType"] != "period"]
        assert all(int(a["scoreHome"]) + int(a["scoreAway"]) == a["pointsTotal"] for a in scored)
        totals = [a["pointsTotal"] for a in scored]
        assert totals == sorted(totals)
        assert [a["actionId"] for a in actions] == list(range(1, len(actions) + 1))
        numbers = [a["actionNumber"] for a in actions]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        assert len({tuple(a) for a in actions}) == 1  # every action has the same keys


def test_shot_zones_distances_and_coordinates():
    league = SimulatedLeague(seed=SEED)
    two_paint = two_mid = 0
    for g in sample_games(step=61):
        for a in league.play_by_play(g.nba_game_id)["game"]["actions"]:
            if not a["isFieldGoal"]:
                continue
            d = a["shotDistance"]
            assert d == math.floor(math.hypot(a["xLegacy"], a["yLegacy"]) / 10 + 0.5)
            if a["shotValue"] == 3:
                assert d >= 22 and " 3PT " in a["description"]
            else:
                assert 0 <= d <= 21 and "3PT" not in a["description"]
                two_paint += d <= 8
                two_mid += d > 8
            assert re.fullmatch(r"PT\d\dM\d\d\.\d\dS", a["clock"])
            assert a["location"] in ("h", "v") and a["subType"]
    assert 0.38 <= two_paint / (two_paint + two_mid) <= 0.52


def test_players_differ_in_zone_mix():
    paint_share = {}
    per_player: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    league = SimulatedLeague(seed=SEED)
    for g in season_games(2024)[:120]:
        for a in league.play_by_play(g.nba_game_id)["game"]["actions"]:
            if a["isFieldGoal"] and a["shotValue"] == 2:
                per_player[a["personId"]][a["shotDistance"] > 8] += 1
    for pid, (paint, mid) in per_player.items():
        if paint + mid >= 60:
            paint_share[pid] = paint / (paint + mid)
    assert len(paint_share) >= 30
    assert max(paint_share.values()) - min(paint_share.values()) >= 0.3


def test_descriptions_read_like_the_real_feed(league: SimulatedLeague):
    g = season_games(2023)[10]
    actions = league.play_by_play(g.nba_game_id)["game"]["actions"]
    texts = [a["description"] for a in actions]
    assert texts[0].startswith("Start of 1st Period (") and texts[-1].startswith("End of 4th Period (")
    assert any(re.fullmatch(r"\S.* \d+' 3PT .+ \(\d+ PTS\) \(.+ \d+ AST\)", t) for t in texts)
    assert any(re.fullmatch(r"MISS \S.* \d+' .+", t) for t in texts)
    assert any(re.fullmatch(r"\S.* Free Throw \d of \d \(\d+ PTS\)", t) for t in texts)
    made = [a for a in actions if a["actionType"] == "Made Shot"]
    assert all(a["scoreHome"].isdigit() and a["scoreAway"].isdigit() for a in made)
    missed = [a for a in actions if a["actionType"] == "Missed Shot"]
    assert all(a["scoreHome"] == a["scoreAway"] == "" and a["pointsTotal"] == 0 for a in missed)


# --------------------------------------------------------------------------------------------------
# Shapes match the real recorded responses
# --------------------------------------------------------------------------------------------------


def same_keys(ours: dict, real: dict, where: str) -> None:
    assert list(ours) == list(real), f"{where}: {sorted(set(ours) ^ set(real))}"


def test_schedule_shape_matches_the_real_scheduleleaguev2(league: SimulatedLeague):
    real = load_real("nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json")
    ours = league.schedule(dt.date(2025, 1, 15))
    same_keys(ours, real, "root")
    same_keys(ours["meta"], real["meta"], "meta")
    same_keys(ours["leagueSchedule"], real["leagueSchedule"], "leagueSchedule")
    day, real_day = ours["leagueSchedule"]["gameDates"][0], real["leagueSchedule"]["gameDates"][0]
    assert day["gameDate"] == real_day["gameDate"] == "01/15/2025 00:00:00"
    game, real_game = day["games"][0], real_day["games"][0]
    same_keys(game, real_game, "game")
    for key in ("homeTeam", "awayTeam", "broadcasters"):
        same_keys(game[key], real_game[key], key)
    same_keys(game["pointsLeaders"][0], real_game["pointsLeaders"][0], "pointsLeaders")
    for key in ("gameDateEst", "gameTimeEst", "gameDateTimeEst", "gameDateUTC", "gameTimeUTC", "gameDateTimeUTC"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", game[key]), key
    assert game["gameTimeEst"].startswith("1900-01-01T") and game["gameTimeUTC"].startswith("1900-01-01T")
    assert game["gameDateUTC"] == "2025-01-15T05:00:00Z"
    assert re.fullmatch(r"20250115/[A-Z]{3}[A-Z]{3}", game["gameCode"])
    assert game["gameCode"][-6:] == game["awayTeam"]["teamTricode"] + game["homeTeam"]["teamTricode"]


def test_boxscore_shape_matches_the_real_boxscoretraditionalv3(league: SimulatedLeague):
    real = load_real("nbacom_boxscoretraditionalv3_0022200552.json")
    ours = league.boxscore(season_games(2024)[3].nba_game_id)
    same_keys(ours, real, "root")
    box, real_box = ours["boxScoreTraditional"], real["boxScoreTraditional"]
    same_keys(box, real_box, "boxScoreTraditional")
    same_keys(box["homeTeam"], real_box["homeTeam"], "team")
    for key in ("statistics", "starters", "bench"):
        same_keys(box["homeTeam"][key], real_box["homeTeam"][key], key)
    real_player = real_box["homeTeam"]["players"][0]
    for player in box["homeTeam"]["players"]:
        same_keys(player, real_player, "player")
        same_keys(player["statistics"], real_player["statistics"], "player statistics")


def test_play_by_play_shape_matches_the_real_playbyplayv3(league: SimulatedLeague):
    real = load_real("nbacom_playbyplayv3_0022200552.json")
    ours = league.play_by_play(season_games(2024)[3].nba_game_id)
    same_keys(ours, real, "root")
    same_keys(ours["game"], real["game"], "game")
    real_action = real["game"]["actions"][0]
    for a in ours["game"]["actions"]:
        same_keys(a, real_action, a["actionType"])
        for key, value in a.items():
            assert type(value) is type(real_action[key]), key
    kinds = {a["actionType"] for a in ours["game"]["actions"]}
    assert {"period", "Made Shot", "Missed Shot", "Free Throw"} <= kinds


def test_historical_events_shape_and_window(league: SimulatedLeague):
    real = load_real("oddsapi_historical_events_2024-01-25T0355Z.json")
    day = dt.date(2024, 1, 24)
    last = max(sim.games_on(SEED, day), key=lambda g: g.tip_utc)
    snap = last.tip_utc + dt.timedelta(minutes=35, seconds=10)
    ours = league.odds_events(day, snap)
    same_keys(ours, real, "wrapper")
    for event in ours["data"]:
        same_keys(event, real["data"][0], "event")
        assert event["home_team"] in BY_FULL_NAME and event["away_team"] in BY_FULL_NAME
        assert re.fullmatch(r"[0-9a-f]{32}", event["id"])
    stamp = dt.datetime.fromisoformat(ours["timestamp"].replace("Z", "+00:00"))
    assert stamp - snap < dt.timedelta(minutes=1) and stamp >= snap.replace(microsecond=0)
    assert ours["previous_timestamp"] == iso_z(stamp - dt.timedelta(minutes=5))
    assert ours["next_timestamp"] == iso_z(stamp + dt.timedelta(minutes=5))
    listed = {e["id"] for e in ours["data"]}
    expected = {
        g.event_id
        for d in (day, day + dt.timedelta(days=1))
        for g in sim.games_on(SEED, d)
        if g.tip_utc > snap - dt.timedelta(hours=3)
    }
    assert listed == expected
    assert last.event_id in listed  # started 35 minutes ago, still listed (as real)
    assert any(g.event_id in listed for g in sim.games_on(SEED, day + dt.timedelta(days=1)))


def test_live_events_are_a_bare_list_of_the_dates_games(league: SimulatedLeague):
    day = dt.date(2025, 3, 9)
    live = league.odds_events(day, None)
    assert isinstance(live, list)
    assert [e["id"] for e in live] == [g.event_id for g in sim.games_on(SEED, day)]
    for e in live:
        commence = dt.datetime.fromisoformat(e["commence_time"].replace("Z", "+00:00"))
        assert commence.astimezone(sim.EASTERN).date() == day


def test_event_ids_are_stable_and_resolve_to_their_game(league: SimulatedLeague):
    g = season_games(2023)[42]
    event = league.event_for_game(g.nba_game_id)
    assert event["id"] == g.event_id == sim.event_id_for(SEED, g.nba_game_id)
    assert event["home_team"] == TEAMS[g.home].full_name
    assert event["commence_time"] == iso_z(g.tip_utc)


def test_historical_event_odds_shape_matches_the_real_wrapper(league: SimulatedLeague):
    real = load_real("oddsapi_historical_event_odds_spreads_totals_2024-01-25_cd0bc7d0.json")
    g = season_games(2023)[400]
    ours = league.event_odds(g.event_id, ["spreads", "totals"], snapshot_before(g, hours=1))
    same_keys(ours, real, "wrapper")
    same_keys(ours["data"], real["data"], "event")
    assert [b["key"] for b in ours["data"]["bookmakers"]] == ["draftkings", "fanduel", "betmgm", "williamhill_us"]
    assert [b["title"] for b in ours["data"]["bookmakers"]] == ["DraftKings", "FanDuel", "BetMGM", "Caesars"]
    for book in ours["data"]["bookmakers"]:
        same_keys(book, real["data"]["bookmakers"][0], "bookmaker")
        assert [m["key"] for m in book["markets"]] == ["spreads", "totals"]
        spreads, totals = book["markets"]
        same_keys(spreads, real["data"]["bookmakers"][0]["markets"][0], "market")
        names = [o["name"] for o in spreads["outcomes"]]
        assert names == [TEAMS[g.away].full_name, TEAMS[g.home].full_name]
        points = [o["point"] for o in spreads["outcomes"]]
        assert points[0] == -points[1] and points[0] % 1 == 0.5
        assert [o["name"] for o in totals["outcomes"]] == ["Over", "Under"]
        assert 200 <= totals["outcomes"][0]["point"] <= 260 and totals["outcomes"][0]["point"] % 1 == 0.5
        for o in spreads["outcomes"] + totals["outcomes"]:
            same_keys(o, real["data"]["bookmakers"][0]["markets"][0]["outcomes"][0], "outcome")
            assert 1.3 < o["price"] < 3.0


def test_live_event_odds_are_the_bare_event(league: SimulatedLeague):
    real = load_real("oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json")
    g = next(g for g in season_games(2023)[500:] if not sim.game_sim(SEED, g.season, g.seq).no_props_books)
    ours = league.event_odds(g.event_id, ["player_points"], None)
    assert list(ours)[:6] == list(real)[:6] and "bookmakers" in ours
    market = ours["bookmakers"][0]["markets"][0]
    same_keys(market, real["bookmakers"][0]["markets"][0], "market")
    same_keys(market["outcomes"][0], real["bookmakers"][0]["markets"][0]["outcomes"][0], "outcome")


def test_event_odds_after_tip_off_are_404_event_not_found(league: SimulatedLeague):
    g = season_games(2024)[100]
    league.event_odds(g.event_id, ["player_points"], g.tip_utc)  # at tip-off: still there
    for markets, feed in ((["player_points"], "odds_api_player_props"), (["spreads", "totals"], "odds_api_game_lines")):
        with pytest.raises(SourceUnavailable) as err:
            league.event_odds(g.event_id, markets, g.tip_utc + dt.timedelta(minutes=1))
        assert (err.value.feed, err.value.game_date, err.value.status) == (feed, str(g.game_date), 404)
        assert "EVENT_NOT_FOUND" in str(err.value)
    with pytest.raises(SourceUnavailable) as err:
        league.event_odds("0" * 32, ["player_points"], None)
    assert err.value.status == 404


# --------------------------------------------------------------------------------------------------
