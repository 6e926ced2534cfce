"""Information requests with real processes: `cspr worker` and `cspr beat` on a real Redis deliver the
request e-mails, the reminder, the chaser and the escalation to the right people by real SMTP."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships
from cspr.deadlines.models import Deadline
from cspr.returns.models import InformationRequest
from cspr.services.context import london_today
from tests.api_kit import Api, make_member
from tests.worker_kit import broker, procs, wait_for  # noqa: F401 (fixtures: the Redis, the processes)

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # a real worker and beat, in processes of their own

SLUG = "doncaster"
ASKED = "Your agency's involvement with Child W's family, and your view of what happened."
PEOPLE = {"sy-police": "returns@police.example.org", "schools": "returns@schools.example.org",
          "dbth": "returns@dbth.example.org"}


def subject(message) -> str:
    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def due_back(app, request_id: int, due_on: dt.date) -> None:
    """As if the request had been sent earlier: it (and its deadline) fell due on ``due_on``."""
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            session.get(InformationRequest, request_id).due_on = due_on
            session.scalar(select(Deadline).where(
                Deadline.subject == f"information_request:{request_id}")).due_on = due_on
            session.commit()


def test_the_worker_emails_each_agency_its_request_then_reminds_chases_and_escalates(
        app, client, procs, mailbox):  # noqa: F811
    admin = Api(client, make_member(app, SLUG, Role.ADMIN, "admin@doncaster.example.org"))
    for agency, email in PEOPLE.items():
        make_member(app, SLUG, Role.CONTRIBUTOR, email, agency)
    today = london_today()
    incident = admin.post("/incidents", {
        "pseudonym": "Child W", "la_case_reference": "LA-W1", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=3)).isoformat(),
        "aware_on": (today - dt.timedelta(days=2)).isoformat()}).get_json()["id"]
    ids = {agency: admin.post(f"/incidents/{incident}/information-requests",
                              {"agency": agency, "asked": ASKED}).get_json()["id"] for agency in PEOPLE}
    cal = app.extensions["cspr.plugins"].policy(SLUG).calendar
    due_back(app, ids["sy-police"], cal.add(today, -3))  # three working days late: escalated
    due_back(app, ids["schools"], cal.add(today, -1))  # a working day late: chased
    due_back(app, ids["dbth"], cal.add(today, 2))  # due in two working days: reminded

    procs.start("worker", "--concurrency", "1")
    procs.start("beat")

    def ours():
        return [(m["To"], subject(m)) for m in list(mailbox.messages) if "Information request" in subject(m)]

    assert wait_for(lambda: len(ours()) >= 7, timeout=90), "\n".join(map(str, ours()))
    got = ours()
    requested = sorted(to for to, s in got if s.startswith("Information request from"))
    assert requested == sorted(PEOPLE.values())  # each agency's contributor gets its own request
    assert all("Child W" in s for _, s in got)
    reminders = sorted((to, s.split(":")[0]) for to, s in got if not s.startswith("Information request from"))
    assert reminders == sorted([
        ("admin@doncaster.example.org", "Return overdue"),  # the escalation reaches the admins
        ("returns@police.example.org", "Return overdue"),
        ("returns@schools.example.org", "Return overdue"),  # the chaser: the contributor only
        ("returns@dbth.example.org", "Coming up"),
    ])
    escalation = [s for to, s in got if to == "admin@doncaster.example.org"]
    assert escalation == ["Return overdue: Information request to South Yorkshire Police – Child W (" +
                          escalation[0].split(" (", 1)[1]]
    # once each: later sweeps send nothing more
    wait_for(lambda: False, timeout=5)
    assert len(ours()) == len(got)
