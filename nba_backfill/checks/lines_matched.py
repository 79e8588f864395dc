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
    """``lines`` (game_id, player_name, player_lookup) with ``outcome`` played / did_not_play /
    unmatched / no_box_score against ``box`` (game_id, player_lookup, player_name, player_status) and the
    identity keys of players NBA.com listed recently."""
    resolved = match_players(lines, box[["player_lookup", "player_name"]])
    status = box.drop_duplicates(["game_id", "player_lookup"]).set_index(["game_id", "player_lookup"])["player_status"]
    found = pd.Series(list(zip(resolved["game_id"], resolved["player_lookup"])), index=resolved.index).map(status)
    known = resolved["player_name"].map(identity_key).isin(recent_names)
    # The first that holds (a masked assignment per outcome costs pandas a repr of the series each);
    # an unknown status (NA) holds for none.
    holds = [~resolved["game_id"].isin(set(box["game_id"])), found == "active", found.notna() | known]
    outcome = np.select(
        [h.fillna(False).to_numpy(dtype=bool) for h in holds], ["no_box_score", "played", "did_not_play"], "unmatched"
    )
    return resolved.assign(outcome=outcome)


def lines_matched(dates: Sequence[dt.date], data: CheckData) -> list[Outcome]:
    props = data.table(PROPS, dates)
    window = date_range(window_start(min(dates)), max(dates)) if dates else []
    # A gamebook never written yet (its first dates still to run) reads as no box score, not a KeyError.
    gamebook = (
        data.table(GAMEBOOK, window)
        .reindex(columns=["game_date", *BOX_COLUMNS])
        .rename(columns={"player_name_original": "player_name"})
    )
    # Each name's identity key once, not once per date of every window it falls in (a million calls a season).
    names = gamebook["player_name"]
    gamebook = gamebook.assign(name_key=names.map({n: identity_key(n) for n in names.unique()}))
    outcomes = []
    for day in dates:
        day_ts = pd.Timestamp(day)
        lines = pre_tip(props[props["game_date"] == day_ts]) if len(props) else props
        lines = (
            lines.drop_duplicates(["game_id", "player_lookup"])[["game_id", "player_name", "player_lookup"]]
            if len(lines)
            else lines
        )
        if lines.empty:
            outcomes.append(Outcome(day, True, WARN, "no pre-game lines", {"lines": 0}))
            continue
        box = gamebook[gamebook["game_date"] == day_ts]
        recent = gamebook[
            (gamebook["game_date"] >= pd.Timestamp(window_start(day))) & (gamebook["game_date"] <= day_ts)
        ]
        graded = classify(lines, box, set(recent["name_key"]))
        counts = graded["outcome"].value_counts()
        played, unmatched = int(counts.get("played", 0)), int(counts.get("unmatched", 0))
        share = played / (played + unmatched) if played + unmatched else 1.0
        passed = share >= MIN_MATCHED_SHARE
        names = graded.loc[graded["outcome"] == "unmatched", ["game_id", "player_name"]]
        outcomes.append(
            Outcome(
                day,
                passed,
                WARN,
                "" if passed else f"{share:.1%} of lines whose player played were matched (< {MIN_MATCHED_SHARE:.0%})",
                {
                    "lines": len(graded),
                    "played": played,
                    "did_not_play": int(counts.get("did_not_play", 0)),
                    "unmatched": unmatched,
                    "matched_share_pct": round(100 * share, 2),
                    "no_box_score": int(counts.get("no_box_score", 0)),
                    "games_without_box_score": capped(set(graded.loc[graded["outcome"] == "no_box_score", "game_id"])),
                    "unmatched_players": capped(f"{g} {n}" for g, n in zip(names["game_id"], names["player_name"])),
                },
            )
        )
    return outcomes
