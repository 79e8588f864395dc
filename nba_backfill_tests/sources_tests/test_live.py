"""The live source against a local server that replays the REAL recorded NBA.com and Odds API
responses (``fake_apis``): what each call sends, what it returns, how it fails, what it costs, and
that the API key never leaks. Nothing here touches the internet."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.errors import SourceUnavailable
from nba_backfill.phases import odds_scrape, phase1_scrapers
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.resources import local_storage
from nba_backfill.sources import live
from nba_backfill.sources.credits import POLICY_ENV, DateToBuy, OverBudget, check_budget, event_odds_cost
from nba_backfill.sources.live import LiveApis, live_source
from nba_backfill.sources.simulated import SimulatedLeague
from nba_backfill.storage.io_managers import encode
from nba_backfill_tests.conftest import free_port
from nba_backfill_tests.sources_tests import fake_apis
from nba_backfill_tests.sources_tests.fake_apis import REAL, FakeApis

KEY = "k3y-0dd5-4p1-f7e2"
UTC = dt.timezone.utc

BOX_GAME, BOX_DATE = "0022200552", "2023-01-02"  # CHI at CLE: the recorded v3 box score and play-by-play
SCHEDULE_DATE = dt.date(2025, 1, 15)  # the recorded schedule slice (0022400561 NYK at PHI among 11)
LINES_EVENT = "cd0bc7d0c238f4446ce1c03d0cea7ec4"  # ATL at GSW, 2024-01-24 ET
PROPS_EVENT = "242c77a8d5890e18bab91773ad32fcb5"  # MEM at NOP, 2025-03-09
LIVE_EVENT = "f54c4a22568ce9dc33fb410d1b0e75e9"  # ORL at CLE, live player_points
SNAPSHOT = dt.datetime(2024, 1, 24, 23, 15, tzinfo=UTC)


def recorded(name: str) -> bytes:
    return (REAL / name).read_bytes()


@pytest.fixture
def fake() -> Iterator[FakeApis]:
    with FakeApis() as server:
        yield server


@pytest.fixture
def apis(fake: FakeApis) -> LiveApis:
    return LiveApis(
        odds_api_key=KEY, nba_stats_base_url=fake.nba_base, odds_api_base_url=fake.odds_base,
        backoff_seconds=0.01, timeout_seconds=2.0,
    )  # fmt: skip


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's backoff sleeps, recorded instead of slept."""
    slept: list[float] = []
    # Only the client's clock: the fake server sleeps for real to answer slowly.
    monkeypatch.setattr(live, "time", SimpleNamespace(sleep=slept.append))
    return slept


# --------------------------------------------------------------------------------------------------
# NBA.com: what is sent and returned
# --------------------------------------------------------------------------------------------------


def test_schedule_is_the_season_reduced_to_the_requested_date(apis: LiveApis, fake: FakeApis) -> None:
    payload = apis.schedule(SCHEDULE_DATE)
    (day,) = payload["leagueSchedule"]["gameDates"]
    assert day["gameDate"] == "01/15/2025 00:00:00"
    assert "0022400561" in [g["gameId"] for g in day["games"]] and len(day["games"]) == 11
    whole = json.loads(recorded("nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json"))
    assert payload["meta"] == whole["meta"]
    assert payload["leagueSchedule"]["weeks"] == whole["leagueSchedule"]["weeks"]
    (seen,) = fake.requests
    assert seen.path == "/stats/scheduleleaguev2"
    assert seen.query == {"LeagueID": "00", "Season": "2024-25"}
    assert seen.headers["Referer"] == "https://www.nba.com/" and "Mozilla/5.0" in seen.headers["User-Agent"]


def test_schedule_fetches_each_season_once_and_a_day_off_has_no_game_dates(apis: LiveApis, fake: FakeApis) -> None:
    apis.schedule(SCHEDULE_DATE)
    assert apis.schedule(SCHEDULE_DATE + dt.timedelta(days=1))["leagueSchedule"]["gameDates"] == []
    preseason = apis.schedule(dt.date(2025, 10, 2))["leagueSchedule"]["gameDates"]
    assert [d["gameDate"][:10] for d in preseason] == ["10/02/2025"]
    assert [s.query["Season"] for s in fake.requests] == ["2024-25", "2025-26"]


