"""What the stored data says about a date beyond "written": facts the completeness model weighs.

All of it is read from what is stored (warehouse tables, the partition ledger), never from a
scraper's internal state, so a file fixed by hand or a row changed outside the tool counts too:

- provisional: the stored schedule of a date now past still has games that were not final when it
  was scraped, so their box scores were never asked for;
- degraded: a final game of the date has no odds rows (player props or game lines, matched by the
  two teams) and no accepted gap covers it;
- changed / lost: a partition's rows no longer match the fingerprint or the row count its write
  recorded in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from nba_backfill.checks.data import CheckData
from nba_backfill.checks.rules import SCHEDULE
from nba_backfill.storage import accepted_gaps

PROPS = "nba_raw.odds_api_player_points_props"
LINES = "nba_raw.odds_api_game_lines"
#: The odds tables a final game needs rows in, and the word a reason uses for each.
ODDS_TABLES = {PROPS: "player props", LINES: "game lines"}
#: Accepted gaps of these feeds cover a game's (or a date's, without a game id) missing odds.
ODDS_FEEDS = (
    "odds_api_events",
    "odds_api_player_props",
    "odds_api_game_lines",
    *(t.split(".")[1] for t in ODDS_TABLES),
)
FINAL = 3


def provisional(data: CheckData, dates: Sequence[dt.date], today: dt.date) -> dict[dt.date, list[str]]:
    """Date (before ``today``) -> the games its stored schedule did not call final."""
    schedule = data.table(SCHEDULE, dates)
    if schedule.empty:
        return {}
    past = schedule[(schedule["game_date"].dt.date < today) & (schedule["game_status"] != FINAL)]
    found: dict[dt.date, list[str]] = {}
    for day, games in past.groupby(past["game_date"].dt.date):
        found[day] = [f"{g} not final when scraped" for g in sorted(games["game_id"])]
    return found


def _covered(gaps: pd.DataFrame) -> tuple[set[dt.date], set[str]]:
    """(dates whose odds are accepted as a whole, NBA.com game ids whose odds are accepted)."""
    odds = gaps[gaps["feed"].isin(ODDS_FEEDS)]
    whole = odds["nba_game_id"].isna()
    return set(pd.to_datetime(odds.loc[whole, "game_date"]).dt.date), set(odds.loc[~whole, "nba_game_id"].astype(str))


def degraded(data: CheckData, dates: Sequence[dt.date]) -> dict[dt.date, list[str]]:
    """Date -> its final games without odds rows (per table whose date is written)."""
    schedule = data.table(SCHEDULE, dates)
    final = schedule[schedule["game_status"] == FINAL] if len(schedule) else schedule
    if final.empty:
        return {}
    whole_dates, games = _covered(accepted_gaps.accepted(data.warehouse, dates))
    final = final[~final["game_date"].dt.date.isin(whole_dates) & ~final["nba_game_id"].astype(str).isin(games)]
    pair = ["game_date", "away_team_tricode", "home_team_tricode"]
    found: dict[dt.date, list[str]] = {}
    for table, what in ODDS_TABLES.items():
        written = data.written(table, dates)
        rows = data.warehouse.read(table, sorted(written), ["away_team_abbr", "home_team_abbr"])
        have = rows.drop_duplicates().rename(columns={"away_team_abbr": pair[1], "home_team_abbr": pair[2]})
        mine = final[final["game_date"].dt.date.isin(written)][[*pair, "game_id"]]
        lacking = mine.merge(have.assign(found=True), on=pair, how="left")
        for row in lacking[lacking["found"].isna()].itertuples():
            found.setdefault(row.game_date.date(), []).append(f"{row.game_id} has no {what}")
    return found


def drifted(data: CheckData, tables: Sequence[str]) -> pd.DataFrame:
    """Ledger rows of ``tables`` whose partition no longer holds what was written, with ``lost``
    (fewer or more rows than recorded) and ``changed`` (same count, other rows) set. A partition
    written before fingerprints were recorded (NULL) is judged on its row count only."""
    ledger = data.ledger[data.ledger["table_name"].isin(tables)]
    now = data.warehouse.current(sorted(set(ledger["table_name"])))
    now = now.assign(game_date=pd.to_datetime(now["game_date"]), row_count=pd.to_numeric(now["row_count"]))
    both = ledger.merge(now, on=["table_name", "game_date"], how="left", suffixes=("", "_now"))
    both["row_count_now"] = both["row_count_now"].fillna(0)  # no rows left at all
    both["lost"] = both["row_count"] != both["row_count_now"]
    both["changed"] = ~both["lost"] & both["fingerprint"].notna() & (both["fingerprint"] != both["fingerprint_now"])
    return both[both["lost"] | both["changed"]].reset_index(drop=True)
