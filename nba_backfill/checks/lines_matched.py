"""Do the books' lines reach the right NBA.com player? The ``lines_matched`` check.

Per date, every (game, player) a book priced before tip-off is matched to the game's box score
the way Phase 3 matches it (phases/phase3_analytics/identity.py). A line is then

- ``played``: matched to a player who played that game;
- ``did_not_play``: matched to a DNP / inactive row, or not in the box score while the name is a
  player NBA.com listed in the last 30 days (a late scratch);
- ``unmatched``: a name no NBA.com player of the window answers to. It may be a player who
  played under another spelling: that is the failure this check exists for, so each is named;
- ``no_box_score``: priced for an event NBA.com has no box score of (an Odds API event that is not
  a scheduled game: one on 2025-11-01 in the real data); counted apart, its games named.

The share is played / (played + unmatched): the lines whose player played, matched. Below 99 % the
check fails, naming the unmatched lines (add the spelling to ``identity.ALIASES`` if it is one). It
fails at WARN, as ``real_line_share`` does: lines are enrichment, and a player the books priced who
had not yet appeared in a box score (a player injured since opening night) cannot be told from a
misspelling, so the failure asks a person to look rather than stopping the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nba_backfill.calendar import date_range, window_start
from nba_backfill.checks.data import CheckData
from nba_backfill.checks.outcomes import WARN, Outcome, capped
from nba_backfill.phases.phase3_analytics.identity import identity_key, match_players
from nba_backfill.phases.phase3_analytics.lines import pre_tip

PROPS = "nba_raw.odds_api_player_points_props"
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
#: What the check reads of the gamebook.
BOX_COLUMNS = ["game_id", "player_lookup", "player_name_original", "player_status"]
MIN_MATCHED_SHARE = 0.99


def classify(lines: pd.DataFrame, box: pd.DataFrame, recent_names: set[str]) -> pd.DataFrame:
    """``lines`` (game_date, game_id, player_name, player_lookup) with ``outcome`` played /
    did_not_play / unmatched / no_box_score against ``box`` (game_date, game_id, player_lookup,
    player_name, player_status) of their dates and the identity keys of players NBA.com listed
    recently."""
    return _graded(lines, box, lines["player_name"].map(identity_key).isin(recent_names).to_numpy())


def _graded(lines: pd.DataFrame, box: pd.DataFrame, listed: np.ndarray) -> pd.DataFrame:
    """:func:`classify`, each line's name known (``listed``) or not: every date at once, each line
    judged against its own date's box score (a game id is one game on one date)."""
    resolved = match_players(lines, box[["game_date", "player_lookup", "player_name"]], on=["game_date"])
    game = ["game_date", "game_id"]
    status = box.drop_duplicates([*game, "player_lookup"]).set_index([*game, "player_lookup"])["player_status"]
    found = pd.Series(status.reindex(pd.MultiIndex.from_frame(resolved[[*game, "player_lookup"]])).to_numpy())
    has_box = pd.MultiIndex.from_frame(resolved[game]).isin(pd.MultiIndex.from_frame(box[game]))
    # The first that holds (a masked assignment per outcome costs pandas a repr of the series each);
    # an unknown status (NA) holds for none.
    holds = [~has_box, (found == "active").fillna(False).to_numpy(dtype=bool), found.notna().to_numpy() | listed]
    outcome = np.select(holds, ["no_box_score", "played", "did_not_play"], "unmatched")
    return resolved.assign(outcome=outcome)


def _listed_recently(lines: pd.DataFrame, gamebook: pd.DataFrame) -> np.ndarray:
    """Whether each line's name is a player NBA.com listed in its date's lookback window (up to and
    including the date): his last listing on or before the date is on or after the window's start."""
    if gamebook.empty:  # nobody listed yet (and its columns untyped)
        return np.zeros(len(lines), dtype=bool)
    asked = lines[["game_date", "player_name"]].reset_index(drop=True)
    asked = asked.assign(
        name_key=asked["player_name"].map(identity_key), game_date=asked["game_date"].astype("datetime64[ns]")
    )
    seen = gamebook[["game_date", "name_key"]].drop_duplicates().astype({"game_date": "datetime64[ns]"})
    last = (
        pd.merge_asof(
            asked.reset_index().sort_values("game_date"),
            seen.rename(columns={"game_date": "listed"}).sort_values("listed"),
            left_on="game_date",
            right_on="listed",
            by="name_key",
        )
        .set_index("index")
        .sort_index()
    )
    starts = {day: pd.Timestamp(window_start(day.date())) for day in last["game_date"].unique()}
    return (last["listed"] >= last["game_date"].map(starts)).to_numpy()


def lines_matched(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    props = data.table(PROPS, dates)
    window = date_range(window_start(min(dates)), max(dates)) if dates else []
    # A gamebook never written yet (its first dates still to run) reads as no box score, not a KeyError.
    gamebook = (
        data.table(GAMEBOOK, window)
        .reindex(columns=["game_date", *BOX_COLUMNS])
        .rename(columns={"player_name_original": "player_name"})
    )
    # Each name's identity key once, not once per row (a million calls a season).
    names = gamebook["player_name"]
    gamebook = gamebook.assign(name_key=names.map({n: identity_key(n) for n in names.unique()}))
    lines = pre_tip(props) if len(props) else props
    lines = lines.drop_duplicates(["game_date", "game_id", "player_lookup"]) if len(lines) else lines
    if lines.empty:
        return [_no_lines(day) for day in dates]
    lines = lines[["game_date", "game_id", "player_name", "player_lookup"]]
    graded = _graded(lines, gamebook, _listed_recently(lines, gamebook))
    day = graded["game_date"].dt.date
    counts: dict[dt.date, dict[str, int]] = {}
    for (d, outcome), n in graded.groupby([day, "outcome"]).size().items():
        counts.setdefault(d, {})[outcome] = int(n)
    # The few lines each date names, grouped once (a filter per date cost more than the rest).
    named = {
        outcome: {
            d: list(zip(g["game_id"], g["player_name"])) for d, g in graded[graded["outcome"] == outcome].groupby(day)
        }
        for outcome in ("unmatched", "no_box_score")
    }
    return [
        _outcome(d, counts[d], named["unmatched"].get(d, []), named["no_box_score"].get(d, []))
        if d in counts
        else _no_lines(d)
        for d in dates
    ]


def _no_lines(day: dt.date) -> Outcome:
    return Outcome(day, True, WARN, "no pre-game lines", {"lines": 0})


def _outcome(
    day: dt.date, counts: dict[str, int], unmatched_lines: list[tuple[str, str]], no_box: list[tuple[str, str]]
) -> Outcome:
    """The date's result from its lines' outcomes counted, and the (game, name) of those unmatched
    and of those without a box score."""
    played, unmatched = counts.get("played", 0), counts.get("unmatched", 0)
    share = played / (played + unmatched) if played + unmatched else 1.0
    passed = share >= MIN_MATCHED_SHARE
    return Outcome(
        day,
        passed,
        WARN,
        "" if passed else f"{share:.1%} of lines whose player played were matched (< {MIN_MATCHED_SHARE:.0%})",
        {
            "lines": sum(counts.values()),
            "played": played,
            "did_not_play": counts.get("did_not_play", 0),
            "unmatched": unmatched,
            "matched_share_pct": round(100 * share, 2),
            "no_box_score": counts.get("no_box_score", 0),
            "games_without_box_score": capped({g for g, _ in no_box}),
            "unmatched_players": capped(f"{g} {n}" for g, n in unmatched_lines),
        },
    )
