"""Every date input has a plausible range, refused with the field's name in the staff forms and the API.

One case is driven from the incident to its archive and its action plan, through the forms and
through the API; before each step is taken, each of its dates is tried out of range (tomorrow,
2101, before the platform's floor for a past date; yesterday, more than 5 years ahead, 2101 for a
due date) and must be refused with the message naming the field; then the step is taken with a
date in range (today, the floor, or 5 years ahead: the boundaries) and must be accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.actions import services as actions
from cspr.actions.models import Action
from cspr.calendar import add_months
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews.models import Review
from cspr.services.context import Context, london_today
from cspr.services.dates import FLOOR, RULES, Kind
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

SLUG = "doncaster"


def today() -> dt.date:
    return london_today()


def in_five_years() -> dt.date:
    return add_months(today(), 60)


def out_of_range(fact: str) -> list[tuple[dt.date, str]]:
    """Dates the rule must refuse, each with the message expected."""
    rule = RULES[fact]
    ahead = f"{rule.label} must be within 5 years from today: on or before {in_five_years():%-d %B %Y}"
    if rule.kind == Kind.PAST:
        past = f"{rule.label} must be today or in the past"
        return [(today() + dt.timedelta(days=1), past), (dt.date(2101, 1, 1), past),
                (FLOOR - dt.timedelta(days=1), f"{rule.label} must be on or after 1 January 2000")]
    if rule.kind == Kind.PLANNED:
        return [(in_five_years() + dt.timedelta(days=1), ahead), (dt.date(2101, 1, 1), ahead),
                (FLOOR - dt.timedelta(days=1), f"{rule.label} must be on or after 1 January 2000")]
    before = f"{rule.label} must be today or in the future"
    return [(today() - dt.timedelta(days=1), before), (dt.date(2020, 1, 1), before),
            (in_five_years() + dt.timedelta(days=1), ahead), (dt.date(2101, 1, 1), ahead)]


@dataclass
class Step:
    """One step of the case: where the form and the API are, what they take, which dates to try."""

    name: str
    form: str  # path under /app/<slug>, with {iid}, {rid}, {rec}, {aid}
    api: str  # path under /api/v1/<slug>
    body: dict[str, Any]
    dates: dict[str, str]  # field -> fact of the date rules
    method: str = "post"
    api_only: dict[str, Any] = field(default_factory=dict)


def steps(partners: list[str], agency: str) -> list[Step]:
    t = today().isoformat()
    return [
        Step("incident", "/incidents/new", "/incidents",
             {"pseudonym": "Child K", "la_case_reference": "LA-77", "la_area": "Doncaster",
              "age_band": "1_4", "harm": "serious_harm", "incident_on": "2025-03-03",
              "aware_on": "2025-03-03"}, {"incident_on": "incident", "aware_on": "aware"}),
        Step("notification", "/incidents/{iid}/notification", "/incidents/{iid}/notification",
             {"sent_on": "2025-03-05"}, {"sent_on": "notification"}),
        Step("meeting", "/incidents/{iid}/meeting", "/incidents/{iid}/rapid-review/meeting",
             {"started_on": "2025-03-06", "meeting_on": "2025-03-18"},
             {"started_on": "rapid_review_started", "meeting_on": "rapid_review_meeting"}),
        Step("decision", "/incidents/{iid}/decision", "/incidents/{iid}/rapid-review/decision",
             {"decision": "local_cspr", "sent_to_panel_on": "2025-03-20", "rationale": "reg 11"},
             {"sent_to_panel_on": "rapid_review_sent"}),
        Step("panel response", "/incidents/{iid}/panel-response",
             "/incidents/{iid}/rapid-review/panel-response",
             {"response": "agrees", "received_on": "2025-04-02"}, {"received_on": "panel_response"}),
        Step("awareness corrected", "/incidents/{iid}/correct", "/incidents/{iid}",
             {"aware_on": "2025-03-03", "reason": "Checked against the LA's log"}, {"aware_on": "aware"},
             method="patch"),
        Step("notification corrected", "/incidents/{iid}/correct-notification", "/incidents/{iid}/notification",
             {"sent_on": "2025-03-05", "reason": "Checked against the Panel's receipt"},
             {"sent_on": "notification"}, method="patch"),
        Step("decision date corrected", "/reviews/{rid}/correct", "/reviews/{rid}",
             {"decided_on": "2025-03-20", "reason": "The minutes say so"}, {"decided_on": "decision"},
             method="patch"),
        Step("terms", "/reviews/{rid}/terms", "/reviews/{rid}/terms-of-reference",
             {"agreed_on": "2025-04-01"}, {"agreed_on": "terms_of_reference"}),
        Step("reviewer", "/reviews/{rid}/reviewer", "/reviews/{rid}/reviewer",
             {"reviewer_name": "An Independent Reviewer", "commissioned_on": "2025-04-08"},
             {"commissioned_on": "reviewer_commissioned"}),
        Step("draft", "/reviews/{rid}/draft", "/reviews/{rid}/drafts",
             {"received_on": "2025-06-02"}, {"received_on": "draft"}),
        Step("final report", "/reviews/{rid}/final-report", "/reviews/{rid}/final-report",
             {"agreed_by": partners, "agreed_on": "2025-07-01"}, {"agreed_on": "final_report_agreed"}),
        Step("planned publication", "/reviews/{rid}/publication-date", "/reviews/{rid}/planned-publication",
             {"planned_on": "2025-09-15"}, {"planned_on": "planned_publication"}),
        Step("report sent", "/reviews/{rid}/report-sent", "/reviews/{rid}/report-sent",
             {"sent_on": "2025-09-04"}, {"sent_on": "report_sent"}),
        Step("publication", "/reviews/{rid}/publish", "/reviews/{rid}/publication",
             {"published_on": "2025-09-15", "publication_form": "summary",
              "publication_note": "Criminal proceedings", "summary": "What the partners learned.",
              "signed_off_by": partners[0], "identifying_terms": "Jamie Smith"},
             {"published_on": "published"}),
        Step("archive", "/reviews/{rid}/archive", "/reviews/{rid}/archive",
             {"archived_on": t}, {"archived_on": "archived"}),
        Step("action", "/recommendations/{rec}/actions/new", "/recommendations/{rec}/actions",
             {"description": "Joint training", "owner_agency": agency, "due_on": t}, {"due_on": "action_due"}),
        Step("action moved", "", "/actions/{aid}", {"due_on": in_five_years().isoformat()},
             {"due_on": "action_due"}, method="patch"),
        Step("action complete", "/actions/{aid}/update", "/actions/{aid}",
             {"rag": "complete", "evidence": "Attendance records", "completed_on": t},
             {"completed_on": "action_completed"}, method="patch"),
        Step("assurance", "/actions/{aid}/assure", "/actions/{aid}/assurance",
             {"assured_on": t}, {"assured_on": "assured"}),
        Step("review started", "/reviews/new", "/reviews",
             {"kind": "thematic", "title": "Neglect in the early years", "decided_on": FLOOR.isoformat()},
             {"decided_on": "decision"}),
        Step("legacy review", "/reviews/legacy", "/reviews/legacy",
             {"kind": "scr", "title": "Child Old", "published_on": FLOOR.isoformat(),
              "publication_form": "full"}, {"published_on": "published"}),
        Step("incident at the floor", "/incidents/new", "/incidents",
             {"pseudonym": "Child F", "la_case_reference": "LA-78", "la_area": "Doncaster",
              "age_band": "1_4", "harm": "serious_harm", "incident_on": FLOOR.isoformat(),
              "aware_on": t}, {"incident_on": "incident", "aware_on": "aware"}),
    ]


class Through:
    """One interface: send a step's values, read a field's refusal, find the new record's ids."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.ids: dict[str, int] = {}

    def review_of(self, iid: int) -> int:
        with self.app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                return session.scalar(select(Review.id).where(Review.incident_id == iid))

    def recommendation(self, rid: int) -> int:
        with self.app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                ctx = Context(session, row, self.app.extensions["cspr.plugins"].policy(SLUG), actor="test")
                return actions.add_recommendation(ctx, session.get(Review, rid), text="Share sooner").id

    def action_of(self, rec: int) -> int:
        with self.app.app_context(), get_db().session_scope() as session:
            row = partnerships.get(session, SLUG)
            with acting_for(session, row.id):
                return session.scalar(select(Action.id).where(Action.recommendation_id == rec))


