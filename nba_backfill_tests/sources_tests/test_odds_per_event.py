"""Odds per event, not per date (issue 15): an event the listing gets wrong and an event the API
fails on are recorded and skipped; the date keeps the events that worked, and the absence stays
visible in the raw store (the listing names them, they have no odds files)."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from nba_backfill.backfill.execute import materialize_range
from nba_backfill.phases import odds_scrape
from nba_backfill.phases.phase2_raw import parsers
from nba_backfill.resources import local_storage
from nba_backfill.sources.credits import POLICY_ENV
from nba_backfill.sources.live import live_source
from nba_backfill_tests.sources_tests.fake_apis import SERVER_ERROR, Answer, FakeApis
from nba_backfill_tests.sources_tests.test_live import KEY, LINES_EVENT, with_a_schedule

DAY = "2024-01-24"
FAILING, NO_SUCH_TEAM, NO_TIP_OFF = "f" * 32, "a" * 32, "b" * 32
EVENTS_AND_LINES = dg.AssetSelection.assets(
    dg.AssetKey(["scraped", "odds_api_events"]), dg.AssetKey(["scraped", "odds_api_game_lines"])
)


def listing() -> bytes:
    """DAY's historical events: one with a team outside the 30, one without a tip-off, one the
    API will fail on, and the recorded ATL at GSW."""
    event = {"sport_key": "basketball_nba", "sport_title": "NBA", "commence_time": "2024-01-25T00:30:00Z"}
    heat = {**event, "home_team": "Miami Heat", "away_team": "Boston Celtics"}
    return json.dumps({
        "timestamp": "2024-01-24T15:00:00Z", "previous_timestamp": None, "next_timestamp": None,
        "data": [
            {**heat, "id": NO_SUCH_TEAM, "home_team": "Springfield Isotopes"},
            {k: v for k, v in heat.items() if k != "commence_time"} | {"id": NO_TIP_OFF},
            {**heat, "id": FAILING},
            {**event, "id": LINES_EVENT, "home_team": "Golden State Warriors", "away_team": "Atlanta Hawks",
             "commence_time": "2024-01-25T03:00:00Z"},
        ],
    }).encode()  # fmt: skip


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    with FakeApis() as server:
        monkeypatch.setenv("ODDS_API_KEY", KEY)
        monkeypatch.setenv("NBA_STATS_BASE_URL", server.nba_base)
        monkeypatch.setenv("ODDS_API_BASE_URL", server.odds_base)
        monkeypatch.setenv(POLICY_ENV, "full")  # game lines are bought for past dates
        monkeypatch.setattr(odds_scrape, "is_historical", lambda day: day < dt.date(2025, 7, 1))
        yield server


def test_a_malformed_and_a_failing_event_are_skipped_and_the_date_keeps_the_rest(home, fake):
    fake.queue(Answer(body=listing()), SERVER_ERROR, SERVER_ERROR)  # FAILING's call, and the client's retry
    storage = with_a_schedule(local_storage(), DAY)
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_range(
            DAY,
            DAY,
            selection=EVENTS_AND_LINES,
            resources=storage | live_source(),
            instance=instance,
            with_checks=False,
        )
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
    assert result.success

    store = storage["raw_store"]
    kept = store.list("odds-api/game-lines-history/")
    assert len(kept) == 3 and all(f"/{DAY}/{LINES_EVENT}-ATLGSW/" in p for p in kept)  # opening, midday, closing
    rows = parsers.parse_game_lines({p: json.loads(store.read(p)) for p in kept})
    assert set(rows["odds_api_event_id"]) == {LINES_EVENT}
    (listed,) = store.list("odds-api/events-history/")
    assert FAILING in store.read(listed).decode()  # the listing still names the event without odds

    (lines,) = result.asset_materializations_for_node("scraped__odds_api_game_lines")
    skipped = lines.metadata["skipped"].value
    assert f"skipped event {FAILING}-BOSMIA: HTTP 500" in skipped and KEY not in skipped
    assert "Springfield Isotopes" in skipped and "missing commence_time" in skipped and NO_TIP_OFF in skipped
    assert lines.metadata["dates_without_odds"].value == []
    logged = [line for line in logs if line.startswith(f"odds for {DAY}: skipped")]
    assert len(logged) == 3 and all(listed in line or FAILING in line for line in logged)

    (events,) = result.asset_materializations_for_node("scraped__odds_api_events")
    billed = events.metadata["odds_api_credits"].value + lines.metadata["odds_api_credits"].value
    assert billed == fake.used == 1 + 3 * 20  # the listing, then 3 snapshots x 2 markets x 10
