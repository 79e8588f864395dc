"""The simulated league's player-points lines, its faults on purpose (outages, corrupt payloads) and
its Dagster resource."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re

import dagster as dg
import pytest

from nba_backfill import calendar
from nba_backfill.errors import SourceUnavailable
from nba_backfill.resources import simulated_source
from nba_backfill.sources import simulated as sim
from nba_backfill.sources.faults import FEEDS, FaultPlan, parse_fault_spec
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill_tests.sources_tests.conftest import SEED, games_of, season_games, snapshot_before

pytestmark = pytest.mark.usefixtures("summer_2025")
UTC = dt.timezone.utc


# Player points props
# --------------------------------------------------------------------------------------------------


def props_of(payload: dict) -> dict[str, dict[str, tuple[float, float, float]]]:
    """book -> player -> (line, over price, under price)."""
    event = payload.get("data", payload)
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for book in event["bookmakers"]:
        for market in book["markets"]:
            if market["key"] != "player_points":
                continue
            rows = out.setdefault(book["key"], {})
            outcomes = market["outcomes"]
            for over, under in zip(outcomes[::2], outcomes[1::2]):
                assert (over["name"], under["name"]) == ("Over", "Under")
                assert over["description"] == under["description"] and over["point"] == under["point"]
                rows[over["description"]] = (over["point"], over["price"], under["price"])
    return out


def test_player_points_props_are_half_point_lines_on_box_score_names(league: SimulatedLeague):
    under_five = 0
    for g in season_games(2023)[200:260]:
        payload = league.event_odds(g.event_id, ["player_points"], snapshot_before(g, minutes=10))
        box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]
        names = {
            f"{p['firstName']} {p['familyName']}": (side, p)
            for side in ("homeTeam", "awayTeam")
            for p in box[side]["players"]
        }
        for rows in props_of(payload).values():
            per_team = collections.Counter(names[name][0] for name in rows)
            assert all(8 <= n <= 10 for n in per_team.values()), per_team
            for name, (line, over, under) in rows.items():
                assert name in names
                assert line % 1 == 0.5 and line > 0
                assert over > 1.0 and under > 1.0 and 1 / over + 1 / under > 1.0  # the book's margin
                under_five += line < 5
    assert under_five > 0


def test_lines_track_what_players_score():
    diffs = []
    league = SimulatedLeague(seed=SEED)
    for g in season_games(2024)[:150]:
        rows = props_of(league.event_odds(g.event_id, ["player_points"], snapshot_before(g, minutes=10))).get(
            "draftkings", {}
        )
        box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]
        points = {
            f"{p['firstName']} {p['familyName']}": p["statistics"]["points"]
            for s in ("homeTeam", "awayTeam")
            for p in box[s]["players"]
            if p["statistics"]["minutes"]
        }
        diffs += [points[name] - line for name, (line, _, _) in rows.items() if name in points]
    assert abs(sum(diffs) / len(diffs)) < 1.0
    over_rate = sum(d > 0 for d in diffs) / len(diffs)
    assert 0.4 <= over_rate <= 0.6


def test_lines_move_between_the_opening_and_closing_snapshots(league: SimulatedLeague):
    moved = total = 0
    for g in season_games(2024)[300:340]:
        early = props_of(league.event_odds(g.event_id, ["player_points"], snapshot_before(g, hours=12)))
        late = props_of(league.event_odds(g.event_id, ["player_points"], snapshot_before(g, minutes=10)))
        for book, rows in late.items():
            for name, (line, _, _) in rows.items():
                total += 1
                delta = abs(line - early[book][name][0])
                assert delta in (0.0, 1.0)
                moved += delta > 0
    assert 0.05 <= moved / total <= 0.6


def test_late_scratches_and_missing_prop_markets_are_rare_but_happen(league: SimulatedLeague):
    games = season_games(2023)
    sims = [sim.game_sim(SEED, g.season, g.seq) for g in games]
    scratched = [s for s in sims if s.scratched is not None]
    assert 0.005 <= len(scratched) / len(games) <= 0.045
    missing = [s for s in sims if s.no_props_books]
    assert 0.02 <= len(missing) / len(games) <= 0.1
    # A late scratch: a posted prop, a DNP in the box score.
    s = scratched[0]
    g = s.game
    side, slot = s.scratched
    player = s.sides[side].players[slot]
    payload = league.event_odds(g.event_id, ["player_points"], snapshot_before(g, hours=1))
    assert any(player.full_name in rows for rows in props_of(payload).values())
    box = league.boxscore(g.nba_game_id)["boxScoreTraditional"]["homeTeam" if side == 0 else "awayTeam"]
    entry = next(p for p in box["players"] if p["personId"] == player.person_id)
    assert entry["statistics"]["minutes"] == "" and entry["comment"] == "DNP - Injury/Illness"
    # A game without props at some books still has its game lines there.
    m = missing[0]
    payload = league.event_odds(m.game.event_id, ["player_points", "spreads"], snapshot_before(m.game, hours=1))
    books = {b["key"]: [mk["key"] for mk in b["markets"]] for b in payload["data"]["bookmakers"]}
    absent = [sim.BOOKMAKERS[i][0] for i in m.no_props_books]
    assert all(books[b] == ["spreads"] for b in absent)


def test_markets_not_offered_are_omitted(league: SimulatedLeague):
    g = season_games(2024)[600]
    payload = league.event_odds(g.event_id, ["alternate_player_points"], snapshot_before(g, hours=1))
    assert payload["data"]["bookmakers"] == []
    two_days_early = league.event_odds(g.event_id, ["player_points", "totals"], snapshot_before(g, days=2))
    assert {m["key"] for b in two_days_early["data"]["bookmakers"] for m in b["markets"]} == {"totals"}


# --------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------


def test_fault_specs_parse_groups_ranges_and_lists():
    plan = parse_fault_spec(" nbac:2024-11-08..2024-11-10 ; odds_api_events:2024-01-21,2024-01-23;")
    assert set(plan) == {"nbac_schedule", "nbac_boxscores", "nbac_play_by_play", "odds_api_events"}
    assert plan["nbac_boxscores"] == frozenset(calendar.date_range("2024-11-08", "2024-11-10"))
    assert plan["odds_api_events"] == {dt.date(2024, 1, 21), dt.date(2024, 1, 23)}
    assert parse_fault_spec("") == parse_fault_spec(None) == parse_fault_spec("  ") == {}
    group = parse_fault_spec("odds_api:2024-01-21")
    assert set(group) == {"odds_api_events", "odds_api_player_props", "odds_api_game_lines"}
    fp = FaultPlan.from_spec("nbac_schedule:2024-11-08")
    assert fp.fails("nbac_schedule", dt.date(2024, 11, 8)) and fp.fails("nbac_schedule", "2024-11-08")
    assert not fp.fails("nbac_boxscores", dt.date(2024, 11, 8)) and not fp.fails("nbac_schedule", dt.date(2024, 11, 9))
    assert set(FEEDS) == {
        "nbac_schedule",
        "nbac_boxscores",
        "nbac_play_by_play",
        "odds_api_events",
        "odds_api_player_props",
        "odds_api_game_lines",
    }


@pytest.mark.parametrize(
    "spec, named",
    [
        ("nbacom:2024-11-08", "nbacom"),
        ("nbac:2024-13-01", "2024-13-01"),
        ("nbac:2024-11-10..2024-11-08", "2024-11-10..2024-11-08"),
        ("odds_api 2024-01-21", "odds_api 2024-01-21"),
        ("nbac:2024-11-08;odds_api:yesterday", "yesterday"),
        ("nbac:", "nbac:"),
        ("nbac:24-11-08", "24-11-08"),
    ],
)
def test_bad_fault_specs_are_value_errors_naming_the_entry(spec: str, named: str):
    with pytest.raises(ValueError, match=re.escape(named)):
        parse_fault_spec(spec)


def test_an_outage_raises_503_for_the_named_feeds_and_dates_only():
    day = dt.date(2024, 11, 9)
    league = SimulatedLeague(
        seed=SEED, outages="nbac:2024-11-08..2024-11-10;odds_api_player_props:2024-11-09", corrupt=""
    )
    g = sim.games_on(SEED, day)[0]
    other = sim.games_on(SEED, dt.date(2024, 11, 11))[0]
    checks = [
        ("nbac_schedule", lambda: league.schedule(day)),
        ("nbac_boxscores", lambda: league.boxscore(g.nba_game_id)),
        ("nbac_play_by_play", lambda: league.play_by_play(g.nba_game_id)),
        (
            "odds_api_player_props",
            lambda: league.event_odds(g.event_id, ["player_points"], snapshot_before(g, hours=1)),
        ),
    ]
    for feed, call in checks:
        with pytest.raises(SourceUnavailable) as err:
            call()
        assert (err.value.feed, err.value.game_date, err.value.status) == (feed, "2024-11-09", 503)
    # Other feeds that day, and the same feeds another day, still answer.
    league.odds_events(day, dt.datetime(2024, 11, 9, 15, tzinfo=UTC))
    league.event_odds(g.event_id, ["spreads", "totals"], snapshot_before(g, hours=1))
    league.schedule(dt.date(2024, 11, 11))
    league.boxscore(other.nba_game_id)


def test_faults_are_values_of_the_league_and_the_environment_is_not_read(monkeypatch: pytest.MonkeyPatch):
    day = dt.date(2024, 1, 21)
    monkeypatch.setenv("NBA_SIM_OUTAGES", "odds_api:2024-01-21")  # the command line's front only
    assert SimulatedLeague(seed=SEED).odds_events(day, None)
    with pytest.raises(SourceUnavailable) as err:
        SimulatedLeague(seed=SEED, outages="odds_api:2024-01-21").odds_events(day, None)
    assert err.value.status == 503
    with pytest.raises(ValueError, match="nope"):
        SimulatedLeague(seed=SEED, outages="nope:2024-01-21").odds_events(day, None)


def test_the_command_line_front_passes_the_environment_to_the_league(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NBA_SIM_SEED", "7")
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-01-21")
    monkeypatch.setenv("NBA_SIM_CORRUPT", "odds_api:2024-01-22")
    league = simulated_source()["league"]
    assert (league.seed, league.outages, league.corrupt) == (7, "nbac:2024-01-21", "odds_api:2024-01-22")
    monkeypatch.delenv("NBA_SIM_OUTAGES")
    assert simulated_source()["league"].outages == ""


def test_corrupt_feeds_return_valid_json_with_the_wrong_structure():
    day = dt.date(2024, 11, 15)
    league = SimulatedLeague(seed=SEED, outages="", corrupt="nbac:2024-11-15;odds_api:2024-11-15")
    g = sim.games_on(SEED, day)[0]
    snap = snapshot_before(g, hours=1)
    schedule = league.schedule(day)
    assert (
        all("games" not in d for d in schedule["leagueSchedule"]["gameDates"])
        and schedule["leagueSchedule"]["gameDates"]
    )
    box = league.boxscore(g.nba_game_id)
    assert (
        "players" not in box["boxScoreTraditional"]["homeTeam"] and "players" in box["boxScoreTraditional"]["awayTeam"]
    )
    assert "actions" not in league.play_by_play(g.nba_game_id)["game"]
    assert league.odds_events(day, snap)["data"] is None
    assert not isinstance(league.odds_events(day, None), list)
    assert league.event_odds(g.event_id, ["player_points"], snap)["data"] is None
    assert league.event_odds(g.event_id, ["spreads"], None)["bookmakers"] is None
    for payload in (schedule, box):
        json.loads(json.dumps(payload))
    assert league.boxscore(g.nba_game_id) == box  # deterministic
    clean = SimulatedLeague(seed=SEED, outages="", corrupt="")
    assert "players" in clean.boxscore(g.nba_game_id)["boxScoreTraditional"]["homeTeam"]


# --------------------------------------------------------------------------------------------------
# The Dagster resource
# --------------------------------------------------------------------------------------------------


def test_the_resource_has_only_its_four_config_fields_and_serves_an_asset():
    assert set(SimulatedLeague.model_fields) == {"seed", "outages", "corrupt", "unpublished"}
    assert SimulatedLeague().seed == SEED

    @dg.asset
    def opening_night(league: SimulatedLeague) -> int:
        return len(games_of(league.schedule(dt.date(2024, 10, 22))))

    result = dg.materialize([opening_night], resources={"league": SimulatedLeague(seed=SEED, outages="", corrupt="")})
    assert result.success and result.output_for_node("opening_night") >= 1
