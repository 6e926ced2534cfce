"""Reminder recipients and closure days set in the app reach the sweep: who is told, and when."""

from __future__ import annotations

import datetime as dt
import html

from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.cases import incidents
from cspr.db.tenancy import across_partnerships
from cspr.deadlines import reminders
from cspr.deadlines.models import Deadline, Reminder
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import settings
from cspr.plugins import PluginRegistry
from tests.api_kit import make_member
from tests.cases.test_lifecycle import make_ctx
from tests.deadlines.test_reminders import AWARE, DUE, case, outbox_rows, relay, sweep  # noqa: F401
from tests.plugin_kit import plugin_with
from tests.web_kit import csrf_of, signed_in

D = dt.date


def test_hook_cspr_reminder_recipients():
    chosen = PluginRegistry(
        extra=[
            (
                "riverside",
                plugin_with(cspr_reminder_recipients=lambda: ["admin", "chair", "@riverside.example.org"]),
            )
        ]
    ).load()
    assert chosen.policy("riverside").reminder_recipients_allowed == [
        "admin",
        "chair",
        "@riverside.example.org",
    ]
    default = PluginRegistry(extra=[("riverside", plugin_with())]).load().policy("riverside")
    assert default.reminder_recipients_allowed == [
        "admin",
        "partner",
        "reviewer",
        "viewer",
        "chair",
        "contributor",
        "@riverside.example.org",
    ]
    wrong = PluginRegistry(
        extra=[("riverside", plugin_with(cspr_reminder_recipients=lambda: ["everyone"]))]
    ).load()
    assert "riverside" not in wrong.policies
    assert "unknown recipients ['everyone']" in wrong.errors[0].reason


def test_reminders_go_to_the_recipients_an_admin_chose_until_reset(app, case, client, mailbox):  # noqa: F811
    make_member(app, "doncaster", Role.VIEWER)
    admin = signed_in(app, client, "doncaster", Role.ADMIN, email="head@doncaster.example.org")
    form = html.unescape(admin.get("/app/doncaster/settings/reminder-recipients").get_data(as_text=True))
    assert (
        "upcoming: admin\ndue: admin, partner\noverdue: admin, partner\nescalated: admin, partner, chair"
        in form
    )
    refused = admin.submit(
        "/app/doncaster/settings/reminder-recipients",
        {"reminder_recipients": "due: admin, someone@elsewhere.example.com"},
    )
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert (
        "Line 1 (due): someone@elsewhere.example.com cannot receive reminders here; choose from admin, "
        "partner, reviewer, viewer, chair, contributor, or an address at doncaster.gov.uk"
    ) in text
    refused = admin.submit(
        "/app/doncaster/settings/reminder-recipients", {"reminder_recipients": "soon: admin"}
    )
    assert (
        "Line 1: “soon” is not a stage of the reminders; use upcoming, due, overdue, escalated"
        in html.unescape(refused.get_data(as_text=True))
    )
    saved = admin.submit(
        "/app/doncaster/settings/reminder-recipients",
        {"reminder_recipients": "due: viewer, Team.Lead@doncaster.gov.uk"},
        follow=True,
    )
    listed = html.unescape(saved.get_data(as_text=True))
    assert "Reminder recipients saved." in listed and "due: viewer, team.lead@doncaster.gov.uk" in listed
    assert "Changed by" in listed

    sweep(app, DUE)
    assert relay(app).sent == 2
    told = sorted(m["To"] for m in mailbox.wait_for(2))
    assert told == ["team.lead@doncaster.gov.uk", "viewer@doncaster.example.org"]  # not the partner any more

    page = client.get("/app/doncaster/settings").get_data(as_text=True)
    client.post(
        "/app/doncaster/settings/reset", data={"csrf_token": csrf_of(page), "setting": "reminder_recipients"}
    )
    sweep(app, D(2026, 3, 11))  # the overdue stage, to the plugin's recipients again
    relay(app)
    later = sorted(m["To"] for m in mailbox.wait_for(5)[2:])
    assert later == [
        "admin@doncaster.example.org",
        "head@doncaster.example.org",
        "partner@doncaster.example.org",
    ]


def _local_target(statutory):
    statutory["partners_briefed"] = {
        "label": "Brief the safeguarding partners",
        "anchor": "aware",
        "period": 5,
        "unit": "working_days",
        "direction": "within",
        "statutory": False,
        "met_by": "notification",
    }
    return statutory


def _schedule(kind):
    if kind == "partners_briefed":
        return [
            {"key": "two-days", "offset": -2, "recipients": ["team@riverside.example.org"]},
            {"key": "due", "offset": 0, "recipients": ["team@riverside.example.org"]},
        ]
    return None


def test_a_closure_day_added_in_the_app_moves_a_local_target_and_its_reminders_and_no_statutory_deadline(
    session,
):
    registry = PluginRegistry(
        extra=[
            ("riverside", plugin_with(cspr_deadline_rules=_local_target, cspr_reminder_schedule=_schedule))
        ]
    ).load()
    ctx = make_ctx(session, registry.policy("riverside"), today=D(2026, 12, 21))
    incident = incidents.record(
        ctx,
        pseudonym="Child S",
        la_case_reference="LA-5",
        la_area="Riverside",
        age_band="1_4",
        harm="serious_harm",
        incident_on=D(2026, 12, 21),
        aware_on=D(2026, 12, 21),
    )

    def due(kind):
        return (
            session.scalars(
                select(Deadline).where(Deadline.incident_id == incident.id, Deadline.kind == kind)
            )
            .one()
            .due_on
        )

    # bank holidays: Friday 25 and Monday 28 December, Friday 1 January
    assert (due("notify_panel"), due("partners_briefed")) == (D(2026, 12, 30), D(2026, 12, 30))
    settings.change(ctx, "closure_days", "2026-12-29\n2026-12-30\n2026-12-31")
    assert due("notify_panel") == D(2026, 12, 30)  # the law counts bank holidays alone
    assert due("partners_briefed") == D(2027, 1, 5)  # the office's own target skips its closure
    moved = session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline.recomputed")).one()
    assert moved.detail["reason"] == "closure days changed" and moved.detail["now"] == "2027-01-05"
    session.flush()

    # two working days before 5 January by the office's calendar is Thursday 24 December
    # (by the plugin's alone it would be Thursday 31 December)
    with across_partnerships(session, "test"):
        result = reminders.sweep_across(session, registry, D(2026, 12, 24), "https://cspr.example.org")
        stages = {
            (session.get(Deadline, r.deadline_id).kind, r.stage) for r in session.scalars(select(Reminder))
        }
        bodies = [m.body for m in session.scalars(select(OutboxMessage)) if "Brief the" in m.body]
    assert ("partners_briefed", "two-days") in stages and result.reminders >= 1
    assert any("It is due on 5 January 2027, in 2 working days." in b for b in bodies)
    assert ("notify_panel", "upcoming") in stages  # 3 working days before 30 December: the 23rd

    settings.reset(ctx, "closure_days")
    assert due("partners_briefed") == D(2026, 12, 30)  # back to the plugin's calendar
