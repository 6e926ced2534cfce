"""Reminders and the outbox, in-process on PostgreSQL: once per stage, delivered once by SMTP."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import redis
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines.models import Reminder
from cspr.deadlines.tasks import run_sweep
from cspr.messaging import relay as outbox_service
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from cspr.tasks import clock
from tests.api_kit import make_member
from tests.conftest import REDIS_URL

AWARE = dt.date(2026, 3, 3)  # notify the Panel by 10 March 2026
DUE = dt.date(2026, 3, 10)


@pytest.fixture
def case(app):
    make_member(app, "doncaster", Role.ADMIN)
    make_member(app, "doncaster", Role.PARTNER)
    make_member(app, "york", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            return incidents.record(ctx, pseudonym="Child R", la_case_reference="LA-9", la_area="Doncaster",
                                    age_band="1_4", harm="serious_harm", incident_on=AWARE, aware_on=AWARE).id


def sweep(app, today):
    with app.app_context(), get_db().sessionmaker() as session:
        return run_sweep(session, today)


def outbox_rows(app):
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            return [(m.recipient, m.subject, m.body, m.status) for m in
                    session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def reminders(app):
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            return sorted((r.stage, r.superseded) for r in session.scalars(select(Reminder)))


def relay(app, now=None):
    from cspr.messaging.tasks import channel_for

    with app.app_context(), get_db().sessionmaker() as session:
        return outbox_service.relay(session, channel_for, app.config, now=now)


def test_each_stage_is_reminded_once_to_its_recipients(app, case):
    assert sweep(app, dt.date(2026, 3, 4)).reminders == 0  # too early
    first = sweep(app, dt.date(2026, 3, 5))  # 3 working days before the 10th
    assert (first.reminders, first.messages) == (1, 1)
    assert sweep(app, dt.date(2026, 3, 5)).reminders == 0  # a re-run sends nothing
    assert sweep(app, dt.date(2026, 3, 6)).reminders == 0
    due = sweep(app, DUE)
    assert (due.reminders, due.messages) == (1, 2)  # admin and partner on the day
    rows = outbox_rows(app)
    assert [r[0] for r in rows] == ["admin@doncaster.example.org", "admin@doncaster.example.org",
                                    "partner@doncaster.example.org"]
    assert all("york" not in r[0] for r in rows)  # another partnership's members are not told
    assert reminders(app) == [("due", False), ("upcoming", False)]


def test_a_message_names_the_case_only_by_pseudonym_and_reference(app, case):
    sweep(app, dt.date(2026, 3, 12))
    (recipient, subject, body, _), *_ = outbox_rows(app)
    assert subject == "Overdue: Notify the Child Safeguarding Practice Review Panel – Child R (DSCP-2026-001)"
    assert "It was due on 10 March 2026 and is 2 working days late." in body  # a plural spelt out
    assert "http://127.0.0.1:5000/app/doncaster/incidents/" in body
    assert "LA-9" not in body  # not even the council's own case reference


def test_a_sweep_after_downtime_sends_only_the_latest_stage(app, case):
    result = sweep(app, dt.date(2026, 3, 17))  # 5 working days overdue, nothing sent before
    assert (result.reminders, result.superseded) == (1, 3)
    assert reminders(app) == [("due", True), ("escalated", False), ("overdue", True), ("upcoming", True)]
    recipients = {r[0] for r in outbox_rows(app)}
    chair = app.extensions["cspr.plugins"].policy("doncaster").identity["contact"]["email"]
    assert recipients == {"admin@doncaster.example.org", "partner@doncaster.example.org", chair}


@pytest.mark.commits
def test_two_sweeps_at_the_same_moment_record_each_reminder_once(app, case):
    barrier = threading.Barrier(2)
    results = []

    def run():
        with app.app_context(), get_db().sessionmaker() as session:
            barrier.wait()
            results.append(run_sweep(session, DUE))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.reminders for r in results) == [0, 1]
    assert len(outbox_rows(app)) == 2


def test_the_relay_task_is_sent_only_after_the_commit(app, case):
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete("outbox")
    with app.app_context(), get_db().sessionmaker() as session:
        from cspr.deadlines import reminders as reminder_service
        from cspr.tasks.after_commit import send_after_commit

        result = reminder_service.sweep(session, app.extensions["cspr.plugins"], DUE, "http://x")
        send_after_commit(session, "cspr.tasks.outbox.relay")
        session.rollback()
    assert result.messages == 2
    assert outbox_rows(app) == [] and reminders(app) == []
    assert broker.llen("outbox") == 0  # nothing was sent for the rolled-back sweep
    sweep(app, DUE)
    assert broker.llen("outbox") == 1  # the committed one asked for a relay
    broker.delete("outbox")


def test_the_relay_delivers_each_message_once_by_smtp(app, case, mailbox):
    sweep(app, DUE)
    result = relay(app)
    assert (result.claimed, result.sent) == (2, 2)
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["admin@doncaster.example.org", "partner@doncaster.example.org"]
    assert all(m["Message-ID"].endswith("@cspr.outbox>") for m in messages)
    assert relay(app).claimed == 0
    assert len(mailbox.messages) == 2
    assert {r[3] for r in outbox_rows(app)} == {OutboxStatus.SENT}


def test_a_refusing_server_is_retried_with_backoff_and_delivered_once(app, case, mailbox):
    app.config["OUTBOX_BACKOFF"] = 60
    sweep(app, DUE)
    mailbox.refuse = 3
    first = relay(app)
    assert (first.sent, first.retrying) == (0, 2)
    assert relay(app).claimed == 0  # not before their backoff
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    second = relay(app, now=later)
    assert (second.sent, second.retrying) == (1, 1)
    third = relay(app, now=later + dt.timedelta(minutes=5))
    assert third.sent == 1
    assert sorted(mailbox.keys()) == sorted(set(mailbox.keys())) and len(mailbox.keys()) == 2


def test_a_message_refused_for_good_is_marked_failed_for_a_person(app, case, mailbox, client):
    sweep(app, DUE)
    mailbox.reject = True
    assert relay(app).failed == 2
    assert {r[3] for r in outbox_rows(app)} == {OutboxStatus.FAILED}
    health = client.get("/healthz").get_json()
    assert health["checks"]["outbox"]["failed"] == 2


def test_the_relay_takes_no_message_another_relay_holds(app, case, mailbox):
    sweep(app, DUE)
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            for m in session.scalars(select(OutboxMessage)):
                m.claimed_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
            session.commit()
    assert relay(app).claimed == 0
    assert relay(app, now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)).sent == 2  # the lease ran out


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])  # the clocks change in England
def test_daily_jobs_run_once_per_day_in_england_when_the_clocks_change(app, day):
    ran = []
    clock.DAILY_JOBS["test-job"] = lambda session, london_day: ran.append(london_day) or {}
    try:
        start = dt.datetime.fromisoformat(f"{day}T00:00:00+00:00") - dt.timedelta(hours=2)
        with app.app_context(), get_db().sessionmaker() as session:
            for quarter in range(4 * 30):  # every 15 minutes for 30 hours, in UTC
                clock.run_daily(session, now=start + dt.timedelta(minutes=15 * quarter))
    finally:
        del clock.DAILY_JOBS["test-job"]
    target = dt.date.fromisoformat(day)
    assert ran.count(target) == 1
    assert ran == sorted(set(ran))  # each English day once, in order
    from cspr.operations.models import DailyRun

    with app.app_context(), get_db().sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(DailyRun).where(
            DailyRun.day == target, DailyRun.name == "test-job")) == 1


def test_an_admin_sees_failed_messages_and_tries_again(app, case, mailbox, client):
    from tests.web_kit import Browser, csrf_of

    sweep(app, DUE)
    mailbox.reject = True
    relay(app)
    browser = Browser(client)
    browser.sign_in("admin@doncaster.example.org")
    page = browser.get("/app/doncaster/messages").get_data(as_text=True)
    assert "partner@doncaster.example.org" in page and "550" in page
    assert "E-mail is not being sent" not in page  # a mail server is set: the failures are the news
    york = Browser(app.test_client())
    york.sign_in("admin@york.example.org")
    assert "doncaster.example.org" not in york.get("/app/york/messages").get_data(as_text=True)
    import re

    first = re.search(r"/app/doncaster/messages/(\d+)/retry", page).group(1)
    assert york.client.post(f"/app/york/messages/{first}/retry",
                            data={"csrf_token": csrf_of(york.get("/sign-in").get_data(as_text=True))}).status_code == 404
    browser.client.post(f"/app/doncaster/messages/{first}/retry", data={"csrf_token": csrf_of(page)})
    mailbox.reject = False
    assert relay(app).sent == 1
    assert len(mailbox.wait_for(1)) == 1


def test_the_messages_page_says_plainly_when_no_mail_server_sends_anything(app, client, monkeypatch):
    from tests.web_kit import signed_in

    browser = signed_in(app, client, "doncaster", Role.ADMIN, "messages-admin@doncaster.example.org")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    page = browser.get("/app/doncaster/messages").get_data(as_text=True)
    assert "E-mail is not being sent" in page and "CSPR_MAIL_SERVER" in page
    assert "none has been delivered either" in page and "has been delivered." not in page
    monkeypatch.setitem(app.config, "MAIL_EXAMPLE_DOMAINS_ONLY", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    page = browser.get("/app/doncaster/messages").get_data(as_text=True)
    assert "E-mail is not being sent" not in page and "sends e-mail only to addresses at example domains" in page
    assert "every message sent so far has been delivered" in page


NOTIFY_TEMPLATE = "4f1c0c6e-8c1e-4b8e-9d4e-2f6a3b1c9e77"
NOTIFY_KEY = "cspr_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"  # test-only: a made-up key for the local stub, not a secret


@pytest.fixture
def notify_app(pg_url, app_pg_url, tmp_path, smtp_server):
    from cspr import create_app
    from tests.conftest import truncate_all
    from tests.notify_stub import NotifyStub
    from tests.plugin_kit import plugin_with

    stub = NotifyStub()
    plugin = plugin_with(cspr_notification_channel=lambda: {"channel": "notify",
                                                            "template_id": NOTIFY_TEMPLATE})
    application = create_app({
        "DATABASE_URL": app_pg_url, "BROKER_URL": REDIS_URL, "INSTANCE_PATH": str(tmp_path / "i"),
        "EXTRA_PLUGINS": [("riverside", plugin)], "NOTIFY_BASE_URL": stub.url,
        "NOTIFY_API_KEY_RIVERSIDE": NOTIFY_KEY, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[1],
    })
    try:
        yield application, stub
    finally:
        stub.stop()
        application.extensions["cspr.db"].engine.dispose()
        truncate_all(pg_url)


def riverside_case(app):
    make_member(app, "riverside", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "riverside")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("riverside"), actor="test")
            incidents.record(ctx, pseudonym="Child N", la_case_reference="LA-N", la_area="Riverside",
                             age_band="1_4", harm="serious_harm", incident_on=AWARE, aware_on=AWARE)


def test_hook_cspr_notification_channel(notify_app, mailbox):
    app, stub = notify_app
    assert app.extensions["cspr.plugins"].policy("riverside").channel["channel"] == "notify"
    assert app.extensions["cspr.plugins"].policy("doncaster").channel == {"channel": "email",
                                                                          "template_id": None}
    riverside_case(app)
    sweep(app, DUE)
    assert relay(app).sent == 1
    (call,) = stub.received
    assert call["path"] == "/v2/notifications/email" and call["auth"].startswith("Bearer ")
    assert call["body"]["template_id"] == NOTIFY_TEMPLATE
    assert call["body"]["email_address"] == "admin@riverside.example.org"
    assert call["body"]["reference"].startswith("reminder-")
    assert "Child N" in call["body"]["personalisation"]["subject"]
    assert mailbox.wait_for(1, timeout=0.5) == []  # not by SMTP


def test_notify_refusing_a_message_for_good_marks_it_failed(notify_app):
    app, stub = notify_app
    riverside_case(app)
    sweep(app, DUE)
    stub.fail_with = 400
    assert relay(app).failed == 1
    stub.fail_with = 500
    assert {r[3] for r in outbox_rows(app)} == {OutboxStatus.FAILED}


def test_a_notify_plugin_without_a_template_is_refused():
    from cspr.plugins import PluginRegistry
    from tests.plugin_kit import plugin_with

    reg = PluginRegistry(extra=[("riverside", plugin_with(
        cspr_notification_channel=lambda: {"channel": "notify"}))]).load()
    assert "needs the template_id" in reg.errors[0].reason


def test_without_a_mail_server_development_logs_and_production_refuses(app, case, caplog):
    import logging

    app.config["MAIL_SERVER"] = ""
    sweep(app, DUE)
    app.config["ENV"] = "production"
    assert relay(app).retrying == 2  # production: no server is a delivery failure, retried
    app.config["ENV"] = "development"
    with caplog.at_level(logging.INFO, logger="cspr.messaging.relay"):
        result = relay(app, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert result.sent == 2 and "mail not sent (no CSPR_MAIL_SERVER)" in caplog.text
