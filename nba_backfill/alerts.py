"""Alerts to the people who wait: a backfill's outcome posted to a Slack-compatible webhook.

The webhook's address comes from the environment (``NBA_ALERT_WEBHOOK_URL``, read through
``dg.EnvVar``: it is a secret, never logged). Two paths lead here:

- ``nba-backfill run`` (in process or ``--submit``) posts its final report when it ends;
- Dagster's run-status sensors (``backfill_alert_sensors``) post when a run of a daemon backfill
  (launched from the UI, by ``--submit`` or by the gap sensor) fails, or when its last run
  succeeds with every targeted partition materialized.

The message says what is complete, the failed and blocked dates with their first error, and the
command that resumes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import requests
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster._core.storage.tags import (
    PARTITION_NAME_TAG as PARTITION_TAG,
)

WEBHOOK_ENV = "NBA_ALERT_WEBHOOK_URL"
TIMEOUT_SECONDS = 10
BACKFILL_TAG = "dagster/backfill"
SHOWN_DATES = 10
UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


class AlertWebhook(dg.ConfigurableResource):
    """Where alerts go; an empty ``url`` sends nothing."""

    url: str = ""

    def post(self, text: str) -> None:
        if not self.url:
            return
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"{WEBHOOK_ENV} is not an http(s) URL")  # the value itself is a secret
        answer = requests.post(self.url, json={"text": text}, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()


def webhook() -> AlertWebhook:
    """The webhook of the environment, as a resource (empty when ``NBA_ALERT_WEBHOOK_URL`` is unset)."""
    return AlertWebhook(url=dg.EnvVar(WEBHOOK_ENV)) if os.environ.get(WEBHOOK_ENV) else AlertWebhook()


def send(text: str) -> None:
    """Post ``text`` to the environment's webhook, outside Dagster (the command line): the EnvVar
    is resolved as Dagster resolves it for a run."""
    with dg.build_resources({"alert_webhook": webhook()}) as built:
        built.alert_webhook.post(text)


def _dated(title: str, reasons: Mapping[str, list[str]]) -> list[str]:
    lines = [f"{title}: {day}: {found[0]}" for day, found in list(reasons.items())[:SHOWN_DATES]]
    more = len(reasons) - SHOWN_DATES
    return lines + ([f"… and {more} more {title} dates"] if more > 0 else [])


def report_message(report: Mapping[str, Any], start: str, end: str) -> str:
    """The alert of a command-line backfill, from its final report (``Session.report``)."""
    done = not report["failed"] and not report["blocked"]
    lines = [
        f"nba-backfill {start} .. {end}: {'finished' if done else 'NOT finished'}, "
        f"{report['complete_game_dates']} of {report['game_dates']} game dates complete"
    ]
    lines += _dated("failed", report["failed"]) + _dated("blocked", report["blocked"])
    if report.get("resume"):
        lines.append(f"resume with: {report['resume']}")
    return "\n".join(lines)


def first_error(instance: dg.DagsterInstance, run_id: str) -> str:
    """The first step failure's message of a run (or the run's own failure)."""
    for record in instance.all_logs(
        run_id, of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE}
    ):
        event = record.dagster_event
        error = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cause is not None:  # past Dagster's "Error occurred while executing"
            error = error.cause
        message = error.message.strip().splitlines()[0] if error and error.message else event.message
        return f"{event.step_key or 'run'}: {message}"
    return "no error recorded"


def run_dates(run: dg.DagsterRun) -> tuple[str | None, str | None]:
    """The first and last date a run materialized: its range, or its one partition."""
    one = run.tags.get(PARTITION_TAG)
    return run.tags.get(ASSET_PARTITION_RANGE_START_TAG, one), run.tags.get(ASSET_PARTITION_RANGE_END_TAG, one)


def backfill_message(instance: dg.DagsterInstance, backfill_id: str) -> str:
    """The alert of a daemon backfill once its runs are over: its runs' outcome, the failed ones
    with their dates and first error, and the command that resumes."""
    runs = instance.get_runs(dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}))
    failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
    dates = sorted({d for r in runs for d in run_dates(r) if d})
    span = f"{dates[0]} .. {dates[-1]}" if dates else "its partitions"
    lines = [
        f"backfill {backfill_id} over {span}: {'FAILED' if failed else 'finished'}, "
        f"{len(runs) - len(failed)} of {len(runs)} runs succeeded"
    ]
    for run in failed[:SHOWN_DATES]:
        first, last = run_dates(run)
        lines.append(f"failed: {first or '?'} .. {last or '?'}: {first_error(instance, run.run_id)}")
    if failed and dates:
        lines.append(f"resume with: nba-backfill run --submit --start-date {dates[0]} --end-date {dates[-1]}")
    return "\n".join(lines)


def target_done(instance: dg.DagsterInstance, backfill_id: str) -> bool:
    """Every partition an asset backfill targets is materialized and none of its runs is in flight.
    (A run's end is not the backfill's: the daemon launches the next phase's run after it, and
    marks the backfill complete only on a later tick.)"""
    backfill = instance.get_backfill(backfill_id)
    if backfill is None or not backfill.is_asset_backfill:
        return False
    if instance.get_runs_count(dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}, statuses=UNFINISHED)):
        return False
    target = backfill.asset_backfill_data.target_subset
    return all(
        set(target.get_partitions_subset(key).get_partition_keys()) <= instance.get_materialized_partitions(key)
        for key in target.partitions_subsets_by_asset_key
    )


def build_alert_sensors() -> list[dg.SensorDefinition]:
    """The run-status sensors that alert on a backfill's end (they take the ``alert_webhook``
    resource, so a test hands them a local server)."""

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="backfill_finished_alert",
        monitor_all_code_locations=False,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts a backfill's outcome to NBA_ALERT_WEBHOOK_URL when its last run succeeds.",
    )
    def backfill_finished_alert(context: dg.RunStatusSensorContext, alert_webhook: AlertWebhook):
        backfill_id = context.dagster_run.tags.get(BACKFILL_TAG)
        if backfill_id and target_done(context.instance, backfill_id):
            alert_webhook.post(backfill_message(context.instance, backfill_id))

    @dg.run_failure_sensor(
        name="backfill_failed_alert",
        monitor_all_code_locations=False,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts a backfill's outcome to NBA_ALERT_WEBHOOK_URL when one of its runs fails.",
    )
    def backfill_failed_alert(context: dg.RunFailureSensorContext, alert_webhook: AlertWebhook):
        # A failed run fails its backfill (what reads its partitions will not run): say so now.
        backfill_id = context.dagster_run.tags.get(BACKFILL_TAG)
        if backfill_id:
            alert_webhook.post(backfill_message(context.instance, backfill_id))

    return [backfill_finished_alert, backfill_failed_alert]


backfill_alert_sensors = build_alert_sensors()
