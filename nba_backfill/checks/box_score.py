"""The internal identities of a box score: what its own numbers say about each other.

The parsers refuse a file that breaks its points formula or has makes above attempts; these
identities span rows (a team against its players, a team against its opponent), so they are
judged on the tables, over a whole date, as one blocking check: a box score that contradicts
itself must not feed a player's averages.

Each identity returns the offenders it finds, labelled ``game team`` or ``game team player``.
"""

from __future__ import annotations

import pandas as pd

#: Team box-score column -> gamebook (player) column whose sum over the team's players it must equal.
TEAM_SUMS = {
    "points": "points", "assists": "assists",
    "offensive_rebounds": "offensive_rebounds", "defensive_rebounds": "defensive_rebounds",
    "total_rebounds": "total_rebounds",
    "fg_made": "field_goals_made", "fg_attempted": "field_goals_attempted",
    "three_pt_made": "three_pointers_made", "three_pt_attempted": "three_pointers_attempted",
    "ft_made": "free_throws_made", "ft_attempted": "free_throws_attempted",
}  # fmt: skip
#: (part, whole) pairs: makes within attempts, threes within field goals.
PLAYER_SHOOTING = [
    ("field_goals_made", "field_goals_attempted"), ("three_pointers_made", "three_pointers_attempted"),
    ("free_throws_made", "free_throws_attempted"), ("three_pointers_made", "field_goals_made"),
]  # fmt: skip
TEAM_SHOOTING = [
    ("fg_made", "fg_attempted"), ("three_pt_made", "three_pt_attempted"), ("ft_made", "ft_attempted"),
    ("three_pt_made", "fg_made"),
]  # fmt: skip
PLAYER_COUNTS = [
    "points", "field_goals_made", "field_goals_attempted", "three_pointers_made", "three_pointers_attempted",
    "free_throws_made", "free_throws_attempted", "offensive_rebounds", "defensive_rebounds", "total_rebounds",
    "assists", "steals", "blocks", "turnovers", "personal_fouls",
]  # fmt: skip
TEAM_COUNTS = [*TEAM_SUMS, "steals", "blocks", "turnovers", "personal_fouls"]
#: Five players are on the floor for every point: the players' plus-minus sums to five margins.
ON_COURT = 5

Offenders = set[str]


def _team_labels(frame: pd.DataFrame, mask: pd.Series) -> Offenders:
    return {f"{g} {t}" for g, t in zip(frame.loc[mask, "game_id"], frame.loc[mask, "team_abbr"])}


def _player_labels(frame: pd.DataFrame, mask: pd.Series) -> Offenders:
    rows = frame.loc[mask]
    return {f"{g} {t} {p}" for g, t, p in zip(rows["game_id"], rows["team_abbr"], rows["player_lookup"])}


def rebounds_add_up(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """Total rebounds = offensive + defensive, for every player and team."""

    def off(f: pd.DataFrame) -> pd.Series:
        return f["total_rebounds"] != f["offensive_rebounds"] + f["defensive_rebounds"]

    return _player_labels(players, off(players)) | _team_labels(teams, off(teams))


def team_totals_are_players_sums(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """Each team total (points, assists, rebounds, makes and attempts) = its players' sum."""
    sums = players.groupby(["game_id", "team_abbr"])[list(TEAM_SUMS.values())].sum()
    team = teams.set_index(["game_id", "team_abbr"])[list(TEAM_SUMS)]
    joined = team.join(sums, how="outer", rsuffix="_players")
    bad = pd.Series(False, index=joined.index)
    for team_col, player_col in TEAM_SUMS.items():
        bad |= joined[team_col] != joined[player_col if player_col != team_col else f"{player_col}_players"]
    return {f"{g} {t}" for g, t in joined.index[bad]}


def plus_minus_matches_margin(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """A team's plus-minus is its final margin (points less the opponent's), and its players'
    plus-minus sums to five times that margin."""
    opponent = teams.set_index(["game_id", "team_abbr"])["points"]
    keyed = teams.set_index(["game_id", "opponent_team_abbr"]).index
    margin = teams["points"].to_numpy() - opponent.reindex(keyed).to_numpy()
    team_off = pd.Series(teams["plus_minus"].to_numpy() != margin, index=teams.index)
    players_pm = players.groupby(["game_id", "team_abbr"])["plus_minus"].sum()
    on_court = players_pm.reindex(teams.set_index(["game_id", "team_abbr"]).index).fillna(0).to_numpy()
    court_off = pd.Series(on_court != ON_COURT * margin, index=teams.index)
    return _team_labels(teams, team_off | court_off)


def makes_within_attempts(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """Makes <= attempts (and threes <= field goals), for every player and team."""

    def over(f: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.Series:
        mask = pd.Series(False, index=f.index)
        for part, whole in pairs:
            mask |= f[part] > f[whole]
        return mask

    return _player_labels(players, over(players, PLAYER_SHOOTING)) | _team_labels(teams, over(teams, TEAM_SHOOTING))


def counts_not_negative(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """No counting statistic below zero, for any player or team."""
    return _player_labels(players, (players[PLAYER_COUNTS] < 0).any(axis=1)) | _team_labels(
        teams, (teams[TEAM_COUNTS] < 0).any(axis=1)
    )


def scorers_have_minutes(players: pd.DataFrame, teams: pd.DataFrame) -> Offenders:
    """Whoever scored or took a shot was on the floor: minutes > 0 (never a DNP with points)."""
    took_part = (
        (players["points"] > 0) | (players["field_goals_attempted"] > 0) | (players["free_throws_attempted"] > 0)
    )
    return _player_labels(players, took_part & ~(players["minutes_decimal"].fillna(0) > 0))


IDENTITIES = {
    "rebounds_not_offensive_plus_defensive": rebounds_add_up,
    "team_totals_not_players_sums": team_totals_are_players_sums,
    "plus_minus_not_margin": plus_minus_matches_margin,
    "makes_above_attempts": makes_within_attempts,
    "negative_counts": counts_not_negative,
    "scored_without_minutes": scorers_have_minutes,
}


def violations(players: pd.DataFrame, teams: pd.DataFrame) -> dict[str, Offenders]:
    """Identity name -> offenders, for the box scores of one date (every identity listed)."""
    return {name: identity(players, teams) for name, identity in IDENTITIES.items()}