@pytest.mark.parametrize(
    ("method", "endpoint", "fixture", "range_params"),
    [
        ("boxscore", "boxscoretraditionalv3", "nbacom_boxscoretraditionalv3_0022200552.json",
         {"StartPeriod": "0", "EndPeriod": "0", "StartRange": "0", "EndRange": "0", "RangeType": "0"}),
        ("play_by_play", "playbyplayv3", "nbacom_playbyplayv3_0022200552.json", {"StartPeriod": "0", "EndPeriod": "0"}),
    ],
)  # fmt: skip
def test_game_feeds_return_the_recorded_bytes(apis, fake, method, endpoint, fixture, range_params) -> None:
    assert getattr(apis, method)(BOX_GAME) == recorded(fixture)
    (seen,) = fake.requests
    assert seen.path == f"/stats/{endpoint}"
    assert seen.query == {"GameID": BOX_GAME, **range_params}


# --------------------------------------------------------------------------------------------------
# The Odds API: what is sent and returned
# --------------------------------------------------------------------------------------------------


def test_historical_events_ask_for_the_snapshot_in_iso_z(apis: LiveApis, fake: FakeApis) -> None:
    naive_utc = dt.datetime(2024, 1, 24, 15, 0)  # a naive snapshot is UTC
    body = apis.odds_events(dt.date(2024, 1, 24), naive_utc)
    assert body == recorded("oddsapi_historical_events_2024-01-25T0355Z.json")
    (seen,) = fake.requests
    assert seen.path == "/v4/historical/sports/basketball_nba/events"
    assert seen.query == {"apiKey": KEY, "date": "2024-01-24T15:00:00Z"}


def test_live_events_are_the_bare_list(apis: LiveApis, fake: FakeApis) -> None:
    events = json.loads(apis.odds_events(dt.date(2024, 4, 10), None))
    assert isinstance(events, list) and len(events) == 9
    (seen,) = fake.requests
    assert seen.path == "/v4/sports/basketball_nba/events" and seen.query == {"apiKey": KEY}


def test_historical_event_odds_send_markets_regions_and_formats(apis: LiveApis, fake: FakeApis) -> None:
    eastern_evening = dt.datetime(2024, 1, 24, 18, 15, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    body = apis.event_odds(LINES_EVENT, ["spreads", "totals"], eastern_evening)
    assert body == recorded("oddsapi_historical_event_odds_spreads_totals_2024-01-25_cd0bc7d0.json")
    (seen,) = fake.requests
    assert seen.path == f"/v4/historical/sports/basketball_nba/events/{LINES_EVENT}/odds"
    assert seen.query == {
        "apiKey": KEY, "date": "2024-01-24T23:15:00Z", "regions": "us", "markets": "spreads,totals",
        "oddsFormat": "decimal", "dateFormat": "iso",
    }  # fmt: skip


def test_live_event_odds_use_the_current_endpoint(apis: LiveApis, fake: FakeApis) -> None:
    body = apis.event_odds(LIVE_EVENT, ["player_points"], None)
    assert body == recorded("oddsapi_event_odds_player_points_live_2024-02-22_f54c4a22.json")
    (seen,) = fake.requests
    assert seen.path == f"/v4/sports/basketball_nba/events/{LIVE_EVENT}/odds"
    assert seen.query == {
        "apiKey": KEY, "regions": "us", "markets": "player_points", "oddsFormat": "decimal", "dateFormat": "iso",
    }  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Failures
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "feed", "game_date", "says"),
    [
        (lambda a: a.event_odds("0" * 32, ["player_points"], SNAPSHOT), "odds_api_player_props", "2024-01-24",
         "EVENT_NOT_FOUND"),
        (lambda a: a.event_odds("0" * 32, ["spreads", "totals"], SNAPSHOT), "odds_api_game_lines", "2024-01-24",
         "EVENT_NOT_FOUND"),
        (lambda a: a.boxscore("0022400561"), "nbac_boxscores", "None", "GameID=0022400561"),  # date unknown
    ],
    ids=["props", "lines", "boxscore"],
)  # fmt: skip
def test_404_is_source_unavailable_naming_feed_and_date(apis, call, feed, game_date, says) -> None:
    with pytest.raises(SourceUnavailable, match=says) as caught:
        call(apis)
    assert (caught.value.status, caught.value.feed, caught.value.game_date) == (404, feed, game_date)


