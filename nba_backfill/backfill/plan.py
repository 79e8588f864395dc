"""What a backfill of a date range needs, derived from the asset graph.

The planner never computes a lookback by hand: it asks each asset's partition mappings (the same
ones Dagster uses) which upstream partitions its target partitions read, walking the graph from
Phase 5 back to Phase 1. Three sets per asset:

- needed: every partition the backfill reads or writes (gives the per-phase ranges): what the
  target partitions read, and every phase up to the last target phase on the range's dates (a
  date is complete only when all its phases are),
- complete: partitions the completeness model (checks/matrix.py) calls complete, accepted or no
  games - or ``changed``, which a run re-validates before planning instead of overwriting,
- to_run: needed partitions that are not complete (all target partitions with ``force``), and -
  because rewriting a partition makes its readers stale - the already-written target-phase
  partitions that read a rewritten one; with ``force``, also the later target-phase partitions
  whose windows read a forced date and are stale.

``why`` says, per partition to run, why it is in the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import dagster as dg

from nba_backfill.calendar import PHASE_OF_GROUP, PHASES, date_range, game_dates
from nba_backfill.sources.credits import DateToBuy

Partitions = dict[str, set[dt.date]]  # asset key ("nba_raw/nbac_schedule") -> dates


@dataclass
class Plan:
    start: dt.date
    end: dt.date
    phases: tuple[str, ...]
    force: bool
    needed: Partitions
    complete: Partitions
    to_run: Partitions
    phase_of: Mapping[str, str]
    why: dict[str, dict[dt.date, str]] = field(default_factory=dict)  # asset -> date -> why it runs
    #: The target assets when chosen by ``--select`` (None: every asset of ``phases``).
    selection: frozenset[str] | None = None
    #: What the odds scrapers will buy, per date (filled by the service from the raw store).
    odds: list[DateToBuy] = field(default_factory=list)
    #: Whether the odds scrapers buy again what the raw store holds (``--force``).
    rebuy_odds: bool = False

    def reasons(self) -> dict[str, dict[str, int]]:
        """Per asset to run: how many partitions for each kind of reason (its first word)."""
        out: dict[str, dict[str, int]] = {}
        for asset, dates in self.why.items():
            for why in dates.values():
                kind = why.split(":")[0]
                out.setdefault(asset, {}).setdefault(kind, 0)
                out[asset][kind] += 1
        return out

    def ranges(self) -> dict[str, dict[str, str]]:
        out = {}
        for phase in PHASES:
            dates = set().union(*(d for a, d in self.needed.items() if self.phase_of[a] == phase))
            if dates:
                out[phase] = {"start": str(min(dates)), "end": str(max(dates))}
        return out

    def assets_of(self, phase: str) -> list[str]:
        return [a for a, p in self.phase_of.items() if p == phase]

    def odds_api_credits(self) -> int:
        """The credits the odds scrapers will be billed (see sources/credits.py)."""
        return sum(day.credits() for day in self.odds)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per asset: partitions needed, already complete among them, and to run."""
        return {
            a: {
                "needed": len(self.needed.get(a, ())),
                "complete": len(self.complete.get(a, set()) & self.needed.get(a, set())),
                "to_run": len(self.to_run.get(a, ())),
            }
            for a in self.phase_of
        }

    def to_json(self) -> dict:
        return {
            "start": str(self.start),
            "end": str(self.end),
            "phases": list(self.phases),
            "select": sorted(self.selection) if self.selection is not None else None,
            "force": self.force,
            "ranges": self.ranges(),
            "to_run": {a: [str(d) for d in sorted(ds)] for a, ds in self.to_run.items() if ds},
            "why": {a: {str(d): w for d, w in sorted(ws.items())} for a, ws in self.why.items() if ws},
            "assets": self.counts(),
            "odds_api_credits": self.odds_api_credits(),
        }


def parse_phases(text: str) -> tuple[str, ...]:
    """``"4-5"``, ``"3"`` or ``"2,4"`` -> ("phase4", "phase5"); ValueError names a bad phase."""
    chosen: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"unknown phase {part.strip()!r}: use numbers 1-5, e.g. 4-5 or 2,3") from None
        if not 1 <= first <= last <= 5:
            raise ValueError(f"unknown phase {part.strip()!r}: phases are 1 to 5")
        chosen.update(range(first, last + 1))
    return tuple(f"phase{i}" for i in sorted(chosen))


