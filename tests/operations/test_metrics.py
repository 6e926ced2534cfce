"""/metrics: refused without the token, and its values move when the thing they count happens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.tasks import run_sweep
from cspr.messaging.models import OutboxMessage
from cspr.messaging.tasks import run_relay
from cspr.operations.models import JobRun
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.api_kit import make_member

TOKEN = "a-long-random-scrape-token-for-the-tests"
AWARE = dt.date(2026, 3, 3)  # notify the Panel by 10 March 2026
DUE = dt.date(2026, 3, 10)


@pytest.fixture
def scraping(app):
    app.config["METRICS_TOKEN"] = TOKEN
    return app


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return values


def value(values, name: str, **labels: str) -> float:
    return values.get((name, frozenset(labels.items())), 0.0)


def case_due(app) -> None:
    make_member(app, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.PARTNER)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            incidents.record(ctx, pseudonym="Child M", la_case_reference="LA-77", la_area="Doncaster",
                             age_band="1_4", harm="serious_harm", incident_on=AWARE, aware_on=AWARE)


def sweep_and_relay(app) -> None:
    with app.app_context(), get_db().sessionmaker() as session:
        run_sweep(session, DUE)  # the day it is due: admin and partner are told
    with app.app_context():
        run_relay()


def test_metrics_are_off_until_a_token_is_set(app, client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_a_scrape_without_the_token_or_with_another_is_refused(scraping, client):
    bare = client.get("/metrics")
    assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"cspr_" not in bare.data
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer \u00e9\u00e9"}).status_code == 401


def test_a_reminder_sent_increments_the_sent_counter(scraping, client, mailbox):
    case_due(scraping)
    before = scrape(client)
    sweep_and_relay(scraping)
    after = scrape(client)
    assert len(mailbox.messages) == 2
    sent = "cspr_messages_sent_total"
    assert value(after, sent, channel="email", kind="reminder") - value(
        before, sent, channel="email", kind="reminder") == 2
    # the sweep: one more run timed, its rows counted
    assert value(after, "cspr_sweep_duration_seconds_count") - value(
        before, "cspr_sweep_duration_seconds_count") == 1
    assert value(after, "cspr_sweep_rows_total", what="reminders") - value(
        before, "cspr_sweep_rows_total", what="reminders") == 1
    assert value(after, "cspr_sweep_rows_total", what="messages") - value(
        before, "cspr_sweep_rows_total", what="messages") == 2
    assert value(after, "cspr_outbox_pending_messages") == 0


def test_a_failing_delivery_increments_the_failed_counter(scraping, client, mailbox):
    case_due(scraping)
    mailbox.reject = True  # 550: failed for good
    before = scrape(client)
    sweep_and_relay(scraping)
    after = scrape(client)
    failed = "cspr_messages_failed_total"
    labels = {"channel": "email", "kind": "reminder", "outcome": "failed"}
    assert value(after, failed, **labels) - value(before, failed, **labels) == 2
    assert value(after, "cspr_outbox_failed_messages") == 2
    mailbox.reject, mailbox.refuse = False, 0


def test_a_refused_delivery_to_retry_is_counted_as_retrying(scraping, client, mailbox):
    case_due(scraping)
    mailbox.refuse = 5  # 451: try again later
    before = scrape(client)
    sweep_and_relay(scraping)
    after = scrape(client)
    labels = {"channel": "email", "kind": "reminder", "outcome": "retrying"}
    assert value(after, "cspr_messages_failed_total", **labels) - value(
        before, "cspr_messages_failed_total", **labels) == 2
    assert value(after, "cspr_outbox_pending_messages") == 2
    mailbox.refuse = 0


def test_a_pending_message_shows_in_the_backlog_with_its_age(scraping, client):
    make_member(scraping, "york", Role.ADMIN)
    empty = scrape(client)
    assert value(empty, "cspr_outbox_pending_messages") == 0
    assert value(empty, "cspr_outbox_oldest_pending_age_seconds") == 0
    with scraping.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "york")
        with acting_for(session, row.id):
            session.add(OutboxMessage(idempotency_key="waiting", recipient="a@b.example", subject="Child Z",
                                      body="b", created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)))
    values = scrape(client)
    assert value(values, "cspr_outbox_pending_messages") == 1
    assert 40 * 60 <= value(values, "cspr_outbox_oldest_pending_age_seconds") < 45 * 60
    assert value(values, "cspr_database_up") == 1


def test_the_heartbeats_age_and_each_jobs_last_run(scraping, client):
    assert ("cspr_heartbeat_age_seconds", frozenset()) not in scrape(client)  # never beaten: absent
    beat = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with scraping.app_context(), get_db().session_scope() as session:
        session.add(JobRun(name="heartbeat", last_run_at=beat, runs=1, detail={}))
    values = scrape(client)
    assert 300 <= value(values, "cspr_heartbeat_age_seconds") < 360
    assert value(values, "cspr_job_last_run_timestamp_seconds", job="heartbeat") == pytest.approx(
        beat.timestamp(), abs=1)


def test_queue_depths_come_from_the_broker(scraping, client, tmp_path):
    from tests.worker_kit import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        scraping.config["BROKER_URL"] = server.url
        assert value(scrape(client), "cspr_queue_length", queue="archive") == 0
        sender = Celery(broker=server.url)
        for _ in range(3):
            sender.send_task("cspr.tasks.archive.nothing", queue="archive")
        sender.send_task("cspr.tasks.clock.nothing", queue="clock")
        sender.close()
        values = scrape(client)
        assert value(values, "cspr_queue_length", queue="archive") == 3
        assert value(values, "cspr_queue_length", queue="clock") == 1
        assert value(values, "cspr_queue_length", queue="outbox") == 0
        assert value(values, "cspr_broker_up") == 1
        server.stop()
        down = scrape(client)  # still answers, and says the broker did not
        assert value(down, "cspr_broker_up") == 0 and value(down, "cspr_database_up") == 1
    finally:
        server.stop()


def test_request_latency_is_labelled_by_endpoint_never_by_path(scraping, client):
    before = scrape(client)
    for name in ("favicon.svg", "favicon.ico", "no-such-file-1234.png"):
        client.get(f"/assets/images/{name}")
    client.get("/a/path/nobody/routes/9876")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = response.get_data(as_text=True)
    after = scrape(client)
    count = "cspr_http_request_duration_seconds_count"
    ok = {"endpoint": "assets.asset", "method": "GET", "status": "2xx"}
    missing = {"endpoint": "assets.asset", "method": "GET", "status": "4xx"}
    assert value(after, count, **ok) - value(before, count, **ok) == 2
    assert value(after, count, **missing) - value(before, count, **missing) == 1
    assert value(after, count, endpoint="unmatched", method="GET", status="4xx") >= 1
    labels = " ".join(re.findall(r"\{[^}]*\}", text))  # the label sets only: a value may hold any digits
    assert "favicon" not in labels and "9876" not in labels and "1234" not in labels


def test_no_case_content_or_partnership_detail_is_exposed(scraping, client, mailbox):
    case_due(scraping)
    sweep_and_relay(scraping)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    for secret in ("Child M", "LA-77", "Doncaster", "doncaster", "example.org"):
        assert secret not in text
    labels = set(re.findall(r'(\w+)="', text))
    assert labels <= {"channel", "kind", "outcome", "what", "endpoint", "method", "status", "le", "job",
                      "queue", "generation", "version", "implementation", "major", "minor", "patchlevel"}  # process metrics


def test_metrics_on_the_embedded_sqlite_default(tmp_path):
    from cspr import create_app
    from cspr.db import migrate
    from cspr.partnerships import demo

    embedded = create_app({"INSTANCE_PATH": str(tmp_path), "METRICS_TOKEN": TOKEN})
    with embedded.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session_scope() as session:
            demo.load(session, embedded.extensions["cspr.plugins"])
            row = partnerships.get(session, "plymouth")
            with acting_for(session, row.id):
                session.add(OutboxMessage(idempotency_key="embedded", recipient="a@b.example", subject="s",
                                          body="b", created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)))
    values = scrape(embedded.test_client())
    assert value(values, "cspr_database_up") == 1
    assert value(values, "cspr_outbox_pending_messages") == 1
    assert value(values, "cspr_outbox_oldest_pending_age_seconds") >= 180
    assert not any(name == "cspr_queue_length" for name, _ in values)  # no Redis lists to count
    embedded.extensions["cspr.db"].engine.dispose()
