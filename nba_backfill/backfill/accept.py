"""Accept a gap that will never be filled (``nba-backfill accept``), or revoke the acceptance.

A box score NBA.com never published, a play-by-play that cannot be repaired, a date the Odds API
has no lines for: re-running cannot fill them, and until they are accepted they block the date and
every window that reads it. An acceptance names the feed, the date and (for NBA.com's per-game
feeds) the game, with why, who and when; it lands in ``nba_meta.accepted_gaps``
(storage/accepted_gaps.py, both warehouses). The scrapers then skip the game, the checks and the
lookback windows count it as known-absent, and ``status`` shows ``accepted`` with the reason.

Every argument is checked against the warehouse's loaded schedule before anything is written: the
feed is one the platform scrapes, the game id is NBA.com's shape and on that date's schedule. The
checks that judge the feed on that date run again at once (accepting or revoking changes their
verdict), so ``status`` and ``plan`` read the new truth without a re-run.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pandas as pd

from nba_backfill import ids
from nba_backfill.backfill.execute import materialize_range
from nba_backfill.checks.catalogue import GAP_FEEDS, RAW_FILES, Check
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.rules import SCHEDULE
from nba_backfill.errors import UsageError
from nba_backfill.naming import table_name
from nba_backfill.sources.feeds import FEED_BOXSCORE, FEED_LINES, FEED_PBP, FEED_PROPS, ODDS_FEEDS
from nba_backfill.storage import accepted_gaps

#: What an operator may accept: a feed's name -> the feeds it records (``odds_api``: a date's odds).
ACCEPTABLE: dict[str, tuple[str, ...]] = {
    FEED_BOXSCORE: (FEED_BOXSCORE,),
    FEED_PBP: (FEED_PBP,),
    FEED_PROPS: (FEED_PROPS,),
    FEED_LINES: (FEED_LINES,),
    "odds_api": ODDS_FEEDS,
}
#: NBA.com's feeds come a file per game: accepting one names the game (a whole date is an outage).
PER_GAME = (FEED_BOXSCORE, FEED_PBP)
#: On the check runs an acceptance (or revocation) starts.
ACCEPT_TAG = "nba_backfill/accepted_gap"


@dataclass(frozen=True)
class Target:
    """A validated gap: the feeds it records, its date, and its game (NBA.com and canonical ids)."""

    feeds: tuple[str, ...]
    game_date: dt.date
    nba_game_id: str | None
    game_id: str | None

    def describe(self) -> str:
        what = f"game {self.nba_game_id} ({self.game_id})" if self.nba_game_id else "every game"
        return f"{', '.join(self.feeds)} of {what} on {self.game_date}"


def target(data: CheckData, feed: str, game_date: dt.date, game: str | None) -> Target:
    """``feed``/``game_date``/``game`` checked against the platform's feeds and the loaded
    schedule; a :class:`UsageError` naming the argument otherwise."""
    if feed not in ACCEPTABLE:
        raise UsageError(f"--feed {feed!r} is not one of {', '.join(ACCEPTABLE)}")
    if game is None and feed in PER_GAME:
        raise UsageError(f"--feed {feed} is a file per game: name the game with --game (its NBA.com id)")
    nba_game_id = None
    if game is not None:
        try:
            nba_game_id = ids.nba_game_id(game)
        except ids.InvalidId as err:
            raise UsageError(f"--game: {err}") from None
    if game_date not in data.written(SCHEDULE, [game_date]):
        raise UsageError(f"no schedule is loaded for {game_date}: run phases 1-2 of that date first")
    schedule = data.table(SCHEDULE, [game_date])
    if schedule.empty:
        raise UsageError(f"{game_date} is not a game date (its schedule has no games)")
    games = dict(zip(schedule["nba_game_id"], schedule["game_id"]))
    if nba_game_id is not None and nba_game_id not in games:
        raise UsageError(
            f"--game {nba_game_id} is not on the schedule of {game_date} (its games: {', '.join(sorted(games))})"
        )
    return Target(ACCEPTABLE[feed], game_date, nba_game_id, games.get(nba_game_id))


def operator(given: str | None) -> str:
    """Who accepts: ``--by``, else the account running the command."""
    if given and given.strip():
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


def judged_by(feeds: Sequence[str], checks: Sequence[Check]) -> list[Check]:
    """The checks whose verdict depends on ``feeds``' accepted gaps."""
    assets = {a for a, (*_, feed) in RAW_FILES.items() if feed in feeds}
    assets |= {a for a, feed in GAP_FEEDS.items() if feed in feeds}
    return [c for c in checks if c.asset in assets]


def rejudge(
    data: CheckData,
    instance: dg.DagsterInstance,
    checks: Sequence[Check],
    resources: Mapping[str, Any],
    gap: Target,
) -> int:
    """Run again, on the gap's date, the checks of its feeds whose partition is written there, and
    record their results in the instance; how many were run."""
    written = [c for c in judged_by(gap.feeds, checks) if data.written(table_name(c.asset), [gap.game_date])]
    if not written:
        return 0
    materialize_range(
        gap.game_date,
        gap.game_date,
        selection=dg.AssetSelection.checks(*[c.key for c in written]),
        resources=resources,
        instance=instance,
        raise_on_error=False,
        log_level="CRITICAL",
        tags={ACCEPT_TAG: gap.describe()[:200]},
    )
    return len(written)


def accept(data: CheckData, gap: Target, reason: str, by: str | None) -> pd.DataFrame:
    """Record ``gap`` as accepted (replacing an earlier acceptance of it); the rows written."""
    if not reason or not reason.strip():
        raise UsageError("--reason is required: say why this gap will never be filled")
    who = operator(by)
    rows = pd.concat(
        [accepted_gaps.gap_rows(f, gap.game_date, {gap.nba_game_id: reason.strip()}, who) for f in gap.feeds],
        ignore_index=True,
    )
    accepted_gaps.accept(data.warehouse, rows)
    return rows


def revoke(data: CheckData, gap: Target) -> pd.DataFrame:
    """Undo the acceptance of ``gap``; the rows removed. Nothing accepted is a :class:`UsageError`."""
    removed = [accepted_gaps.revoke(data.warehouse, f, gap.game_date, gap.nba_game_id) for f in gap.feeds]
    rows = pd.concat([r for r in removed if len(r)], ignore_index=True) if any(len(r) for r in removed) else None
    if rows is None:
        raise UsageError(f"nothing is accepted for {gap.describe()}")
    return rows


def records(rows: pd.DataFrame, gap: Target) -> list[dict[str, Any]]:
    """The rows as the command prints them (``--json``)."""
    return [
        {
            "feed": r.feed,
            "game_date": str(gap.game_date),
            "nba_game_id": None if pd.isna(r.nba_game_id) else str(r.nba_game_id),
            "game_id": gap.game_id,
            "reason": r.reason,
            "accepted_by": r.accepted_by,
            "accepted_at": pd.Timestamp(r.accepted_at).isoformat(timespec="seconds"),
        }
        for r in rows.itertuples()
    ]