class ThroughApi(Through):
    def __init__(self, app: Any, client: Any) -> None:
        super().__init__(app)
        self.api = Api(client, make_member(app, SLUG, Role.ADMIN))

    def send(self, step: Step, body: dict[str, Any]) -> Any:
        path = step.api.format(**self.ids)
        return getattr(self.api, step.method)(path, json=body)

    def refusal(self, response: Any, name: str) -> str:
        assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
        return response.get_json()["errors"]["json"].get(name, "")

    def accepted(self, step: Step, response: Any) -> None:
        assert response.status_code in (200, 201), (step.name, response.get_data(as_text=True))
        body = response.get_json()
        if step.name == "incident":
            self.ids["iid"] = body["id"]
        if step.name == "decision":
            self.ids["rid"] = body["review_ids"][0]
        if step.name == "archive":
            self.ids["rec"] = self.recommendation(self.ids["rid"])
        if step.name == "action":
            self.ids["aid"] = body["id"]


class ThroughForms(Through):
    def __init__(self, app: Any, client: Any) -> None:
        super().__init__(app)
        self.browser = signed_in(app, client, SLUG, Role.ADMIN)

    def send(self, step: Step, body: dict[str, Any]) -> Any:
        data = {k: date(v) if k in step.dates else v for k, v in body.items()}
        return self.browser.submit_checked(f"/app/{SLUG}" + step.form.format(**self.ids), data)

    def refusal(self, response: Any, name: str) -> str:
        assert response.status_code == 400, (response.status_code, response.location)
        html = response.get_data(as_text=True)
        return html

    def accepted(self, step: Step, response: Any) -> None:
        assert response.status_code == 302, (step.name, response.get_data(as_text=True)[:3000])
        if step.name == "incident":
            self.ids["iid"] = int(re.search(r"/incidents/(\d+)$", response.location).group(1))
        if step.name == "decision":
            self.ids["rid"] = self.review_of(self.ids["iid"])
        if step.name == "archive":
            self.ids["rec"] = self.recommendation(self.ids["rid"])
        if step.name == "action":
            self.ids["aid"] = self.action_of(self.ids["rec"])


