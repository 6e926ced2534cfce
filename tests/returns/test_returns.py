"""Agency information requests: sending one (its due date in working days, its e-mail), an agency's
contributor returning it (and only theirs), hostile uploads refused, who has returned at a glance."""

from __future__ import annotations

import base64
import datetime as dt
import io
from email.header import decode_header, make_header

import pytest
from markupsafe import escape
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.deadlines.tasks import run_sweep
from cspr.messaging import relay as outbox_service
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import services as partnerships
from cspr.plugins import PluginRegistry
from cspr.services.context import london_today
from tests.api_kit import Api, make_member
from tests.plugin_kit import plugin_with
from tests.publication.test_hostile_pdfs import ALERT, one_page
from tests.publish_kit import blank_pdf
from tests.web_kit import signed_in

SLUG = "doncaster"
ASKED = "Your agency's involvement with Child R's family from January 2025, and your view of what happened."
POLICE, SCHOOLS = "sy-police", "schools"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    return response.get_json()


@pytest.fixture
def admin(app, client) -> Api:
    return Api(client, make_member(app, SLUG, Role.ADMIN, "admin@doncaster.example.org"))


@pytest.fixture
def police(app, client) -> Api:
    return Api(client, make_member(app, SLUG, Role.CONTRIBUTOR, "returns@police.example.org", POLICE))


@pytest.fixture
def incident(admin) -> int:
    today = london_today()
    return ok(admin.post("/incidents", {
        "pseudonym": "Child R", "la_case_reference": "LA-R1", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=3)).isoformat(),
        "aware_on": (today - dt.timedelta(days=2)).isoformat()}), 201)["id"]


def send(api: Api, incident: int, agency: str, **extra) -> dict:
    return ok(api.post(f"/incidents/{incident}/information-requests", {"agency": agency, "asked": ASKED, **extra}),
              201)


def pdf_b64(data: bytes) -> dict:
    return {"file": base64.b64encode(data).decode()}


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context(), get_db().session_scope() as session:
        with acting_for(session, partnerships.get(session, SLUG).id):
            return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(AuditEvent.seq)))


def outbox(app) -> list[OutboxMessage]:
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_hook_cspr_information_request_days():
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_information_request_days=lambda: 10))]).load()
    assert reg.policy("riverside").information_request_days == 10
    assert reg.policy(SLUG).information_request_days == 5  # the default


def test_a_request_is_due_in_working_days_emailed_to_the_agency_and_returned_by_its_contributor(
        app, admin, police, incident):
    policy = app.extensions["cspr.plugins"].policy(SLUG)
    sent = send(admin, incident, POLICE)
    today = london_today()
    assert sent["due_on"] == policy.calendar.add(today, 5).isoformat()
    assert sent["status"] == "Awaiting" and sent["agency_name"] == "South Yorkshire Police"
    send(admin, incident, SCHOOLS)
    listing = ok(admin.get(f"/incidents/{incident}/information-requests"))
    assert listing["summary"] == "0 of 2 agencies have returned"

    (mail,) = [m for m in outbox(app) if m.subject.startswith("Information request")]
    assert mail.recipient == "returns@police.example.org"  # the police's contributor; schools has none
    assert "Child R" in mail.subject and ASKED in mail.body
    assert f"/app/{SLUG}/information-requests/{sent['id']}" in mail.body

    returned = ok(police.post(f"/information-requests/{sent['id']}/return", pdf_b64(blank_pdf("police"))))
    assert returned["status"] == f"Received on {today:%-d %B %Y}"
    assert ok(admin.get(f"/incidents/{incident}/information-requests"))["summary"] == "1 of 2 agencies have returned"

    download = admin.get(f"/information-requests/{sent['id']}/return.pdf")
    assert download.status_code == 200 and download.data == blank_pdf("police")
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=return-{POLICE}-{today:%Y-%m-%d}.pdf")
    assert [e.detail["agency"] for e in events(app, "information_request.returned")] == [POLICE]
    assert len(events(app, "information_request.return_downloaded")) == 1
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            deadline = session.scalar(select(Deadline).where(Deadline.subject == f"information_request:{sent['id']}"))
            assert deadline.state == DeadlineState.MET and deadline.statutory is False


