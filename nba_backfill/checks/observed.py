"""What the stored data says about a date beyond "written": facts the completeness model weighs.

All of it is read from what is stored (warehouse tables, the partition ledger), never from a
scraper's internal state, so a file fixed by hand or a row changed outside the tool counts too:

- provisional: the stored schedule of a date now past still has games that were not final when it
  was scraped, so their box scores were never asked for;
- degraded: a final game of the date has no odds rows (player props, and game lines where the
  snapshot policy buys them; matched by the two teams) and no accepted gap covers it;
- changed / lost: a partition's rows no longer match the fingerprint or the row count its write
  recorded in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from nba_backfill.checks.data import CheckData
from nba_backfill.checks.rules import SCHEDULE
from nba_backfill.phases.odds_scrape import held_events
from nba_backfill.sources.credits import LINES_ASSET, policy
from nba_backfill.sources.feeds import FEED_EVENTS, FEED_LINES, FEED_PROPS
from nba_backfill.storage import accepted_gaps

PROPS = "nba_raw.odds_api_player_points_props"
LINES = "nba_raw.odds_api_game_lines"
#: The odds tables a final game needs: the word a reason uses, the feed that buys them, and the
#: feeds whose accepted gaps cover a game's (or, without a game id, a date's) missing odds there.
ODDS_TABLES = {
    PROPS: ("player props", FEED_PROPS, (FEED_EVENTS, FEED_PROPS)),
    LINES: ("game lines", FEED_LINES, (FEED_EVENTS, FEED_LINES)),
}
FINAL = 3


def provisional(data: CheckData, dates: Sequence[dt.date], today: dt.date) -> dict[dt.date, list[str]]:
    """Date (before ``today``) -> the games its stored schedule did not call final, but for games
    whose box score is accepted as never coming (a postponed game stays unfinished on its date)."""
    schedule = data.table(SCHEDULE, dates)
    if schedule.empty:
        return {}
    absent = accepted_gaps.absent_games(schedule, data.accepted_games(accepted_gaps.GAME_FEED, dates))
    past = schedule[
        (schedule["game_date"].dt.date < today) & (schedule["game_status"] != FINAL) & ~schedule["game_id"].isin(absent)
    ]
    found: dict[dt.date, list[str]] = {}
    for day, games in past.groupby(past["game_date"].dt.date):
        found[day] = [f"{g} not final when scraped" for g in sorted(games["game_id"])]
    return found


def _covered(gaps: pd.DataFrame, feeds: Sequence[str]) -> tuple[set[dt.date], set[str]]:
    """(dates whose ``feeds`` gaps are accepted as a whole, NBA.com game ids whose are)."""
    odds = gaps[gaps["feed"].isin(feeds)]
    whole = odds["nba_game_id"].isna()
    return set(pd.to_datetime(odds.loc[whole, "game_date"]).dt.date), set(odds.loc[~whole, "nba_game_id"].astype(str))


def expected_odds_tables() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """The odds tables a final game needs rows in under the snapshot policy in force (``closing``
    buys no game lines for past dates, so their absence is no gap)."""
    return {t: v for t, v in ODDS_TABLES.items() if t != LINES or policy().historical_markets(LINES_ASSET)}


def degraded(data: CheckData, dates: Sequence[dt.date]) -> dict[dt.date, list[str]]:
    """Date -> its final games whose odds were never obtained (per expected table whose date is
    written): no rows, and no stored answer for the game's event either (an answer without
    bookmakers is the book posting nothing: obtained, not missing)."""
    schedule = data.table(SCHEDULE, dates)
    final = schedule[schedule["game_status"] == FINAL] if len(schedule) else schedule
    if final.empty:
        return {}
    gaps = data.accepted_gaps(dates)
    pair = ["game_date", "away_team_tricode", "home_team_tricode"]
    found: dict[dt.date, list[str]] = {}
    for table, (what, feed, feeds) in expected_odds_tables().items():
        whole_dates, games = _covered(gaps, feeds)
        written = data.written(table, dates) - whole_dates
        rows = data.warehouse.read(table, sorted(written), ["away_team_abbr", "home_team_abbr"])
        teams = {"away_team_abbr": pair[1], "home_team_abbr": pair[2]}
        have = rows.drop_duplicates().rename(columns=teams).astype({pair[1]: "string", pair[2]: "string"})
        mine = final[final["game_date"].dt.date.isin(written) & ~final["nba_game_id"].astype(str).isin(games)]
        mine = mine[[*pair, "game_id"]].astype({pair[1]: "string", pair[2]: "string"})
        lacking = mine.merge(have.assign(found=True), on=pair, how="left")
        lacking = lacking[lacking["found"].isna()]
        answered = _answered(data, feed, set(lacking["game_date"].dt.date))
        for row in lacking.itertuples():
            day = row.game_date.date()
            if (day, f"{row.away_team_tricode}{row.home_team_tricode}") not in answered:
                found.setdefault(day, []).append(f"{row.game_id} has no {what}")
    return found


def _answered(data: CheckData, feed: str, dates: set[dt.date]) -> set[tuple[dt.date, str]]:
    """(date, AWAYHOME) of the events whose ``feed`` answer the raw store holds on ``dates``."""
    if data.raw_store is None:  # judged on the tables alone
        return set()
    return {(day, folder.rsplit("-", 1)[-1]) for day in dates for folder in held_events(data.raw_store.list, feed, day)}


def drifted(data: CheckData, tables: Sequence[str], dates: Sequence[dt.date] | None = None) -> pd.DataFrame:
    """Ledger rows of ``tables`` (of ``dates``; None: every date) whose partition no longer holds
    what was written, with ``lost`` (fewer or more rows than recorded) and ``changed`` (same count,
    other rows) set. A partition written before fingerprints were recorded (NULL) is judged on its
    row count only."""
    ledger = data.ledger[data.ledger["table_name"].isin(tables)]
    if dates is not None:
        ledger = ledger[ledger["game_date"].dt.date.isin(set(dates))]
    now = data.warehouse.current(sorted(set(ledger["table_name"])), dates)
    now = now.assign(game_date=pd.to_datetime(now["game_date"]), row_count=pd.to_numeric(now["row_count"]))
    both = ledger.merge(now, on=["table_name", "game_date"], how="left", suffixes=("", "_now"))
    both["row_count_now"] = both["row_count_now"].fillna(0)  # no rows left at all
    both["lost"] = both["row_count"] != both["row_count_now"]
    both["changed"] = ~both["lost"] & both["fingerprint"].notna() & (both["fingerprint"] != both["fingerprint_now"])
    return both[both["lost"] | both["changed"]].reset_index(drop=True)