def test_a_game_seen_in_a_fetched_schedule_is_named_by_its_date(apis: LiveApis) -> None:
    apis.schedule(SCHEDULE_DATE)
    with pytest.raises(SourceUnavailable) as caught:
        apis.play_by_play("0022400561")  # not recorded: 404
    assert caught.value.game_date == "2025-01-15" and caught.value.feed == "nbac_play_by_play"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda a: a.odds_events(dt.date(2024, 1, 24), SNAPSHOT),
         {"timestamp": "2024-01-24T23:15:00Z", "previous_timestamp": None, "next_timestamp": None, "data": []}),
        (lambda a: a.odds_events(dt.date(2024, 1, 24), None), []),
        (lambda a: a.event_odds(LINES_EVENT, ["spreads", "totals"], SNAPSHOT),
         {"timestamp": "2024-01-24T23:15:00Z", "previous_timestamp": None, "next_timestamp": None,
          "data": {"id": LINES_EVENT, "sport_key": "basketball_nba", "bookmakers": []}}),
        (lambda a: a.event_odds(LINES_EVENT, ["player_points"], None),
         {"id": LINES_EVENT, "sport_key": "basketball_nba", "bookmakers": []}),
    ],
    ids=["historical-events", "live-events", "historical-odds", "live-odds"],
)  # fmt: skip
def test_odds_api_204_is_an_empty_payload_of_the_usual_shape(apis, fake, call, expected) -> None:
    fake.queue(fake_apis.NO_CONTENT)
    assert call(apis) == expected


def test_nba_204_is_an_outage_because_nba_feeds_are_required(apis: LiveApis, fake: FakeApis) -> None:
    fake.queue(fake_apis.NO_CONTENT)
    with pytest.raises(SourceUnavailable, match="empty body") as caught:
        apis.boxscore(BOX_GAME)
    assert caught.value.status == 204


def test_429_backs_off_then_succeeds(apis: LiveApis, fake: FakeApis, waits: list[float]) -> None:
    fake.queue(fake_apis.RATE_LIMITED, fake_apis.RATE_LIMITED)
    assert apis.boxscore(BOX_GAME) == recorded("nbacom_boxscoretraditionalv3_0022200552.json")
    assert len(fake.requests) == 3 and waits == [0.0, 0.0]  # Retry-After: 0 respected


def test_429_without_retry_after_backs_off_exponentially_then_gives_up(fake: FakeApis, waits: list[float]) -> None:
    apis = LiveApis(odds_api_key=KEY, odds_api_base_url=fake.odds_base, backoff_seconds=1.0, max_backoff_seconds=3.0)
    no_hint = fake_apis.Answer(429, b'{"message":"slow down","error_code":"EXCEEDED_FREQ_LIMIT"}')
    fake.queue(*[no_hint] * 4)
    with pytest.raises(SourceUnavailable) as caught:
        apis.odds_events(dt.date(2024, 1, 24), SNAPSHOT)
    assert caught.value.status == 429 and "EXCEEDED_FREQ_LIMIT" in str(caught.value)
    assert waits == [1.0, 2.0, 3.0] and len(fake.requests) == 4  # 1, 2, then 4 capped at 3


