"""Metrics across real processes: a Celery worker's and gunicorn's workers' counters, added up at /metrics;
Flower started against the broker, listing the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.mailbox import free_port
from tests.worker_kit import broker, procs, seed, wait_for  # noqa: F401 - fixtures

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # commits: real processes read the database

TOKEN = "a-long-random-scrape-token-for-the-tests"


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_celery_workers_counters_reach_the_web_apps_metrics(app, procs, broker, mailbox, tmp_path,  # noqa: F811
                                                              monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    procs.env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    expected = seed(app, 2)
    procs.start("worker", "--concurrency", "2")  # prefork: the tasks run in child processes
    assert wait_for(lambda: len(mailbox.messages) >= expected), procs.logs
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))  # the web app reads the same folder
    app.config.update(METRICS_TOKEN=TOKEN, BROKER_URL=broker.url)
    client = app.test_client()

    def scraped() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return parse(response.get_data(as_text=True))

    sent = ("cspr_messages_sent_total", frozenset({"channel": "email", "kind": "reminder"}.items()))
    assert wait_for(lambda: scraped().get(sent) == expected, timeout=20), scraped().get(sent)
    values = scraped()
    assert values[("cspr_sweep_duration_seconds_count", frozenset())] >= 1
    assert values[("cspr_sweep_rows_total", frozenset({"what": "messages"}.items()))] == expected
    assert values[("cspr_outbox_pending_messages", frozenset())] == 0
    assert values[("cspr_broker_up", frozenset())] == 1
    assert any(name.startswith("counter_") for name in os.listdir(folder))


def test_gunicorns_workers_are_added_up_even_after_they_exit(app_pg_url, pg_url, tmp_path):
    folder = tmp_path / "metrics"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_DATABASE_URL=app_pg_url, CSPR_INSTANCE_PATH=str(tmp_path / "instance"),
               CSPR_METRICS_TOKEN=TOKEN, CSPR_LOG_LEVEL="WARNING", PROMETHEUS_MULTIPROC_DIR=str(folder))
    log = open(tmp_path / "gunicorn.log", "w")
    # Each worker exits after 5 requests: 20 requests are answered by at least four processes.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:cspr.operations.gunicorn_hooks", "--workers", "2",
         "--max-requests", "5", "--bind", f"127.0.0.1:{port}", "cspr.wsgi:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            try:
                return requests.get(f"{base}/assets/images/favicon.svg", timeout=30).status_code == 200
            except requests.RequestException:
                return False

        assert wait_for(up, timeout=60), (tmp_path / "gunicorn.log").read_text()
        for _ in range(19):
            # a worker past its fifth request starts again: allow for its start on a busy machine
            assert requests.get(f"{base}/assets/images/favicon.svg", timeout=60).status_code == 200
        key = ("cspr_http_request_duration_seconds_count",
               frozenset({"endpoint": "assets.asset", "method": "GET", "status": "2xx"}.items()))
        seen = set()
        for _ in range(4):  # whichever worker answers, it reports all twenty
            response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
            assert response.status_code == 200
            seen.add(parse(response.text)[key])
        assert seen == {20.0}
        assert requests.get(f"{base}/metrics", timeout=60).status_code == 401
        pids = {name.rsplit("_", 1)[1] for name in os.listdir(folder) if name.startswith("histogram_")}
        assert len(pids) >= 4, pids
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_flower_started_against_the_broker_lists_the_worker(app, procs, broker, tmp_path):  # noqa: F811 - app: emptied after the worker stops
    procs.start("worker", "--concurrency", "1")
    port = free_port()
    log = open(tmp_path / "flower.log", "w")
    # As docs/operations.md runs it: against the broker, on loopback, behind a password.
    flower = subprocess.Popen(
        [sys.executable, "-m", "celery", "--broker", broker.url, "flower", "--address=127.0.0.1",
         f"--port={port}", "--basic-auth=ops:a-long-flower-password"],
        env=procs.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    auth = ("ops", "a-long-flower-password")
    try:
        def workers() -> dict:
            try:
                response = requests.get(f"{base}/api/workers", params={"refresh": "1"}, auth=auth, timeout=10)
            except requests.ConnectionError:
                return {}
            return response.json() if response.status_code == 200 else {}

        assert wait_for(lambda: any(name.startswith("celery@") for name in workers()), timeout=90, every=1), \
            (tmp_path / "flower.log").read_text()
        name, info = next((n, i) for n, i in workers().items() if n.startswith("celery@"))
        queues = {q["name"] for q in info.get("active_queues", [])}
        assert {"clock", "outbox", "archive"} <= queues, info.keys()
        assert requests.get(f"{base}/api/workers", timeout=10).status_code == 401  # no password: refused
    finally:
        os.killpg(flower.pid, signal.SIGTERM)
        try:
            flower.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(flower.pid, signal.SIGKILL)