@pytest.mark.parametrize("interface", ["api", "forms"])
def test_every_date_out_of_range_is_refused_naming_the_field_and_the_boundaries_are_accepted(
        app, client, interface):
    via = (ThroughApi if interface == "api" else ThroughForms)(app, client)
    policy = app.extensions["cspr.plugins"].policy(SLUG)
    partners = [a["key"] for a in policy.partners["safeguarding_partners"]]
    tried = 0
    for step in steps(partners, policy.agencies[0]["key"]):
        path = step.form if interface == "forms" else step.api
        if not path:
            continue
        for name, fact in step.dates.items():
            for bad, message in out_of_range(fact):
                response = via.send(step, {**step.body, name: bad.isoformat()})
                said = via.refusal(response, name)
                if interface == "api":
                    assert said == message, (step.name, name, bad)
                else:
                    assert str(escape(message)) in said, (step.name, name, bad, message)
                tried += 1
        via.accepted(step, via.send(step, step.body))
    assert tried >= 60


def test_the_order_the_law_implies_is_kept_and_named(app, client):
    """Awareness may come long after the incident, but not before it; the notification not before
    awareness; the rapid review not before the notification; archived not before published."""
    api = Api(client, make_member(app, SLUG, Role.ADMIN))
    body = {"pseudonym": "Child K", "la_case_reference": "LA-77", "la_area": "Doncaster",
            "age_band": "1_4", "harm": "serious_harm", "incident_on": "2025-03-03", "aware_on": "2025-03-02"}
    refused = api.post("/incidents", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["aware_on"] == (
        "Date the local authority became aware must be on or after the incident (3 March 2025)")
    late = api.post("/incidents", json={**body, "incident_on": "2015-06-01", "aware_on": "2025-03-03"})
    assert late.status_code == 201  # awareness years after the incident: non-recent harm comes to light
    iid = late.get_json()["id"]
    early = api.post(f"/incidents/{iid}/notification", json={"sent_on": "2025-03-01"})
    assert early.get_json()["errors"]["json"]["sent_on"] == (
        "Date the Panel was notified must be on or after the date the LA became aware (3 March 2025)")
    assert api.post(f"/incidents/{iid}/notification", json={"sent_on": "2025-03-05"}).status_code == 201
    rapid = api.post(f"/incidents/{iid}/rapid-review/decision",
                     json={"decision": "no_review", "sent_to_panel_on": "2025-03-04"})
    assert rapid.get_json()["errors"]["json"]["sent_to_panel_on"] == (
        "Date the rapid review went to the Panel must be on or after the notification to the Panel "
        "(5 March 2025)")
