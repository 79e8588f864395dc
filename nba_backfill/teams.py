"""The 30 NBA franchises: tricode, NBA.com team id, city, nickname.

The Odds API names teams by full name, NBA.com by tricode and id: this table is the one place
that joins the three.
"""

from __future__ import annotations

from typing import NamedTuple


class Team(NamedTuple):
    tricode: str
    team_id: int
    city: str
    name: str
    timezone: str

    @property
    def full_name(self) -> str:
        return f"{self.city} {self.name}"

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "")


TEAMS: tuple[Team, ...] = (
    Team("ATL", 1610612737, "Atlanta", "Hawks", "America/New_York"),
    Team("BOS", 1610612738, "Boston", "Celtics", "America/New_York"),
    Team("CLE", 1610612739, "Cleveland", "Cavaliers", "America/New_York"),
    Team("NOP", 1610612740, "New Orleans", "Pelicans", "America/Chicago"),
    Team("CHI", 1610612741, "Chicago", "Bulls", "America/Chicago"),
    Team("DAL", 1610612742, "Dallas", "Mavericks", "America/Chicago"),
    Team("DEN", 1610612743, "Denver", "Nuggets", "America/Denver"),
    Team("GSW", 1610612744, "Golden State", "Warriors", "America/Los_Angeles"),
    Team("HOU", 1610612745, "Houston", "Rockets", "America/Chicago"),
    Team("LAC", 1610612746, "LA", "Clippers", "America/Los_Angeles"),
    Team("LAL", 1610612747, "Los Angeles", "Lakers", "America/Los_Angeles"),
    Team("MIA", 1610612748, "Miami", "Heat", "America/New_York"),
    Team("MIL", 1610612749, "Milwaukee", "Bucks", "America/Chicago"),
    Team("MIN", 1610612750, "Minnesota", "Timberwolves", "America/Chicago"),
    Team("BKN", 1610612751, "Brooklyn", "Nets", "America/New_York"),
    Team("NYK", 1610612752, "New York", "Knicks", "America/New_York"),
    Team("ORL", 1610612753, "Orlando", "Magic", "America/New_York"),
    Team("IND", 1610612754, "Indiana", "Pacers", "America/New_York"),
    Team("PHI", 1610612755, "Philadelphia", "76ers", "America/New_York"),
    Team("PHX", 1610612756, "Phoenix", "Suns", "America/Phoenix"),
    Team("POR", 1610612757, "Portland", "Trail Blazers", "America/Los_Angeles"),
    Team("SAC", 1610612758, "Sacramento", "Kings", "America/Los_Angeles"),
    Team("SAS", 1610612759, "San Antonio", "Spurs", "America/Chicago"),
    Team("OKC", 1610612760, "Oklahoma City", "Thunder", "America/Chicago"),
    Team("TOR", 1610612761, "Toronto", "Raptors", "America/Toronto"),
    Team("UTA", 1610612762, "Utah", "Jazz", "America/Denver"),
    Team("MEM", 1610612763, "Memphis", "Grizzlies", "America/Chicago"),
    Team("WAS", 1610612764, "Washington", "Wizards", "America/New_York"),
    Team("DET", 1610612765, "Detroit", "Pistons", "America/Detroit"),
    Team("CHA", 1610612766, "Charlotte", "Hornets", "America/New_York"),
)

BY_TRICODE = {t.tricode: t for t in TEAMS}
BY_ID = {t.team_id: t for t in TEAMS}
# The Odds API spells the Clippers both ways over the years.
BY_FULL_NAME = {t.full_name: t for t in TEAMS} | {"Los Angeles Clippers": BY_TRICODE["LAC"]}


def tricode_for_name(full_name: str) -> str:
    """Tricode for an Odds API team name; KeyError names the unknown team."""
    try:
        return BY_FULL_NAME[full_name].tricode
    except KeyError:
        raise KeyError(f"unknown team name {full_name!r}") from None