def test_a_long_retry_after_is_capped(apis: LiveApis, fake: FakeApis, waits: list[float]) -> None:
    fake.queue(fake_apis.Answer(429, b"{}", headers=(("Retry-After", "3600"),)))
    apis.remaining_credits()
    assert waits == [apis.max_backoff_seconds]


def test_a_server_error_is_retried_once_in_the_client(apis: LiveApis, fake: FakeApis, waits: list[float]) -> None:
    fake.queue(fake_apis.SERVER_ERROR)
    assert apis.play_by_play(BOX_GAME) == recorded("nbacom_playbyplayv3_0022200552.json")
    assert len(fake.requests) == 2


def test_503_twice_is_source_unavailable_503(apis: LiveApis, fake: FakeApis, waits: list[float]) -> None:
    fake.queue(fake_apis.UNAVAILABLE, fake_apis.UNAVAILABLE)
    with pytest.raises(SourceUnavailable) as caught:
        apis.schedule(SCHEDULE_DATE)
    assert (caught.value.status, caught.value.feed, caught.value.game_date) == (503, "nbac_schedule", "2025-01-15")
    assert "text/plain" in str(caught.value) and len(fake.requests) == 2


@pytest.mark.parametrize(
    "call",
    [lambda a: a.boxscore(BOX_GAME), lambda a: a.event_odds(LINES_EVENT, ["spreads", "totals"], SNAPSHOT)],
    ids=["nba", "odds"],
)
def test_an_html_page_is_refused_with_a_clear_error_and_not_kept(apis, fake, call) -> None:
    fake.queue(fake_apis.BLOCK_PAGE)
    with pytest.raises(SourceUnavailable, match="expected JSON, got text/html") as caught:
        call(apis)
    assert caught.value.status == 200
    assert "Access Denied" not in str(caught.value) and "akamai" not in str(caught.value)


def test_a_timeout_is_source_unavailable_504(fake: FakeApis, waits: list[float]) -> None:
    apis = LiveApis(odds_api_key=KEY, nba_stats_base_url=fake.nba_base, timeout_seconds=0.2)
    fake.queue(fake_apis.slow(1.0), fake_apis.slow(1.0))
    with pytest.raises(SourceUnavailable, match="timeout") as caught:
        apis.boxscore(BOX_GAME)
    assert caught.value.status == 504 and len(fake.requests) == 2


# --------------------------------------------------------------------------------------------------
# Quota and budget
# --------------------------------------------------------------------------------------------------


def test_quota_headers_are_read_from_every_odds_api_answer(apis: LiveApis, fake: FakeApis) -> None:
    assert apis.quota() == {"remaining": None, "used": None, "last_cost": None, "calls": 0}
    apis.odds_events(dt.date(2024, 1, 24), SNAPSHOT)
    apis.event_odds(LINES_EVENT, ["spreads", "totals"], SNAPSHOT)
    assert apis.quota() == {"remaining": 20_000 - 21, "used": 21, "last_cost": 20, "calls": 2}
    assert apis.remaining_credits() == 20_000 - 21
    assert apis.quota()["last_cost"] == 0 and apis.quota()["calls"] == 3
    assert fake.requests[-1].path == "/v4/sports"
    apis.schedule(SCHEDULE_DATE)
    assert apis.quota()["calls"] == 3  # NBA.com calls are not Odds API calls


def test_the_cost_rules() -> None:
    assert event_odds_cost(1, historical=True) == 10
    assert event_odds_cost(2, historical=True, regions=2) == 40
    assert event_odds_cost(2, historical=False) == 2
    assert event_odds_cost(0, historical=True) == 0  # an empty answer is free


