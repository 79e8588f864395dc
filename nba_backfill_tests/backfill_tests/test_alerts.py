"""A backfill's end reaches the people who wait: a Slack-compatible webhook (a local HTTP server)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import PartitionBackfill

from nba_backfill.alerts import AlertWebhook, backfill_alert_sensors
from nba_backfill_tests.conftest import free_port

FAILED, FINISHED = "backfill_failed_alert", "backfill_finished_alert"


class Webhook:
    def __init__(self, status: int = 200):
        self.received: list[dict] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *_):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T0/B0"

    def texts(self) -> list[str]:
        return [m["text"] for m in self.received]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_a_command_line_backfill_that_failed_says_what_and_how_to_resume(nba, webhook, monkeypatch):
    monkeypatch.setenv("NBA_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("NBA_SIM_OUTAGES", "nbac:2024-10-24")
    code, _ = nba("run", "--start-date", "2024-10-22", "--end-date", "2024-10-24")
    assert code == 1
    (text,) = webhook.texts()
    # 10-24's schedule never arrived, so it is not counted as a game date yet; it is named as failed.
    assert text.startswith("nba-backfill 2024-10-22 .. 2024-10-24: NOT finished, 2 of 2 game dates complete")
    assert "failed: 2024-10-24: scraped/nbac_schedule" in text and "simulated outage" in text
    assert text.endswith("resume with: nba-backfill run --start-date 2024-10-22 --end-date 2024-10-24")


def test_a_webhook_that_refuses_leaves_the_outcome_and_says_so(nba, webhook, monkeypatch):
    webhook.status = 500
    monkeypatch.setenv("NBA_ALERT_WEBHOOK_URL", webhook.url)
    code, _ = nba("run", "--start-date", "2024-10-15", "--end-date", "2024-10-15")  # a quiet day: quick
    assert code == 0 and len(webhook.received) == 1
    assert "the alert was not sent (HTTPError)" in nba.err and webhook.url not in nba.err


def test_no_webhook_configured_sends_nothing(nba, webhook, monkeypatch):
    monkeypatch.delenv("NBA_ALERT_WEBHOOK_URL", raising=False)
    assert nba("run", "--start-date", "2024-10-15", "--end-date", "2024-10-15")[0] == 0
    assert webhook.received == []


DAYS = dg.DailyPartitionsDefinition("2024-10-01")


@dg.asset(partitions_def=DAYS)
def flaky(context) -> None:
    if context.partition_key == "2024-10-03":
        raise ValueError("box score feed returned HTTP 503")


def _add_backfill(instance: dg.DagsterInstance, backfill_id: str, days: list[str]) -> None:
    target = AssetGraphSubset(partitions_subsets_by_asset_key={flaky.key: DAYS.subset_with_partition_keys(days)})
    instance.add_backfill(
        PartitionBackfill.from_asset_graph_subset(
            backfill_id=backfill_id,
            backfill_timestamp=time.time(),
            tags={},
            dynamic_partitions_store=instance,
            asset_graph_subset=target,
            title=None,
            description=None,
            run_config=None,
        )
    )


def _backfill_run(instance: dg.DagsterInstance, backfill_id: str, day: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [flaky], partition_key=day, instance=instance, raise_on_error=False, tags={"dagster/backfill": backfill_id}
    )


def _evaluate(name: str, result: dg.ExecuteInProcessResult, instance, url: str) -> None:
    event = result.get_run_success_event() if result.success else result.get_run_failure_event()
    context = dg.build_run_status_sensor_context(
        sensor_name=name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"alert_webhook": AlertWebhook(url=url)},
    )
    sensor = next(s for s in backfill_alert_sensors if s.name == name)
    sensor(context.for_run_failure() if name == FAILED else context)


def test_a_failed_run_of_a_backfill_alerts_with_its_error_and_the_resume_command(instance, webhook):
    _add_backfill(instance, "abcd1234", ["2024-10-02", "2024-10-03"])
    _evaluate(FINISHED, _backfill_run(instance, "abcd1234", "2024-10-02"), instance, webhook.url)
    assert webhook.received == []  # 10-03 is still to run: the backfill has not finished
    _evaluate(FAILED, _backfill_run(instance, "abcd1234", "2024-10-03"), instance, webhook.url)
    (text,) = webhook.texts()
    assert text.startswith("backfill abcd1234 over 2024-10-02 .. 2024-10-03: FAILED, 1 of 2 runs succeeded")
    assert "failed: 2024-10-03 .. 2024-10-03: flaky: " in text and "box score feed returned HTTP 503" in text
    assert text.endswith("resume with: nba-backfill run --submit --start-date 2024-10-02 --end-date 2024-10-03")


def test_the_last_run_of_a_backfill_alerts_that_it_finished(instance, webhook):
    _add_backfill(instance, "efgh5678", ["2024-10-04", "2024-10-05"])
    _evaluate(FINISHED, _backfill_run(instance, "efgh5678", "2024-10-04"), instance, webhook.url)
    assert webhook.received == []
    _evaluate(FINISHED, _backfill_run(instance, "efgh5678", "2024-10-05"), instance, webhook.url)
    assert webhook.texts() == ["backfill efgh5678 over 2024-10-04 .. 2024-10-05: finished, 2 of 2 runs succeeded"]


def test_a_run_outside_any_backfill_alerts_nobody(instance, webhook):
    _evaluate(FINISHED, dg.materialize([flaky], partition_key="2024-10-02", instance=instance), instance, webhook.url)
    assert webhook.received == []