@pytest.mark.parametrize("content, words", [
    (one_page(b"/OpenAction " + ALERT), "The selected file contains JavaScript"),
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "must be a PDF"),
    (b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "smaller than 10 MB"),
], ids=["javascript", "html-named-pdf", "oversized"])
def test_a_hostile_return_is_refused_with_the_reason_and_nothing_is_kept(app, admin, police, incident, content,
                                                                        words):
    rid = send(admin, incident, POLICE)["id"]
    refused = police.post(f"/information-requests/{rid}/return", pdf_b64(content))
    assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
    assert words in refused.get_json()["errors"]["json"]["file"]
    assert ok(police.get(f"/information-requests/{rid}"))["status"] == "Awaiting"
    assert not events(app, "information_request.returned")


def test_a_contributor_sees_only_their_own_agencys_requests(app, admin, police, incident):
    mine = send(admin, incident, POLICE)["id"]
    theirs = send(admin, incident, SCHOOLS)["id"]
    assert [r["id"] for r in ok(police.get("/information-requests"))["requests"]] == [mine]
    assert [r["id"] for r in ok(police.get(f"/incidents/{incident}/information-requests"))["requests"]] == [mine]
    assert police.get(f"/information-requests/{theirs}").status_code == 404
    assert police.post(f"/information-requests/{theirs}/return", pdf_b64(blank_pdf("x"))).status_code == 404
    assert police.get(f"/information-requests/{theirs}/return.pdf").status_code == 404
    # nothing else of the partnership: cases, reviews, deadlines, sending or marking received
    for path in ("/incidents", f"/incidents/{incident}", "/reviews", "/deadlines"):
        assert police.get(path).status_code == 403, path
    assert police.post(f"/incidents/{incident}/information-requests",
                       {"agency": POLICE, "asked": "x"}).status_code == 403
    assert police.post(f"/information-requests/{mine}/received",
                       {"received_on": london_today().isoformat()}).status_code == 403


def test_a_contributor_signs_in_to_their_requests_and_every_other_staff_page_is_refused(app, admin, incident):
    rid = send(admin, incident, POLICE)["id"]
    other = send(admin, incident, SCHOOLS)["id"]
    browser = signed_in(app, app.test_client(), SLUG, Role.CONTRIBUTOR, "c@police.example.org", POLICE)
    landing = browser.get("/app/", follow_redirects=True)
    html = landing.get_data(as_text=True)
    assert "Your information requests" in html and "Rapid review: Child R (" in html
    assert f"/information-requests/{other}" not in html
    for path in ("/", "/cases", "/cases.csv", "/incidents/new", f"/incidents/{incident}", "/reviews", "/members", "/messages", "/audit",
                 f"/incidents/{incident}/information-requests/new", f"/information-requests/{rid}/received",
                 f"/incidents/{incident}/chronology"):
        assert browser.get(f"/app/{SLUG}{path}").status_code == 403, path
    assert browser.get(f"/app/{SLUG}/information-requests/{other}").status_code == 404