def test_a_dates_bill_under_each_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POLICY_ENV, raising=False)
    day = dt.date(2024, 11, 5)
    games = {"odds_api_player_props": 8, "odds_api_game_lines": 8}
    assert DateToBuy(day, True, 8, True, games).credits() == 1 + 8 * 10  # closing: props, one snapshot
    assert DateToBuy(day, True, 8, False, games).credits() == 8 * 10  # the listing is held already
    assert DateToBuy(day, True, 0, True, {}).credits() == 0  # no games, nothing bought
    assert DateToBuy(day, False, 8, True, games).credits() == 8 * 1 + 8 * 2  # live: free listing, cheap odds
    monkeypatch.setenv(POLICY_ENV, "full")
    assert DateToBuy(day, True, 8, True, games).credits() == 1 + 8 * 3 * (10 + 20)
    monkeypatch.setenv(POLICY_ENV, "weekly")
    with pytest.raises(ValueError, match="NBA_ODDS_POLICY='weekly' is not a snapshot policy"):
        DateToBuy(day, True, 8, True, games).credits()


def test_check_budget() -> None:
    check_budget(300, 500, allow_over_budget=False)
    check_budget(900, 500, allow_over_budget=True)
    with pytest.raises(
        OverBudget, match=r"needs 900 Odds API credits, 500 remain; pass --allow-over-budget to proceed"
    ):
        check_budget(900, 500, allow_over_budget=False)
    with pytest.raises(OverBudget, match="unknown"):
        check_budget(10, None, allow_over_budget=False)


# --------------------------------------------------------------------------------------------------
# The key never leaks
# --------------------------------------------------------------------------------------------------


