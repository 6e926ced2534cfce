"""A rapid review run start to finish as a business manager and three agency contributors run it.

Real parts throughout: PostgreSQL under row-level security, `cspr worker` and `cspr beat` on a real
Redis, a real SMTP server. The manager asks three agencies for their information; the police are
late, chased and escalated; each agency uploads its return and its part of the chronology; the
manager merges and exports the chronology, generates the Panel's rapid review document and opens it;
the local review's final report is versioned and signed off by the three partners; publishing is
refused while the criminal trial is pending, and once it has concluded only the statutory notice to
the Panel (7 working days) holds it back. Along the way
each contributor is probed for anything of another agency or another partnership.
"""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import london_today
from tests.api_kit import Api, make_member
from tests.chronology.test_chronology import csv_bytes, xlsx
from tests.publish_kit import blank_pdf
from tests.returns.test_returns_worker import due_back, subject
from tests.web_kit import signed_in
from tests.worker_kit import broker, procs, wait_for  # noqa: F401 (fixtures: the Redis, the processes)

pytestmark = [pytest.mark.slow, pytest.mark.commits, pytest.mark.long]

SLUG = "doncaster"
AGENCIES = {  # agency key -> its contributor
    "sy-police": "returns@police.example.org",
    "schools": "returns@schools.example.org",
    "dbth": "returns@dbth.example.org",
}
MANAGER = "manager@doncaster.example.org"
TRIAL = {"kind": "criminal_trial", "description": "Crown Court trial", "status": "pending",
         "restricts_publication": True}


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    return response.get_json()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def audited(app, action: str) -> list[AuditEvent]:
    with app.app_context(), get_db().session_scope() as session:
        with acting_for(session, partnerships.get(session, SLUG).id):
            found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
            session.expunge_all()
            return found


