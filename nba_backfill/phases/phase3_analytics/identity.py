"""Player identity across sources: which NBA.com player a book's line is for.

Both sources' names become ``player_lookup`` (lowercased, accents folded, spaces and punctuation
removed: "Nikola Jokić" and "Nikola Jokic" meet on ``nikolajokic``). What that cannot reconcile is
resolved here, and only here, against the players NBA.com lists:

- a generational suffix written by one side only ("Jimmy Butler III" / "Jimmy Butler",
  "Dereck Lively II" / "Dereck Lively"): names are compared without a trailing suffix;
- a nickname or another given name ("Nic Claxton" / "Nicolas Claxton"): :data:`ALIASES`, a small
  table of the spellings seen on real lines that nothing else reconciles.

A line is moved to an NBA.com player only when its own lookup names nobody and its suffix-free,
aliased key names exactly one player, so two players can never be merged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nba_backfill.calendar import player_lookup

_SUFFIX = re.compile(r"[\s,]+(jr|sr|ii|iii|iv|v)\.?$", re.IGNORECASE)

#: Book spelling -> NBA.com spelling, as identity keys (see :func:`identity_key`). Each entry was
#: named unmatched by the ``lines_matched`` check on the 2025-26 dataset.
ALIASES = {
    "nicolasclaxton": "nicclaxton",
    "carltoncarrington": "bubcarrington",
    "ronholland": "ronaldholland",
    "herbjones": "herbertjones",
    "vincentwilliams": "vincewilliams",
}


@functools.lru_cache(maxsize=16384)  # a season's frames name the same ~600 players a million times
def identity_key(name: str) -> str:
    """``player_lookup`` of the name without a trailing generational suffix, aliases applied."""
    key = player_lookup(_SUFFIX.sub("", name.strip()))
    return ALIASES.get(key, key)


def match_players(props: pd.DataFrame, players: pd.DataFrame, on: Sequence[str] = ()) -> pd.DataFrame:
    """``props`` (``player_name``, ``player_lookup``) with each line's ``player_lookup`` set to the
    NBA.com player it names among ``players`` (``player_name``, ``player_lookup``). Lines already on
    a known lookup, and lines no known player answers to, keep theirs. With ``on`` (columns both
    have, e.g. ``game_date``), a line is matched only among the players of its own ``on`` values, as
    if each were matched apart (a season's dates in one pass)."""
    if props.empty or players.empty:
        return props
    on = list(on)
    known = players[[*on, "player_lookup", "player_name"]].dropna().drop_duplicates([*on, "player_lookup"])
    keys = known.assign(key=known["player_name"].map(identity_key)).drop_duplicates([*on, "key"], keep=False)
    unknown = ~_rows_in(props, known, [*on, "player_lookup"])
    asked = props.loc[unknown, [*on, "player_name"]]
    asked = asked.assign(key=asked["player_name"].map(identity_key))
    # A left merge on keys unique in ``keys`` keeps the asked rows, in order, one each.
    resolved = asked.merge(keys[[*on, "key", "player_lookup"]], on=[*on, "key"], how="left")["player_lookup"]
    out = props.copy()
    out.loc[unknown, "player_lookup"] = resolved.set_axis(asked.index).fillna(out.loc[unknown, "player_lookup"])
    return out


def _rows_in(frame: pd.DataFrame, other: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Whether each row of ``frame`` has its ``columns`` values in some row of ``other``."""
    if len(columns) == 1:
        return frame[columns[0]].isin(set(other[columns[0]])).to_numpy()
    return pd.MultiIndex.from_frame(frame[columns]).isin(pd.MultiIndex.from_frame(other[columns]))
