"""``nba-backfill run --submit``: the backfill ``run`` would do, as ONE Dagster backfill the daemon runs.

The plan becomes per-asset partition ranges (``partitionsByAssets``): the lookback context for
phases 1-3, the target range for 4-5. Asking for assets plus partition names instead would flow
downstream through the lookback mapping and target far more than the plan. The GraphQL mutation
runs in this process against the definitions (no webserver needed, ~0.2 s; a workspace.yaml
context costs ~2.5 s for its code server, the ``dagster-graphql`` command ~5.5 s), or against a
running webserver with ``--url``. A daemon (``nba-backfill ui``, i.e. ``dg dev``, or ``dagster-daemon run``) executes the
backfill; this command follows it with the same progress and final report as ``run`` (plus the
backfill's id in --json). Before the report judges the range, the command waits for the other
runs and backfills writing its dates to end (see :func:`settle`).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import requests
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from nba_backfill import settings
from nba_backfill.backfill.plan import Graph, Partitions, Plan
from nba_backfill.backfill.progress import Progress
from nba_backfill.backfill.run import Outcome, asset_of_step, phase_progress, stretches, waits_for
from nba_backfill.backfill.service import Session
from nba_backfill.calendar import PHASES, date_range, window_start
from nba_backfill.naming import asset_key

POLL_SECONDS = 2.0
#: Daemons write a heartbeat every 30 s; Dagster's own "healthy" tolerates 30 minutes of silence,
#: far too long to tell an operator that nothing will run their backfill.
HEARTBEAT_STALE_SECONDS = 90
ENDED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
RANGE_TAGS = (ASSET_PARTITION_RANGE_START_TAG, ASSET_PARTITION_RANGE_END_TAG)
#: Run statuses of a run that writes, or will (a queued run starts when a slot frees).
UNFINISHED = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]
#: How long the report waits for others writing its dates before judging them anyway: a chunk's
#: run takes seconds to minutes; another operator's whole backfill may take hours.
SETTLE_SECONDS = 600

DAEMON = """
query Daemon { instance { daemonHealth { daemonStatus(daemonType: "BACKFILL") { lastHeartbeatTime } } } }
"""
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""
FOLLOW = """
query Follow($id: String!) {
  instance { daemonHealth { daemonStatus(daemonType: "BACKFILL") { lastHeartbeatTime } } }
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      error { message }
      runs(limit: 10000) { runId status tags { key value } stepStats { stepKey status } }
    }
    ... on Error { message }
  }
}
"""
WRITERS = """
query Writers($statuses: [RunStatus!]) {
  runsOrError(filter: {statuses: $statuses}) {
    __typename
    ... on Runs { results { runId tags { key value } } }
    ... on PythonError { message }
  }
  partitionBackfillsOrError(status: REQUESTED) {
    __typename
    ... on PartitionBackfills { results { id runs(limit: 10000) { runId tags { key value } } } }
    ... on PythonError { message }
  }
}
"""
STEP_FAILURES = """
query StepFailures($runId: ID!) {
  logsForRun(runId: $runId) {
    ... on EventConnection {
      events { ... on ExecutionStepFailureEvent { stepKey error { message cause { message } } } }
    }
  }
}
"""

GraphQL = Callable[[str, Mapping[str, Any]], dict]


class SubmitError(Exception):
    """The backfill could not be launched or followed: reported in one line, exit code 1."""


# --- GraphQL, in process or over HTTP -------------------------------------------------------------


def _data(answer: Mapping[str, Any]) -> dict:
    if answer.get("errors"):
        raise SubmitError(f"GraphQL: {answer['errors'][0]['message']}")
    return answer["data"]


def _in_process(workspace, query: str, variables: Mapping[str, Any]) -> dict:
    from dagster_graphql.cli import execute_query  # on use, for start-up speed: only --submit needs GraphQL

    return _data(execute_query(workspace, query, dict(variables)))


def over_http(endpoint: str, query: str, variables: Mapping[str, Any]) -> dict:
    try:
        response = requests.post(endpoint, json={"query": query, "variables": dict(variables)}, timeout=60)
        response.raise_for_status()
    except requests.RequestException as err:
        raise SubmitError(f"cannot reach the Dagster webserver at {endpoint}: {err}") from None
    return _data(response.json())


@contextmanager
def graphql(instance, url: str | None) -> Iterator[GraphQL]:
    """Execute GraphQL against the webserver at ``url``, else in this process: the definitions are
    loaded here (they already are, for the plan) instead of in a code-server subprocess."""
    if url:
        yield partial(over_http, url.rstrip("/") + "/graphql")
        return
    # On use, for start-up speed: only an in-process --submit loads a workspace.
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
    from dagster_graphql import __version__

    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="nba_backfill.definitions"), location_name="nba_backfill"
    )
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin), version=__version__) as workspace:
        yield partial(_in_process, workspace)


def daemon_alive(answer: Mapping[str, Any]) -> bool:
    """Whether the instance's backfill daemon wrote a heartbeat lately (from a DAEMON/FOLLOW answer)."""
    beat = answer["instance"]["daemonHealth"]["daemonStatus"]["lastHeartbeatTime"]
    return beat is not None and time.time() - beat < HEARTBEAT_STALE_SECONDS