def test_the_api_key_never_appears_in_errors_quota_repr_or_logs(
    apis: LiveApis, fake: FakeApis, caplog: pytest.LogCaptureFixture, waits: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request line, query string included, at DEBUG
    echoing = fake_apis.Answer(401, json.dumps({"message": f"API key {KEY} is not valid"}).encode())
    scripts = [
        [fake_apis.NOT_FOUND], [fake_apis.RATE_LIMITED] * 4, [fake_apis.SERVER_ERROR] * 2,
        [fake_apis.BLOCK_PAGE], [echoing], [fake_apis.slow(1.0)] * 2,
    ]  # fmt: skip
    errors = []
    impatient = apis.model_copy(update={"timeout_seconds": 0.2})
    for script in scripts:
        fake.queue(*script)
        with pytest.raises(SourceUnavailable) as caught:
            impatient.event_odds(LINES_EVENT, ["spreads", "totals"], SNAPSHOT)
        errors.append(caught.value)
    unreachable = LiveApis(odds_api_key=KEY, odds_api_base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SourceUnavailable) as caught:
        unreachable.odds_events(dt.date(2024, 1, 24), SNAPSHOT)
    errors.append(caught.value)

    assert {e.status for e in errors} == {404, 429, 500, 200, 401, 504, 0}
    assert all(s.query["apiKey"] == KEY for s in fake.requests)  # it was sent
    assert all("apiKey=REDACTED" in str(e) for e in errors)
    for text in [*map(str, errors), *map(repr, errors), str(apis.quota()), repr(apis), caplog.text]:
        assert KEY not in text
    assert "apiKey=REDACTED" in caplog.text  # urllib3's request lines were logged, scrubbed


# --------------------------------------------------------------------------------------------------
# End to end: live_source() on the fake server, the Phase 1 calls, the Phase 2 parsers
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def live_env(fake: FakeApis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_API_KEY", KEY)
    monkeypatch.setenv("NBA_STATS_BASE_URL", fake.nba_base)
    monkeypatch.setenv("ODDS_API_BASE_URL", fake.odds_base)
    today = dt.date(2025, 7, 1)  # every recorded date is in the past: the historical endpoints
    monkeypatch.setattr(odds_scrape, "is_historical", lambda day: day < today)
    monkeypatch.setenv(POLICY_ENV, "full")  # opening, midday and closing lines of props, spreads and totals


def test_live_source_reads_base_urls_and_the_key_from_the_environment(live_env: None, fake: FakeApis) -> None:
    league = live_source()["league"]
    assert isinstance(league, LiveApis)
    assert (league.nba_stats_base_url, league.odds_api_base_url) == (fake.nba_base, fake.odds_base)
    with dg.build_resources(live_source()) as resources:
        assert resources.league.odds_api_key == KEY


def test_nba_payloads_land_where_the_scrapers_put_them_and_parse(live_env: None) -> None:
    stamp = phase1_scrapers.capture_stamp()
    with dg.build_resources(live_source()) as resources:
        league = resources.league
        schedule = {f"nba-com/schedule/{SCHEDULE_DATE}/{stamp}.json": _decoded(league.schedule(SCHEDULE_DATE))}
        box = {f"nba-com/boxscores/{BOX_DATE}/{BOX_GAME}/{stamp}.json": _decoded(league.boxscore(BOX_GAME))}
        pbp = {f"nba-com/play-by-play/{BOX_DATE}/game-{BOX_GAME}/{stamp}.json": _decoded(league.play_by_play(BOX_GAME))}

    games = parsers.parse_schedule(schedule)
    assert len(games) == 11 and "0022400561" in phase1_scrapers.final_games(schedule, SCHEDULE_DATE)
    players, teams = parsers.parse_boxscore_players(box), parsers.parse_boxscore_teams(box)
    assert set(teams["team_abbr"]) == {"CHI", "CLE"} and teams["points"].sum() == players["points"].sum() == 279
    shots = parsers.parse_play_by_play(pbp)
    assert len(shots) > 150 and set(shots["team_abbr"]) == {"CHI", "CLE"}


def _decoded(payload: bytes | dict | list) -> dict | list:
    """What the raw store hands Phase 2: the stored bytes, decoded."""
    return json.loads(encode(payload))


ODDS_ASSETS = dg.AssetSelection.assets(
    *(dg.AssetKey(["scraped", name]) for name in ("odds_api_events", "odds_api_player_props", "odds_api_game_lines"))
)


def with_a_schedule(storage: dict, day: str) -> dict:
    """``storage`` whose raw store holds a schedule with games on ``day`` (the odds scrapers buy
    nothing for a date without games; the recordings hold no schedule of the odds dates)."""
    date = dt.date.fromisoformat(day)
    storage["raw_store"].write(f"nba-com/schedule/{day}/20000101_000000.json", encode(SimulatedLeague().schedule(date)))
    return storage


@pytest.mark.parametrize(
    ("day", "folder", "parse", "event"),
    [
        ("2024-01-24", "odds-api/game-lines-history/", parsers.parse_game_lines, LINES_EVENT),
        ("2025-03-09", "odds-api/player-props-history/", parsers.parse_player_props, PROPS_EVENT),
    ],
    ids=["game-lines", "player-props"],
)
def test_odds_scrapers_run_in_dagster_on_the_live_source_and_their_files_parse(
    home: Path, live_env: None, fake: FakeApis, day: str, folder: str, parse, event: str
) -> None:
    storage = with_a_schedule(local_storage(), day)
    result = materialize_range(day, day, selection=ODDS_ASSETS, resources=storage | live_source(), with_checks=False)
    assert result.success
    (props,) = result.asset_materializations_for_node("scraped__odds_api_player_props")  # the account, after the scrape
    used, remaining = (
        props.metadata["odds_api_requests_used"].value,
        props.metadata["odds_api_requests_remaining"].value,
    )
    assert used > 0 and remaining == 20_000 - used

    store = storage["raw_store"]
    odds_files = store.list(folder)
    assert len(odds_files) == 3 and all(event in p for p in odds_files)  # opening, midday, closing
    rows = parse({p: json.loads(store.read(p)) for p in odds_files})
    assert set(rows["odds_api_event_id"]) == {event} and set(rows["game_date"].dt.date.astype(str)) == {day}
    # The date's other events were asked for too; unrecorded, they got a 404 and left no file.
    asked = {s.path.split("/")[-2] for s in fake.requests if s.path.endswith("/odds")}
    assert event in asked and len(asked) > 1
    stored = [store.read(p).decode() for p in store.list("odds-api/")]
    for text in [*stored, *(str(e) for e in result.all_events)]:
        assert KEY not in text