class Graph:
    """The asset graph as the planner needs it: keys in dependency order, parents with mappings."""

    def __init__(self, assets: Sequence[dg.AssetsDefinition]):
        self.assets = {a.key: a for a in assets}
        self.phase_of = {k.to_user_string(): PHASE_OF_GROUP[a.group_names_by_key[k]] for k, a in self.assets.items()}
        self.order = self._toposort()

    def _toposort(self) -> list[dg.AssetKey]:
        done: list[dg.AssetKey] = []

        def visit(key: dg.AssetKey) -> None:
            if key in done:
                return
            for parent in self.assets[key].dependency_keys:
                visit(parent)
            done.append(key)

        for key in self.assets:
            visit(key)
        return done

    def mapping(self, child: dg.AssetKey, parent: dg.AssetKey) -> dg.PartitionMapping:
        return self.assets[child].get_partition_mapping(parent) or dg.IdentityPartitionMapping()

    def upstream(self, child: dg.AssetKey, parent: dg.AssetKey, dates: Iterable[dt.date]) -> set[dt.date]:
        keys = [str(d) for d in dates if str(d) in _valid_keys()]
        if not keys:
            return set()
        subset = game_dates.subset_with_partition_keys(keys)
        result = self.mapping(child, parent).get_upstream_mapped_partitions_result_for_partitions(
            subset, game_dates, game_dates
        )
        return {dt.date.fromisoformat(k) for k in result.partitions_subset.get_partition_keys()}

    def downstream(self, parent: dg.AssetKey, child: dg.AssetKey, dates: Iterable[dt.date]) -> set[dt.date]:
        keys = [str(d) for d in dates]
        if not keys:
            return set()
        subset = game_dates.subset_with_partition_keys(keys)
        found = self.mapping(child, parent).get_downstream_partitions_for_partitions(subset, game_dates, game_dates)
        return {dt.date.fromisoformat(k) for k in found.get_partition_keys()}

    def children(self, key: dg.AssetKey) -> list[dg.AssetKey]:
        return [k for k, a in self.assets.items() if key in a.dependency_keys]

    def upstream_closure(self, names: Iterable[str]) -> set[str]:
        """``names`` and every asset they read, directly or not."""
        found, frontier = set(names), [dg.AssetKey.from_user_string(n) for n in names]
        while frontier:
            for parent in self.assets[frontier.pop()].dependency_keys:
                if parent in self.assets and _name(parent) not in found:
                    found.add(_name(parent))
                    frontier.append(parent)
        return found


@cache
def _valid_keys() -> frozenset[str]:
    return frozenset(game_dates.get_partition_keys())


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _pull(graph: Graph, seeds: Partitions, complete: Partitions, forced: Partitions) -> tuple[Partitions, Partitions]:
    """Walk from the last phase back: each asset's needed partitions (``seeds`` and what the
    partitions to run read), and which must run (needed and not complete, or ``forced``)."""
    needed: Partitions = {_name(k): set(seeds.get(_name(k), set())) for k in graph.order}
    to_run: Partitions = {_name(k): set() for k in graph.order}
    for key in reversed(graph.order):
        name = _name(key)
        to_run[name] = (needed[name] - complete.get(name, set())) | forced.get(name, set())
        for parent in graph.assets[key].dependency_keys:
            needed[_name(parent)] |= graph.upstream(key, parent, to_run[name])
    return needed, to_run


def _refresh_readers(graph: Graph, to_run: Partitions, written: Partitions, targeted: set[str]) -> None:
    """Add written partitions (of the target assets) that read a partition about to be rewritten."""
    frontier = [(k, set(to_run[_name(k)])) for k in graph.order]
    while frontier:
        key, dates = frontier.pop(0)
        for child in graph.children(key):
            name = _name(child)
            if name not in targeted:
                continue
            stale = (graph.downstream(key, child, dates) & written.get(name, set())) - to_run[name]
            if stale:
                to_run[name] |= stale
                frontier.append((child, stale))


def target_assets(graph: Graph, phases: tuple[str, ...], selection: frozenset[str] | None = None) -> set[str]:
    """The assets a backfill targets: the ``--select``ed ones, else every asset of ``phases``."""
    return set(selection) if selection is not None else {a for a, p in graph.phase_of.items() if p in phases}


def targets_of(
    graph: Graph, start: dt.date, end: dt.date, phases: tuple[str, ...], selection: frozenset[str] | None = None
) -> Partitions:
    return {a: set(date_range(start, end)) for a in target_assets(graph, phases, selection)}


def _seeds(
    graph: Graph, start: dt.date, end: dt.date, phases: tuple[str, ...], selection: frozenset[str] | None = None
) -> Partitions:
    """The range's dates of every phase up to the last target phase: a date is complete only when
    all of them are (the target phases are forced with ``force``; the ones before only needed).
    A ``--select``ion seeds its assets and everything upstream of them, so a selection of whole
    phases plans as those phases do."""
    if selection is not None:
        return {a: set(date_range(start, end)) for a in graph.upstream_closure(selection)}
    last = max(PHASES.index(p) for p in phases)
    return {a: set(date_range(start, end)) for a, p in graph.phase_of.items() if PHASES.index(p) <= last}