def no_daemon(url: str | None) -> str:
    where = f"the instance behind {url}" if url else f"DAGSTER_HOME={settings.dagster_home()}"
    return (
        f"no Dagster daemon is running for {where}; start one with `nba-backfill ui` (dg dev, webserver and "
        "daemon) or `dagster-daemon run -w workspace.yaml` (same DAGSTER_HOME), then submit again"
    )


# --- launch ---------------------------------------------------------------------------------------


def partitions_by_assets(to_run: Partitions) -> list[dict]:
    """The plan as GraphQL ``partitionsByAssets``: each asset's dates as ranges of consecutive days."""
    return [
        {
            "assetKey": {"path": asset_key(asset).path},
            "partitions": {"ranges": [{"start": str(s[0]), "end": str(s[-1])} for s in stretches(dates)]},
        }
        for asset, dates in to_run.items()
        if dates
    ]


def launch(execute: GraphQL, plan: Plan) -> str:
    params = {
        "partitionsByAssets": partitions_by_assets(plan.to_run),
        "title": f"nba-backfill {plan.start} .. {plan.end} phases {','.join(p[-1] for p in plan.phases)}",
    }
    result = execute(LAUNCH, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise SubmitError(f"{result['__typename']}: {result.get('message', '')}")
    return result["backfillId"]


# --- follow ---------------------------------------------------------------------------------------


def _run_dates(run: Mapping[str, Any]) -> set[dt.date]:
    tags = {t["key"]: t["value"] for t in run["tags"]}
    if all(t in tags for t in RANGE_TAGS):
        return set(date_range(*(tags[t] for t in RANGE_TAGS)))
    return {dt.date.fromisoformat(tags["dagster/partition"])} if "dagster/partition" in tags else set()


def step_outcomes(runs: list[Mapping[str, Any]], plan: Plan) -> tuple[Partitions, dict[tuple[str, dt.date], str]]:
    """(asset -> dates done, (asset, date) -> id of the run where it failed), read from the runs'
    steps. As in ``run``, an asset whose blocking check failed has not finished its dates."""
    done: Partitions = {}
    failed: dict[tuple[str, dt.date], str] = {}
    for run in runs:
        dates = _run_dates(run)
        for step in run["stepStats"]:
            asset = asset_of_step(step["stepKey"], list(plan.phase_of))
            if asset is None:
                continue
            targeted = dates & plan.to_run.get(asset, set())
            if step["status"] == "SUCCESS":
                done.setdefault(asset, set()).update(targeted)
            elif step["status"] == "FAILURE":
                failed.update({(asset, d): run["runId"] for d in targeted})
    for asset, day in failed:
        done.get(asset, set()).discard(day)
    return done, failed


class Follower:
    """Per-phase progress of a backfill, reported like ``run`` does and only when it changes."""

    def __init__(self, plan: Plan, progress: Progress):
        self.plan, self.progress = plan, progress
        self.shown: dict[str, tuple[int, int, int]] = {}

    def update(self, runs: list[Mapping[str, Any]]) -> None:
        done, failed = step_outcomes(runs, self.plan)
        for phase in PHASES:
            state = phase_progress(self.plan, phase, done, failed)
            if state[1] and self.shown.get(phase) != state:
                self.shown[phase] = state
                self.progress.update(phase, *state)


def _backfill(answer: Mapping[str, Any], backfill_id: str) -> dict:
    backfill = answer["partitionBackfillOrError"]
    if backfill["__typename"] != "PartitionBackfill":
        raise SubmitError(f"backfill {backfill_id}: {backfill.get('message', backfill['__typename'])}")
    return backfill


def follow(execute: GraphQL, backfill_id: str, follower: Follower) -> dict:
    """Poll the backfill until it ends; give up (it goes on once a daemon runs) if the daemon stops."""
    while True:
        answer = execute(FOLLOW, {"id": backfill_id})
        backfill = _backfill(answer, backfill_id)
        follower.update(backfill["runs"])
        if backfill["status"] in ENDED:
            return backfill
        if not daemon_alive(answer):
            raise SubmitError(f"the Dagster daemon stopped; backfill {backfill_id} goes on when one runs again")
        time.sleep(POLL_SECONDS)


# --- others writing the same dates ----------------------------------------------------------------


def _results(answer: Mapping[str, Any], field: str, typename: str) -> list[dict]:
    found = answer[field]
    if found["__typename"] != typename:
        raise SubmitError(f"{field}: {found.get('message', found['__typename'])}")
    return found["results"]


def _other_run_dates(run: Mapping[str, Any]) -> set[dt.date]:
    """The dates of any run of the instance: one whose partition is not a date belongs to another
    partitioning than the game dates, so writes none of them."""
    try:
        return _run_dates(run)
    except ValueError:
        return set()


def writers(answer: Mapping[str, Any], dates: set[dt.date]) -> list[str]:
    """Who else writes ``dates`` (from a WRITERS answer): each unfinished run on any of them, and each
    backfill in progress that has had a run on them (its next wave, e.g. the phase that reads what
    the last one rewrote, is not launched yet). Sorted, for a stable message."""
    runs = [r for r in _results(answer, "runsOrError", "Runs") if _other_run_dates(r) & dates]
    found = {f"run {r['runId']}" for r in runs}
    found |= {
        f"backfill {b['id']}"
        for b in _results(answer, "partitionBackfillsOrError", "PartitionBackfills")
        if any(_other_run_dates(r) & dates for r in b["runs"])
    }
    return sorted(found)


def _writers_now(execute: GraphQL, dates: set[dt.date]) -> list[str] | None:
    """:func:`writers` asked now; None, said in one line, when the instance cannot answer: the wait
    is a courtesy to the report, not a reason to lose it."""
    try:
        return writers(execute(WRITERS, {"statuses": UNFINISHED}), dates)
    except SubmitError as err:
        print(f"cannot ask who else writes these dates ({err}); judging them now", file=sys.stderr, flush=True)
        return None


def settle(execute: GraphQL, plan: Plan) -> None:
    """Wait until no other run or backfill writes the dates the report will judge (the range and the
    lookback window before it), at most SETTLE_SECONDS (then say what writes them still).

    The report reads the partition ledger and the tables' rows: a date another operator's backfill
    is rewriting meanwhile reads as changed (rows replaced, ledger not yet) or stale (a phase
    rewritten, the phase reading it not yet) although it will end complete."""
    dates = set(date_range(window_start(plan.start), plan.end))
    deadline, told = time.monotonic() + SETTLE_SECONDS, False
    while busy := _writers_now(execute, dates):
        if time.monotonic() >= deadline:
            print(
                f"judging {plan.start} .. {plan.end} while {', '.join(busy)} still write(s) its dates: "
                "re-check with `nba-backfill status` once they end",
                file=sys.stderr,
                flush=True,
            )
            return
        if not told:
            print(f"waiting for {', '.join(busy)}, writing the same dates, to end", file=sys.stderr, flush=True)
            told = True
        time.sleep(POLL_SECONDS)


# --- outcome and report ---------------------------------------------------------------------------


def _first_failure(execute: GraphQL, run_id: str) -> str:
    """The first failed step of a run and its innermost message, as ``run`` reports it."""
    events = execute(STEP_FAILURES, {"runId": run_id})["logsForRun"].get("events", [])
    for event in (e for e in events if e.get("stepKey")):
        error = event["error"]
        while error.get("cause") and "Error occurred while executing" in error["message"]:
            error = error["cause"]
        return f"{event['stepKey']}: {error['message'].strip().splitlines()[0][:300]}"
    return f"run {run_id} failed"


def _blocked(
    plan: Plan, graph: Graph, done: Partitions, failed: set[tuple[str, dt.date]], status: str
) -> dict[tuple[str, dt.date], str]:
    """Planned partitions that neither ran nor failed, with what they wait for (as ``run`` words it);
    walked in graph order so a partition can wait for one that is itself blocked."""
    blocked: dict[tuple[str, dt.date], str] = {}
    for key in graph.order:
        asset = key.to_user_string()
        for day in sorted(plan.to_run.get(asset, set()) - done.get(asset, set())):
            if (asset, day) in failed:
                continue
            blocked[(asset, day)] = f"the backfill, which ended {status}"
            for parent in sorted(graph.assets[key].dependency_keys, key=graph.order.index):
                name = parent.to_user_string()
                wanted = sorted(
                    d for d in graph.upstream(key, parent, [day]) if (name, d) in failed or (name, d) in blocked
                )
                if wanted:
                    blocked[(asset, day)] = waits_for(name, wanted)
                    break
    return blocked


def outcome(execute: GraphQL, backfill: Mapping[str, Any], plan: Plan, graph: Graph) -> Outcome:
    done, failed_in = step_outcomes(backfill["runs"], plan)
    reasons = {run_id: _first_failure(execute, run_id) for run_id in set(failed_in.values())}
    failed = {key: reasons[run_id] for key, run_id in failed_in.items()}
    return Outcome(done, failed, _blocked(plan, graph, done, set(failed), backfill["status"]))


# --- the command ----------------------------------------------------------------------------------


def backfill(
    execute: GraphQL, plan: Plan, graph: Graph, url: str | None, progress: Progress
) -> tuple[Outcome, str | None]:
    """Launch the plan as one backfill and follow it to its end; nothing to run launches nothing."""
    if not any(plan.to_run.values()):
        return Outcome(), None
    backfill_id = launch(execute, plan)
    where = f" ({url.rstrip('/')}/runs/b/{backfill_id})" if url else ""
    print(
        f"launched Dagster backfill {backfill_id}{where}; Ctrl-C stops following it, not the backfill",
        file=sys.stderr,
        flush=True,
    )
    ended = follow(execute, backfill_id, Follower(plan, progress))
    result = outcome(execute, ended, plan, graph)
    settle(execute, plan)  # the report that follows judges the dates as they stay
    result.operation = backfill_id  # its runs' kept copies are filed under the backfill's id
    return result, backfill_id


def submit(
    session: Session,
    start: dt.date,
    end: dt.date,
    phases: str,
    force: bool,
    allow_over_budget: bool,
    url: str | None,
    progress: Progress,
) -> tuple[Outcome, str | None]:
    """Plan ``start``..``end`` as ``run`` would, launch it as one backfill (through the webserver at
    ``url``, else in this process) and follow it: its outcome and the backfill's id."""
    with graphql(session.instance, url) as execute:
        if not daemon_alive(execute(DAEMON, {})):
            raise SubmitError(no_daemon(url))
        plan = session.plan(start, end, phases, force, for_run=True)
        session.check_budget(plan, allow_over_budget)
        return backfill(execute, plan, session.graph, url, progress)
