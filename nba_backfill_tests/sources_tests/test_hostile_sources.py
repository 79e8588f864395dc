"""Hostile answers from a local stand-in for The Odds API: an event id shaped to climb out of the
raw folder and rewrite the keyed request's path, and a redirect to another host. Nothing escapes
the raw root, no request is sent with a rewritten path, and the key stays with the API's host."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from nba_backfill import ids
from nba_backfill.backfill.execute import materialize_range
from nba_backfill.errors import SourceUnavailable
from nba_backfill.phases import odds_scrape
from nba_backfill.resources import local_storage
from nba_backfill.sources.credits import POLICY_ENV
from nba_backfill.sources.live import LiveApis, live_source
from nba_backfill.storage.raw_store import LocalRawStore
from nba_backfill_tests.sources_tests.fake_apis import Answer, FakeApis
from nba_backfill_tests.sources_tests.test_live import KEY, LINES_EVENT, ODDS_ASSETS, with_a_schedule

HOSTILE_ID = "../../../../escaped"
DAY = "2024-01-24"


def _events_with(hostile_id: str) -> bytes:
    """The historical events answer of DAY: the real ATL at GSW event and a forged one."""
    event = {"sport_key": "basketball_nba", "sport_title": "NBA", "commence_time": "2024-01-25T00:30:00Z"}
    return json.dumps({
        "timestamp": "2024-01-24T15:00:00Z", "previous_timestamp": None, "next_timestamp": None,
        "data": [
            {**event, "id": LINES_EVENT, "home_team": "Golden State Warriors", "away_team": "Atlanta Hawks",
             "commence_time": "2024-01-25T03:00:00Z"},
            {**event, "id": hostile_id, "home_team": "Miami Heat", "away_team": "Boston Celtics"},
        ],
    }).encode()  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeApis]:
    with FakeApis() as server:
        yield server


@pytest.fixture
def hostile_env(home: Path, fake: FakeApis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_API_KEY", KEY)
    monkeypatch.setenv("NBA_STATS_BASE_URL", fake.nba_base)
    monkeypatch.setenv("ODDS_API_BASE_URL", fake.odds_base)
    monkeypatch.setattr(odds_scrape, "is_historical", lambda day: day < dt.date(2025, 7, 1))
    monkeypatch.setenv(POLICY_ENV, "full")  # both odds scrapers buy


def test_an_event_id_that_climbs_out_is_refused_and_nothing_lands_outside_the_raw_root(
    hostile_env: None, fake: FakeApis, home: Path, tmp_path: Path
) -> None:
    # The first call asks for the date's events; every odds call after it, whatever its path, is
    # answered with odds (as a hostile server would), so a rewritten path would produce files.
    odds = json.dumps({"timestamp": "2024-01-24T20:00:00Z", "data": {"id": HOSTILE_ID, "bookmakers": []}}).encode()
    fake.queue(Answer(body=_events_with(HOSTILE_ID)), *[Answer(body=odds)] * 12)
    storage = with_a_schedule(local_storage(), DAY)
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_range(
            DAY, DAY, selection=ODDS_ASSETS, resources=storage | live_source(), instance=instance, with_checks=False
        )
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
    assert result.success  # the forged event is refused, the real one's odds are kept

    assert not [p for p in tmp_path.rglob("*") if "escaped" in p.as_posix()]
    raw_root = Path(storage["raw_store"].where())
    odds = storage["raw_store"].list("odds-api/")
    assert odds and all((raw_root / p).resolve().is_relative_to(raw_root) for p in odds)
    assert all(LINES_EVENT in p for p in odds if "/events" not in p)

    odds_requests = [s.path for s in fake.requests if s.path.endswith("/odds")]
    assert odds_requests and all(ids.ODDS_EVENT_ID.fullmatch(p.split("/")[-2]) for p in odds_requests)
    assert not [s for s in fake.requests if "escaped" in s.path or ".." in s.path]

    refusals = [line for line in logs if "skipped an event" in line]
    assert len(refusals) == 2  # once by each odds scraper, one line each, naming the id
    assert all("'../../../../escaped'" in line and DAY in line for line in refusals)


def test_events_that_cannot_be_scraped_are_refused_one_line_each_and_the_rest_go_ahead(tmp_path: Path) -> None:
    good = {
        "id": LINES_EVENT,
        "home_team": "Golden State Warriors",
        "away_team": "Atlanta Hawks",
        "commence_time": "2024-01-25T03:00:00Z",
    }
    listing = {
        "data": [
            {**good, "id": "a" * 32, "home_team": "Springfield Isotopes"},  # no such franchise
            {**good, "id": "b" * 32, "commence_time": "tonight"},  # no tip-off time
            {**good, "id": "c" * 32, "commence_time": None},
            {k: v for k, v in good.items() if k != "away_team"} | {"id": "d" * 32},
            "not an event",
            good,
        ]
    }
    warnings: list[str] = []
    log = type("Log", (), {"warning": staticmethod(warnings.append)})
    bought = odds_scrape.Bought()
    buyer = odds_scrape.Buyer(None, LocalRawStore(root=str(tmp_path)), rebuy=False, log=log)
    listing_file = {f"odds-api/events-history/{DAY}/x.json": listing}
    kept = odds_scrape.events_of_date(listing_file, dt.date(2024, 1, 24), buyer, bought)
    assert kept == [good]
    assert bought.refused == warnings  # recorded for the materialization, and logged
    assert len(warnings) == 5 and all(w.startswith(f"odds for {DAY}: skipped an event of odds-api/") for w in warnings)
    assert "Springfield Isotopes" in warnings[0] and "tonight" in warnings[1] and "missing away_team" in warnings[3]
    assert "is not an event object" in warnings[4]


def test_the_client_refuses_to_put_a_forged_id_into_a_url(fake: FakeApis) -> None:
    apis = LiveApis(odds_api_key=KEY, nba_stats_base_url=fake.nba_base, odds_api_base_url=fake.odds_base)
    for forged in (HOSTILE_ID, "a/b", LINES_EVENT + "?x=1", LINES_EVENT.upper() + "/", ""):
        with pytest.raises(ids.InvalidId, match="not 32 hex digits"):
            apis.event_odds(forged, ["h2h"], None)
    for forged in ("../0022200552", "0022200552\n", "002220055"):
        with pytest.raises(ids.InvalidId, match="not 10 digits"):
            apis.boxscore(forged)
        with pytest.raises(ids.InvalidId):
            apis.play_by_play(forged)
    assert fake.requests == []


def test_a_redirect_to_another_host_does_not_carry_the_key(fake: FakeApis) -> None:
    apis = LiveApis(
        odds_api_key=KEY, nba_stats_base_url=fake.nba_base, odds_api_base_url=fake.odds_base, transient_retries=0
    )
    with FakeApis() as elsewhere:
        # A server that echoes the query it was sent (key included) into its Location.
        fake.queue(Answer(302, b"", headers=(("Location", f"{elsewhere.url}/v4/sports?apiKey={KEY}&regions=us"),)))
        assert apis.remaining_credits() is not None  # the other host answered (without the key)
        assert fake.requests[0].query["apiKey"] == KEY
        assert [s.path for s in elsewhere.requests] == ["/v4/sports"]
        assert all("apiKey" not in s.query and KEY not in json.dumps(s.headers) for s in elsewhere.requests)
        assert elsewhere.requests[0].query == {"regions": "us"}


def test_a_redirect_on_the_same_host_keeps_the_key(fake: FakeApis) -> None:
    apis = LiveApis(odds_api_key=KEY, nba_stats_base_url=fake.nba_base, odds_api_base_url=fake.odds_base)
    fake.queue(Answer(302, b"", headers=(("Location", f"{fake.url}/v4/sports?apiKey={KEY}"),)))
    assert apis.remaining_credits() is not None
    assert [s.query.get("apiKey") for s in fake.requests] == [KEY, KEY]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32 levels"),
        (b'{"n": ' + b"9" * 5000 + b"}", "beyond int64"),
    ],
    ids=["deep", "huge-int"],
)
def test_an_unbounded_answer_is_an_outage_in_one_line_not_a_crash(fake: FakeApis, body: bytes, says: str) -> None:
    apis = LiveApis(odds_api_key=KEY, nba_stats_base_url=fake.nba_base, odds_api_base_url=fake.odds_base)
    fake.queue(Answer(body=body))
    with pytest.raises(SourceUnavailable, match=says) as caught:
        apis.odds_events(dt.date(2024, 1, 24), None)
    assert KEY not in str(caught.value) and "\n" not in str(caught.value)