def _lookback_edges(graph: Graph) -> list[tuple[dg.AssetKey, dg.AssetKey]]:
    return [
        (parent, child)
        for child in graph.order
        for parent in graph.assets[child].dependency_keys
        if isinstance(graph.mapping(child, parent), dg.TimeWindowPartitionMapping)
    ]


def later_readers(graph: Graph, dates: Iterable[dt.date], targeted: set[str]) -> Partitions:
    """Partitions of the ``targeted`` assets on later dates whose lookback windows read ``dates``."""
    found: Partitions = {}
    for parent, child in _lookback_edges(graph):
        if _name(child) in targeted:
            found.setdefault(_name(child), set()).update(graph.downstream(parent, child, dates))
    return found


def span(
    graph: Graph,
    start: dt.date,
    end: dt.date,
    phases: tuple[str, ...],
    force: bool,
    selection: frozenset[str] | None = None,
) -> list[dt.date]:
    """The dates whose states a plan of ``start``..``end`` weighs: what it reads and, with
    ``force``, the later dates whose windows read the range."""
    dates = set(reads(graph, start, end, phases, selection))
    if force:
        targeted = target_assets(graph, phases, selection)
        dates |= set().union(*later_readers(graph, date_range(start, end), targeted).values())
    return date_range(min(dates), max(dates)) if dates else []


def reads(
    graph: Graph, start: dt.date, end: dt.date, phases: tuple[str, ...], selection: frozenset[str] | None = None
) -> list[dt.date]:
    """Every date a backfill of ``start``..``end`` (target ``phases`` or ``selection``) reads or
    writes, from the partition mappings: what to ask the ledger and the instance about before planning."""
    seeds = _seeds(graph, start, end, phases, selection)
    needed, _ = _pull(graph, seeds, {}, forced=seeds)
    dates = set().union(*needed.values())
    return date_range(min(dates), max(dates)) if dates else []


#: States a plan leaves alone: complete ones, and ``changed`` (a run re-validates those first:
#: kept when their checks pass, so rewriting them would undo a correction made on purpose).
LEAVE = {"complete", "no games", "accepted", "changed"}


def make_plan(
    start: dt.date,
    end: dt.date,
    phases: tuple[str, ...],
    force: bool,
    graph: Graph,
    written: Partitions,
    states: Mapping[tuple[str, dt.date], tuple[str, list[str]]],
    selection: frozenset[str] | None = None,
) -> Plan:
    """The plan, from the completeness model's ``states`` ((table, date) -> (state, reasons))."""
    complete: Partitions = {a: set() for a in graph.phase_of}
    for (table, day), (state, _) in states.items():
        if state in LEAVE and table.replace(".", "/") in complete:
            complete[table.replace(".", "/")].add(day)
    targets, seeds = targets_of(graph, start, end, phases, selection), _seeds(graph, start, end, phases, selection)
    targeted = target_assets(graph, phases, selection)
    forced = dict(targets) if force else {}
    if force:  # the later partitions whose windows read a forced date, where that made them stale
        for asset, dates in later_readers(graph, date_range(start, end), targeted).items():
            stale = {d for d in dates & written.get(asset, set()) if _state(states, asset, d)[0] == "stale"}
            forced[asset] = forced.get(asset, set()) | stale
    needed, _ = _pull(graph, seeds, {}, forced=seeds)  # what the range reads, complete or not
    _, to_run = _pull(graph, seeds, complete, forced=forced)
    _refresh_readers(graph, to_run, written, targeted)
    why = {
        a: {d: _why(states, a, d, force and d in targets.get(a, set())) for d in dates}
        for a, dates in to_run.items()
        if dates
    }
    return Plan(start, end, phases, force, needed, complete, to_run, graph.phase_of, why=why, selection=selection)


def _state(
    states: Mapping[tuple[str, dt.date], tuple[str, list[str]]], asset: str, day: dt.date
) -> tuple[str, list[str]]:
    return states.get((asset.replace("/", "."), day), ("missing", ["never written"]))


def _why(states: Mapping[tuple[str, dt.date], tuple[str, list[str]]], asset: str, day: dt.date, forced: bool) -> str:
    state, reasons = _state(states, asset, day)
    if forced:
        return "forced (--force)"
    if state not in LEAVE:
        return f"{state}: {reasons[0]}" if reasons else state
    return "stale: reads a partition this run rewrites"
