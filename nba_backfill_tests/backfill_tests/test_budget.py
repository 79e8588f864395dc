"""A backfill on the live source checks its Odds API credit estimate against the account first:
``plan``, ``run`` and ``lines`` show credits needed vs x-requests-remaining and refuse (exit 2,
one line) over budget unless ``--allow-over-budget``."""

from __future__ import annotations

import pytest

from nba_backfill.sources.credits import POLICY_ENV
from nba_backfill_tests.sources_tests.fake_apis import FakeApis

RANGE = ["--start-date", "2024-11-08", "--end-date", "2024-11-10"]


@pytest.fixture
def live(monkeypatch):
    def on(credits: int) -> FakeApis:
        apis = FakeApis(credits=credits).__enter__()
        monkeypatch.setenv("NBA_BACKFILL_SOURCE", "live")
        monkeypatch.setenv("ODDS_API_KEY", "test-key-not-real")
        monkeypatch.setenv("NBA_STATS_BASE_URL", apis.nba_base)
        monkeypatch.setenv("ODDS_API_BASE_URL", apis.odds_base)
        opened.append(apis)
        return apis

    opened: list[FakeApis] = []
    yield on
    for apis in opened:
        apis.__exit__(None, None, None)


def refused_in_one_line(nba, credits: int) -> None:
    err = nba.err.strip()
    assert len(err.splitlines()) == 1 and "Odds API credits" in err and f"{credits} remain" in err
    assert "--allow-over-budget" in err and "test-key-not-real" not in err


def test_an_over_budget_backfill_is_refused_before_any_scrape(nba, live):
    apis = live(100)
    code, _ = nba("run", *RANGE)
    assert code == 2
    refused_in_one_line(nba, 100)
    assert [r.path for r in apis.requests] == ["/v4/sports"]  # asked the balance, scraped nothing


def test_plan_shows_credits_needed_against_the_balance_and_refuses_over_it(nba, live):
    live(100)
    code, out = nba("plan", *RANGE)
    assert code == 2 and "asset" in out  # the plan is shown, then refused
    refused_in_one_line(nba, 100)

    code, out = nba("plan", *RANGE, "--allow-over-budget")
    assert code == 0
    needed = int(out.split("Odds API credits: ")[1].split(" needed")[0])
    assert needed > 100 and "100 remaining (x-requests-remaining)" in out


def test_plan_within_budget_says_what_it_needs_and_what_remains(nba, live):
    live(1_000_000)
    code, plan = nba.json("plan", *RANGE)
    assert code == 0 and plan["odds_api_remaining"] == 1_000_000 and 0 < plan["odds_api_credits"] < 1_000_000


def test_the_full_policy_costs_more_and_is_chosen_on_the_command_line(nba, live, monkeypatch):
    live(1_000_000)
    monkeypatch.setenv(POLICY_ENV, "closing")  # --odds-policy sets it for the (here: test's) process: restored after
    _, closing = nba.json("plan", *RANGE)
    _, full = nba.json("plan", *RANGE, "--odds-policy", "full")
    # No schedule loaded: 8 games assumed on each of the 20 in-season dates the range reads (none
    # before opening night); props on all 20 (the lookback's prop results), game lines on the 3 targets.
    assert closing["odds_api_credits"] == 20 * (1 + 8 * 10)
    assert full["odds_api_credits"] == 20 * (1 + 8 * 3 * 10) + 3 * 8 * 3 * 20


def test_lines_calls_no_nba_com_feed_and_refuses_dates_without_its_data(nba, live):
    apis = live(1_000_000)
    code, out = nba("lines", "--start-date", "2024-11-08", "--end-date", "2024-11-08")
    assert code == 2 and out == ""
    assert len(nba.err.strip().splitlines()) == 1 and "run `nba-backfill run` over them first" in nba.err
    assert apis.requests == []
