"""A backfill on the live source checks its Odds API credit estimate against the account first."""

from __future__ import annotations

from nba_backfill_tests.sources_tests.fake_apis import FakeApis


def test_an_over_budget_backfill_is_refused_before_any_scrape(nba, monkeypatch):
    with FakeApis(credits=100) as apis:
        monkeypatch.setenv("NBA_BACKFILL_SOURCE", "live")
        monkeypatch.setenv("ODDS_API_KEY", "test-key-not-real")
        monkeypatch.setenv("NBA_STATS_BASE_URL", apis.nba_base)
        monkeypatch.setenv("ODDS_API_BASE_URL", apis.odds_base)
        code, _ = nba("run", "--start-date", "2024-11-08", "--end-date", "2024-11-10")
        assert code == 2
        err = nba.err
        assert "credits" in err and "100 remain" in err and "--allow-over-budget" in err
        assert "test-key-not-real" not in err
        assert [r.path for r in apis.requests] == ["/v4/sports"]  # asked the balance, scraped nothing
