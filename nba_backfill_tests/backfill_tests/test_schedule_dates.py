"""A schedule's date, whatever form NBA.com writes it in, finds the date's games; a schedule file
that finds none for an in-season date while it has games on others is an error naming the file,
not "no games" (issue 15, case 2: the schedule half). End to end through the command line."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from nba_backfill.calendar import schedule_date
from nba_backfill.sources.simulated.league import DEFAULT_SEED
from nba_backfill.sources.simulated.nbacom import schedule_payload
from nba_backfill_tests.conftest import REAL_FIXTURES
from nba_backfill_tests.sources_tests.fake_apis import Answer, FakeApis, Seen, route_of

pytestmark = pytest.mark.slow
SLICE = "nbacom_scheduleleaguev2_2024-25_slice_2025-01-15.json"  # 11 final games on 2025-01-15


@dataclass
class IsoSchedule(FakeApis):
    """The recorded APIs, but NBA.com's schedule writes ``gameDate`` as an ISO datetime."""

    schedule: bytes = b""

    def _recorded(self, seen: Seen) -> Answer:
        route = route_of(seen.path, seen.query)
        return Answer(body=self.schedule) if route and route[0] == "scheduleleaguev2" else super()._recorded(seen)


@pytest.mark.parametrize("written", ["2025-01-15T00:00:00Z", "2025-01-15"])
def test_an_iso_game_date_schedule_finds_the_dates_games_on_the_live_source(nba, monkeypatch, written):
    payload = json.loads((REAL_FIXTURES / SLICE).read_text())
    for day in payload["leagueSchedule"]["gameDates"]:
        day["gameDate"] = written
    with IsoSchedule(schedule=json.dumps(payload).encode()) as apis:
        monkeypatch.setenv("NBA_BACKFILL_SOURCE", "live")
        monkeypatch.setenv("ODDS_API_KEY", "test-key")
        monkeypatch.setenv("NBA_STATS_BASE_URL", apis.nba_base)
        monkeypatch.setenv("ODDS_API_BASE_URL", apis.odds_base)
        nba("run", "--start-date", "2025-01-15", "--end-date", "2025-01-15", "--phases", "2")
        code, status = nba.json("status", "--start-date", "2025-01-15", "--end-date", "2025-01-15")
    assert status["dates"][0]["games"] == 11 and status["dates"][0]["phase2"] != "no games"
    games = {g["gameId"] for g in payload["leagueSchedule"]["gameDates"][0]["games"]}
    asked = {s.query.get("GameID") for s in apis.requests if s.path.endswith("/boxscoretraditionalv3")}
    assert asked and asked <= games  # the scrapers saw the final games too (box scores not recorded: 404)


def test_a_schedule_with_games_only_on_other_dates_fails_its_in_season_date_naming_the_file(nba, home):
    day = "2024-11-05"
    code, _ = nba.json("run", "--start-date", day, "--end-date", day, "--phases", "2")
    code, status = nba.json("status", "--start-date", day, "--end-date", day)
    games = status["dates"][0]["games"]
    assert games > 0 and status["dates"][0]["phase2"] == "complete"
    # A later scrape of the date whose file holds another date's games (NBA.com shifted a date).
    other = schedule_payload(DEFAULT_SEED, schedule_date("11/04/2024"))
    assert other["leagueSchedule"]["gameDates"][0]["games"]
    path = home / "raw" / "nba-com" / "schedule" / day / "29991231_000000.json"
    path.write_text(json.dumps(other))

    code, report = nba.json("run", "--start-date", day, "--end-date", day, "--phases", "2", "--force")
    assert code == 1
    (why,) = [r for r in report["failed"][day] if r.startswith("nba_raw/nbac_schedule:")]
    assert f"nba-com/schedule/{day}/29991231_000000.json" in why and f"no gameDate for {day}" in why
    code, status = nba.json("status", "--start-date", day, "--end-date", day)
    assert code == 1 and status["dates"][0]["phase2"] == "failed"
    assert status["dates"][0]["games"] == games  # not "no games": the failed re-run kept what was loaded