def test_a_rapid_review_from_the_requests_to_publication(app, procs, mailbox):  # noqa: F811
    today = london_today()
    policy = app.extensions["cspr.plugins"].policy(SLUG)
    partners = [p["key"] for p in policy.partners["safeguarding_partners"]
                if p["type"] in ("local_authority", "health", "police")]
    manager = Api(app.test_client(), make_member(app, SLUG, Role.ADMIN, MANAGER))
    manager_pages = signed_in(app, app.test_client(), SLUG, Role.ADMIN, "pages-manager@doncaster.example.org")
    contributors = {key: Api(app.test_client(), make_member(app, SLUG, Role.CONTRIBUTOR, email, key))
                    for key, email in AGENCIES.items()}
    procs.start("worker", "--concurrency", "1")
    procs.start("beat")

    # -- the incident and its notification, as the Panel's form asks ---------------------------------
    incident = ok(manager.post("/incidents", {
        "pseudonym": "Child J", "la_case_reference": "LA-J7", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=4)).isoformat(),
        "aware_on": (today - dt.timedelta(days=3)).isoformat()}), 201)
    iid = incident["id"]
    ok(manager.put(f"/incidents/{iid}/details", {"agencies_involved": list(AGENCIES),
                                                 "police_investigating": "yes"}))
    ok(manager.post(f"/incidents/{iid}/notification", {"sent_on": today.isoformat(),
                                                        "panel_reference": "P-2026-0412"}), 201)

    # -- one request to each agency, e-mailed to its contributor by the worker ------------------------
    requests = {key: ok(manager.post(f"/incidents/{iid}/information-requests", {
        "agency": key, "asked": "Your agency's involvement with Child J's family since 2025."}), 201)["id"]
        for key in AGENCIES}

    def mail():
        return [(m["To"], subject(m)) for m in list(mailbox.messages)]

    assert wait_for(lambda: sum(s.startswith("Information request from") for _, s in mail()) == 3, timeout=60)
    assert sorted(to for to, s in mail() if s.startswith("Information request from")) == sorted(AGENCIES.values())

    # -- the police do not answer: three working days late, the sweep chases them and tells the manager --
    due_back(app, requests["sy-police"], policy.calendar.add(today, -3))
    def overdue():
        return {to for to, s in mail() if s.startswith("Return overdue")}

    # chased, and escalated to the partnership's admins (the manager among them)
    assert wait_for(lambda: {AGENCIES["sy-police"], MANAGER} <= overdue(), timeout=90), mail()
    wait_for(lambda: False, timeout=3)
    assert not overdue() & {AGENCIES["schools"], AGENCIES["dbth"]}  # the others are not late

    # -- each agency uploads its return and its part of the chronology, its own way ---------------------
    at_a_glance = manager_pages.get(f"/app/{SLUG}/incidents/{iid}").get_data(as_text=True)
    assert "0 of 3 agencies have returned" in at_a_glance
    for key, api in contributors.items():
        ok(api.post(f"/information-requests/{requests[key]}/return", {"file": b64(blank_pdf(f"{key} return"))}))
    ok(contributors["sy-police"].post(f"/incidents/{iid}/chronology", {
        "occurred_on": (today - dt.timedelta(days=5)).isoformat(), "agency": "sy-police",
        "what_happened": "Officers attended a report of a disturbance.", "source": "Log 2231",
        "key_episode": True}), 201)
    ok(contributors["schools"].post(f"/incidents/{iid}/chronology/import", {"file": b64(xlsx([
        ["2025-09", "schools", "Attendance fell below 80%.", "Register", "no"],
        ["2025-11-14", "schools", "Designated lead referred to children's social care.", "DSL note", "yes"],
    ]))}), 201)
    ok(contributors["dbth"].post(f"/incidents/{iid}/chronology/import", {"file": b64(csv_bytes([
        ["2025-10-02", "dbth", "Emergency department attendance with a head injury.", "ED record", "yes"],
    ]))}), 201)
    at_a_glance = manager_pages.get(f"/app/{SLUG}/incidents/{iid}").get_data(as_text=True)
    assert "3 of 3 agencies have returned" in at_a_glance

    # -- the manager merges the chronology and exports it ----------------------------------------------
    merged = ok(manager.get(f"/incidents/{iid}/chronology"))
    assert [e["agency"] for e in merged] == ["schools", "dbth", "schools", "sy-police"]  # by date
    assert merged[0]["date_shown"] == "September 2025"  # known to the month: no day made up
    sheet = load_workbook(io.BytesIO(manager_pages.get(f"/app/{SLUG}/incidents/{iid}/chronology.xlsx").data))
    rows = list(sheet["Chronology"].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == [e["what_happened"] for e in merged]
    assert rows[1][0] == dt.datetime(2025, 10, 2)  # a real date
    word = Document(io.BytesIO(manager_pages.get(f"/app/{SLUG}/incidents/{iid}/chronology.docx").data))
    assert [row.cells[2].text for row in word.tables[0].rows[1:]] == [e["what_happened"] for e in merged]

    # -- the rapid review meets and decides; the Panel's document is generated and opened ---------------
    ok(manager.post(f"/incidents/{iid}/rapid-review/meeting", {"meeting_on": today.isoformat()}))
    decided = ok(manager.post(f"/incidents/{iid}/rapid-review/decision", {
        "decision": "local_cspr", "sent_to_panel_on": today.isoformat(),
        "rationale": "Agencies did not share what each knew of the injuries.",
        "immediate_actions": "Strategy discussion held; siblings seen by a paediatrician.",
        "review_title": "Child J"}))
    (rid,) = decided["review_ids"]
    panel = manager_pages.get(f"/app/{SLUG}/incidents/{iid}/rapid-review.docx")
    assert panel.status_code == 200 and panel.headers["Content-Disposition"].startswith("attachment;")
    sections: dict[str, str] = {}  # each numbered section's heading -> what is under it, in order
    heading = "(title)"
    for block in Document(io.BytesIO(panel.data)).iter_inner_content():
        if hasattr(block, "style") and block.style.name == "Heading 2":
            heading = block.text.split(". ", 1)[1]
            sections[heading] = ""
        elif hasattr(block, "rows"):
            sections[heading] = sections.get(heading, "") + " ".join(c.text for r in block.rows for c in r.cells)
        else:
            sections[heading] = sections.get(heading, "") + block.text
    assert list(sections)[1:] == ["The case in brief", "Agency involvement", "Key practice episodes and learning",
                                  "Immediate actions taken", "The partners' decision and its rationale"]
    for name in ("South Yorkshire Police", "Doncaster schools and academies", "Doncaster and Bassetlaw"):
        assert name in sections["Agency involvement"]
    assert "[To follow]" not in sections["Agency involvement"]  # every agency has returned
    episodes = sections["Key practice episodes and learning"]
    assert "Emergency department attendance with a head injury." in episodes  # marked key by the hospital
    assert "Officers attended a report of a disturbance." in episodes
    assert "Attendance fell below 80%." not in episodes  # not marked as key
    assert "Strategy discussion held" in sections["Immediate actions taken"]
    assert "did not share what each knew" in sections["The partners' decision and its rationale"]

    # -- the local review: its final report versioned and signed off by the three partners -------------
    for step, body in [("terms-of-reference", {"agreed_on": today.isoformat()}),
                       ("reviewer", {"commissioned_on": today.isoformat(), "reviewer_name": "A Reviewer"}),
                       ("drafts", {"received_on": today.isoformat()}),
                       ("final-report", {"agreed_on": today.isoformat(), "agreed_by": partners}),
                       ("planned-publication", {"planned_on": today.isoformat()}),
                       ("report-sent", {"sent_on": today.isoformat()})]:
        ok(manager.post(f"/reviews/{rid}/{step}", body))
    report = ok(manager.post(f"/reviews/{rid}/documents", {"kind": "final_report", "title": "Final report"}), 201)
    did = report["id"]
    ok(manager.post(f"/documents/{did}/versions", {"file": b64(blank_pdf("final v1")), "filename": "v1.pdf"}), 201)
    ok(manager.post(f"/documents/{did}/versions/1/comments", {"body": "Section 4 needs the police's view."}), 201)
    ok(manager.post(f"/documents/{did}/versions", {"file": b64(blank_pdf("final v2")), "filename": "v2.pdf"}), 201)
    for key in partners:
        signed = ok(manager.post(f"/documents/{did}/versions/2/sign-off", {"partner": key}))
    assert signed["awaiting_sign_off_from"] == [] and len(ok(manager.get(f"/documents/{did}/versions"))) == 2

    # -- publication refused while the trial is pending, then published --------------------------------
    trial = ok(manager.post(f"/reviews/{rid}/proceedings", TRIAL), 201)
    publish = {"published_on": today.isoformat(), "publication_form": "summary",
               "publication_note": "A summary while the family grieve.", "summary": "What was learnt.",
               "signed_off_by": partners[0], "identifying_terms": "Jamie Smith"}
    refused = manager.post(f"/reviews/{rid}/publication", publish)
    assert refused.status_code == 409
    assert "the criminal trial (Crown Court trial), which is pending, restricts publication" in \
        refused.get_json()["message"]
    assert ok(manager.get(f"/reviews/{rid}"))["published_on"] is None
    ok(manager.post(f"/proceedings/{trial['id']}/update", {"status": "concluded", "note": "Verdict given."}))
    # the trial no longer holds it back; what does is the statutory notice: the report went to the Panel
    # and the Secretary of State today, and is published 7 working days after at the earliest
    earliest = policy.calendar.add(today, 7)
    held = ok(manager.post(f"/reviews/{rid}/publication", publish), 422)["errors"]["json"]["published_on"]
    assert f"{earliest.day} {earliest:%B %Y} (7 working days later)" in held
    assert ok(manager.post(f"/reviews/{rid}/publication", publish), 422)  # and nothing was published
    assert ok(manager.get(f"/reviews/{rid}"))["publication_delay_reason"] == "parallel_proceedings"
    assert len(audited(app, "publication.refused")) == 1 and len(audited(app, "information_request.returned")) == 3

    # -- every contributor probed: another agency's work, the case's records, another partnership -------
    elsewhere = Api(app.test_client(), make_member(app, "plymouth", Role.ADMIN, "admin@plymouth.example.org"))
    foreign = ok(elsewhere.post("/incidents", {
        "pseudonym": "Child Z", "la_case_reference": "PL-Z1", "la_area": "Plymouth", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=4)).isoformat(),
        "aware_on": (today - dt.timedelta(days=3)).isoformat()}), 201)["id"]
    agency = policy.agencies[0]["key"]
    foreign_request = ok(elsewhere.post(f"/incidents/{foreign}/information-requests", {
        "agency": app.extensions["cspr.plugins"].policy("plymouth").agencies[0]["key"],
        "asked": "Plymouth's question."}), 201)["id"]
    for key, api in contributors.items():
        assert [r["id"] for r in ok(api.get("/information-requests"))["requests"]] == [requests[key]]
        for other, request_id in requests.items():
            if other != key:
                assert api.get(f"/information-requests/{request_id}").status_code == 404
                assert api.get(f"/information-requests/{request_id}/return.pdf").status_code == 404
        for path in (f"/incidents/{iid}", f"/incidents/{iid}/chronology", f"/incidents/{iid}/chronology.docx",
                     f"/reviews/{rid}", f"/documents/{did}", f"/documents/{did}/versions/2/file",
                     f"/proceedings/{trial['id']}", f"/incidents/{iid}/documents", f"/reviews/{rid}/documents"):
            assert api.get(path).status_code in (403, 404), path
        assert api.get(f"/information-requests/{foreign_request}").status_code == 404
        assert api.get(f"/information-requests/{foreign_request}", slug="plymouth").status_code in (401, 403, 404)
        assert api.post(f"/incidents/{foreign}/chronology", {"occurred_on": "2025-10", "agency": agency,
                                                             "what_happened": "x"}).status_code == 404
    assert len(ok(manager.get(f"/incidents/{iid}/chronology"))) == 4  # nothing was added by the probes