def test_the_rapid_review_page_shows_who_has_returned_and_warns_of_an_agency_nobody_can_answer_for(
        app, admin, police, incident):
    browser = signed_in(app, app.test_client(), SLUG, Role.ADMIN, "staff@doncaster.example.org")
    refused = browser.submit(f"/app/{SLUG}/incidents/{incident}/information-requests/new", {"agency": "", "asked": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Select the agency" in html and "Enter what the agency is asked for" in html
    assert "govuk-error-summary" in html
    for agency in (POLICE, SCHOOLS):
        done = browser.submit(f"/app/{SLUG}/incidents/{incident}/information-requests/new",
                              {"agency": agency, "asked": ASKED})
        assert done.status_code == 302, done.get_data(as_text=True)[:1500]
    (rid,) = [r["id"] for r in ok(admin.get(f"/incidents/{incident}/information-requests"))["requests"]
              if r["agency"] == POLICE]
    ok(police.post(f"/information-requests/{rid}/return", pdf_b64(blank_pdf("police"))))
    page = browser.get(f"/app/{SLUG}/incidents/{incident}").get_data(as_text=True)
    assert "1 of 2 agencies have returned" in page
    assert f"Received on {london_today():%-d %B %Y}" in page and "Awaiting" in page
    assert str(escape("No contributor can upload the return of Doncaster schools and academies yet")) in page
    assert "information_request" not in page  # words, not internal codes


def test_the_admin_records_a_return_that_came_by_email(app, admin, incident):
    rid = send(admin, incident, SCHOOLS)["id"]
    future = admin.post(f"/information-requests/{rid}/received",
                        {"received_on": (london_today() + dt.timedelta(days=2)).isoformat()})
    assert future.status_code == 422
    assert future.get_json()["errors"]["json"] == {"received_on": "The date received must be today or in the past"}
    got = ok(admin.post(f"/information-requests/{rid}/received",
                        {"received_on": london_today().isoformat(), "note": "By e-mail"}))
    assert got["status"].startswith("Received on") and got["received_note"] == "By e-mail"
    assert admin.post(f"/information-requests/{rid}/received",
                      {"received_on": london_today().isoformat()}).status_code == 409
    assert admin.get(f"/information-requests/{rid}/return.pdf").status_code == 404  # no file came


def test_a_request_needs_a_known_agency_and_words(admin, incident):
    bad = admin.post(f"/incidents/{incident}/information-requests", {"agency": "mi5", "asked": ASKED})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["json"] == {"agency": "Select one of this partnership's agencies"}
    blank = admin.post(f"/incidents/{incident}/information-requests", {"agency": POLICE, "asked": "   "})
    assert blank.status_code == 422 and "asked" in blank.get_json()["errors"]["json"]


def sweep(app, today: dt.date) -> None:
    with app.app_context(), get_db().sessionmaker() as session:
        run_sweep(session, today)


def test_the_sweep_reminds_chases_and_escalates_a_request_to_the_right_people(app, admin, police, incident):
    make_member(app, SLUG, Role.CONTRIBUTOR, "returns@schools.example.org", SCHOOLS)  # another agency's
    sent = send(admin, incident, POLICE, due_on="2026-12-16")
    cal = app.extensions["cspr.plugins"].policy(SLUG).calendar
    due = dt.date(2026, 12, 16)
    for day in (cal.add(due, -2), due, cal.add(due, 1), cal.add(due, 3)):
        sweep(app, day)
    with app.app_context(), get_db().sessionmaker() as session:
        with across_partnerships(session, "test"):
            stages = list(session.scalars(select(Reminder.stage).join(Deadline, Deadline.id == Reminder.deadline_id)
                                          .where(Deadline.subject == f"information_request:{sent['id']}")
                                          .order_by(Reminder.id)))
    assert stages == ["upcoming", "due", "chased", "escalated"]
    reminders = [(m.recipient, s) for m in outbox(app) if m.reminder_id is not None
                 and "Information request to" in (s := str(make_header(decode_header(m.subject))))]
    to_police = [s for r, s in reminders if r == "returns@police.example.org"]
    assert len(to_police) == 4 and any(s.startswith("Return overdue") for s in to_police)
    (to_admin,) = [s for r, s in reminders if r == "admin@doncaster.example.org"]  # the escalation only
    assert to_admin.startswith("Return overdue: Information request to South Yorkshire Police")
    assert not any(r == "returns@schools.example.org" for r, _ in reminders)


def test_relay_delivers_the_request_email(app, admin, police, incident, mailbox):
    send(admin, incident, POLICE)
    from cspr.messaging.tasks import channel_for

    with app.app_context(), get_db().sessionmaker() as session:
        outbox_service.relay(session, channel_for, app.config)
    (mail,) = [m for m in mailbox.wait_for(1) if "Information request" in str(make_header(decode_header(m["Subject"])))]
    assert mail["To"] == "returns@police.example.org"


def member_ctx(app, session, role: Role = Role.ADMIN):
    from cspr.services.context import Context

    row = partnerships.get(session, SLUG)
    return Context(session, row, app.extensions["cspr.plugins"].policy(SLUG), actor="test", role=role)


def test_the_progress_summary_and_the_panel_document_show_each_agencys_return(app, admin, police, incident):
    from cspr.cases import panel
    from cspr.cases.models import Incident
    from cspr.reviews import progress
    from cspr.reviews.models import Review

    rid = ok(admin.post("/reviews", {"kind": "local_cspr", "title": "Child R review",
                                     "decided_on": london_today().isoformat()}), 201)["id"]
    ok(admin.post(f"/reviews/{rid}/information-requests", {"agency": POLICE, "asked": ASKED}), 201)
    ok(admin.post(f"/reviews/{rid}/information-requests", {"agency": SCHOOLS, "asked": ASKED}), 201)
    police_rr = send(admin, incident, POLICE)["id"]

    def panel_section():
        with app.app_context(), get_db().session_scope() as session:
            with acting_for(session, partnerships.get(session, SLUG).id):
                c = member_ctx(app, session)
                title, rows, follow = panel.rapid_review_sections(c, session.get(Incident, incident))[1]
                line = dict(progress.progress(c, session.get(Review, rid)).lines)["Agency returns"]
                return dict(rows), follow, line

    rows, follow, line = panel_section()
    assert rows["Return from South Yorkshire Police"] == "Awaiting" and follow.startswith(panel.TO_FOLLOW)
    assert line == ("0 of 2 agencies have returned: Doncaster schools and academies: awaiting; "
                    "South Yorkshire Police: awaiting")
    ok(police.post(f"/information-requests/{police_rr}/return", pdf_b64(blank_pdf("rapid"))))
    rows, follow, _ = panel_section()
    assert rows["Return from South Yorkshire Police"] == f"Received on {london_today():%-d %B %Y}"
    assert follow == ""  # every agency asked for the rapid review has returned


def test_an_admin_adds_an_agency_contributor_tied_to_one_of_the_partnerships_agencies(app, mailbox):
    browser = signed_in(app, app.test_client(), SLUG, Role.ADMIN, "staff@doncaster.example.org")
    person = {"email": "c@police.example.org", "name": "Police Contributor", "role": "agency contributor"}
    for agency, message in (("", "Select the agency the contributor answers for"),
                            ("mi5", "Select one of Doncaster")):
        refused = browser.submit(f"/app/{SLUG}/members/new", {**person, "agency": agency})
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), agency
    viewer = browser.submit(f"/app/{SLUG}/members/new", {**person, "role": "viewer", "agency": POLICE})
    assert "Only an agency contributor is tied to an agency" in viewer.get_data(as_text=True)
    added = browser.submit(f"/app/{SLUG}/members/new", {**person, "agency": POLICE}, follow=True)
    assert "c@police.example.org is now a member as agency contributor" in added.get_data(as_text=True)
    members = browser.get(f"/app/{SLUG}/members").get_data(as_text=True)
    assert "Agency contributor: South Yorkshire Police" in members


def test_the_cli_adds_a_contributor_with_their_agency_and_refuses_an_unknown_one(tmp_path):
    from tests.helpers import cspr, embedded_env

    env = embedded_env(tmp_path)
    assert cspr("db", "upgrade", env=env).returncode == 0
    common = ("--name", "C", "--password", "a long enough passphrase")
    bad = cspr("users", "create", "--email", "c@b.example", "--partnership", "york:contributor:mi5", *common,
               env=env)
    assert bad.returncode != 0 and "york:contributor:mi5: Select one of" in bad.stderr
    none = cspr("users", "create", "--email", "c@b.example", "--partnership", "york:contributor", *common, env=env)
    assert none.returncode != 0 and "Select the agency the contributor answers for" in none.stderr
    agency = PluginRegistry().load().policy("york").agencies[0]["key"]
    made = cspr("users", "create", "--email", "c@b.example", "--partnership", f"york:contributor:{agency}",
                *common, env=env)
    assert made.returncode == 0, made.stderr
    assert "york:agency contributor" in made.stdout


def test_a_contributor_adds_chronology_entries_for_their_agency_only_on_a_case_it_was_asked_about(
        admin, police, incident):
    entry = {"occurred_on": "2026-01", "agency": POLICE, "what_happened": "Officers attended the home."}
    assert police.post(f"/incidents/{incident}/chronology", entry).status_code == 404  # not asked yet
    send(admin, incident, POLICE)
    assert ok(police.post(f"/incidents/{incident}/chronology", entry), 201)["agency"] == POLICE
    other = police.post(f"/incidents/{incident}/chronology", {**entry, "agency": SCHOOLS})
    assert other.status_code == 422
    assert other.get_json()["errors"]["json"] == {"agency": "You can add entries only for your own agency"}
    assert police.get(f"/incidents/{incident}/chronology").status_code == 403  # they do not read it


def test_a_contributor_imports_their_agencys_spreadsheet_and_never_another_agencys_rows(app, client, admin, police,
                                                                                          incident):
    from tests.chronology.test_chronology import csv_bytes

    def upload(rows):
        return police.post(f"/incidents/{incident}/chronology/import",
                           {"file": base64.b64encode(csv_bytes(rows)).decode()})

    mine = [["2026-01-05", POLICE, "Officers attended the home.", "Log 1182", ""],
            ["2026-02", POLICE, "A referral to children's social care.", "", "yes"]]
    assert upload(mine).status_code == 404  # a case the police were not asked about
    request_id = send(admin, incident, POLICE)["id"]
    refused = upload([*mine, ["2026-01-09", SCHOOLS, "Absent from school.", "", ""]])
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["file"] == "Row 4: you can add entries only for your own agency"
    assert ok(admin.get(f"/incidents/{incident}/chronology")) == []  # nothing half-imported
    assert ok(upload(mine), 201)["imported"] == 2
    assert [e["agency"] for e in ok(admin.get(f"/incidents/{incident}/chronology"))] == [POLICE, POLICE]

    # on the pages: the request leads to the import, which goes back to the requests, never to the case
    page = signed_in(app, client, SLUG, Role.CONTRIBUTOR, "pages@police.example.org", POLICE)
    shown = page.get(f"/app/{SLUG}/information-requests/{request_id}").get_data(as_text=True)
    assert f"/app/{SLUG}/incidents/{incident}/chronology/import" in shown
    form = page.get(f"/app/{SLUG}/incidents/{incident}/chronology/import").get_data(as_text=True)
    assert "Back to your information requests" in form and "Doncaster schools and academies" not in form
    done = page.submit(f"/app/{SLUG}/incidents/{incident}/chronology/import",
                       {"file": (io.BytesIO(csv_bytes(mine)), "police.csv")})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/app/{SLUG}/information-requests")


def test_a_contributor_sees_nothing_of_a_case_their_agency_was_not_asked_about(app, client, admin, incident):
    send(admin, incident, SCHOOLS)
    page = signed_in(app, client, SLUG, Role.CONTRIBUTOR, "pages@police.example.org", POLICE)
    for path in ("chronology/new", "chronology/import", "chronology", "chronology.docx", ""):
        response = page.get(f"/app/{SLUG}/incidents/{incident}/{path}".rstrip("/"))
        assert response.status_code in (403, 404), path
        assert "Child R" not in response.get_data(as_text=True) and "LA-R1" not in response.get_data(as_text=True)
