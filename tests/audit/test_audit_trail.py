"""Who read what, who was refused, and the admins' audit trail page with its CSV, end to end."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit import events as audit
from cspr.audit.models import AuditEvent
from cspr.audit.tasks import audit_heads_path
from cspr.cases import incidents
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.services.context import Context
from cspr.tasks import clock
from tests.api_kit import Api, make_member
from tests.web_kit import signed_in

HOME = {"REMOTE_ADDR": "203.0.113.7"}


def events(app, slug: str) -> list[AuditEvent]:
    """The partnership's chain, oldest first."""
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            found = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
            session.expunge_all()
            return found


def add_incident(app, slug: str = "doncaster", pseudonym: str = "Child K") -> int:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            policy = app.extensions["cspr.plugins"].policy(slug)
            ctx = Context(session, row, policy, actor="test")
            day = dt.date(2026, 3, 3)
            return incidents.record(ctx, pseudonym=pseudonym, la_case_reference=f"LA-{pseudonym[-1]}",
                                    la_area=policy.identity["areas"][0], age_band="1_4",
                                    harm="serious_harm", incident_on=day, aware_on=day).id


def start_review(app) -> int:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            return reviews.start(ctx, kind="thematic", title="Thematic review of neglect",
                                 decided_on=dt.date(2026, 3, 10)).id


@pytest.fixture
def admin(app, client):
    return signed_in(app, client, "doncaster", Role.ADMIN)


def test_views_of_cases_and_reviews_are_audited_with_who_and_where(app, admin):
    iid = add_incident(app)
    rid = start_review(app)
    before = len(events(app, "doncaster"))
    for url in (f"/app/doncaster/incidents/{iid}", f"/app/doncaster/reviews/{rid}",
                f"/app/doncaster/reviews/{rid}/plan", "/app/doncaster/cases", "/app/doncaster/reviews"):
        assert admin.get(url, environ_base=HOME).status_code == 200, url
    assert admin.get("/app/doncaster/incidents/99999", environ_base=HOME).status_code == 404
    new = events(app, "doncaster")[before:]
    assert [(e.action, e.object_type, e.object_id) for e in new] == [
        ("incident.viewed", "incidents", str(iid)), ("review.viewed", "reviews", str(rid)),
        ("review.viewed", "reviews", str(rid)), ("cases.listed", None, None), ("reviews.listed", None, None)]
    assert {(e.actor, e.actor_user_id, e.remote_addr) for e in new} == {
        (f"user:{admin.member.user_id}", admin.member.user_id, "203.0.113.7")}
    assert new[2].detail["part"] == "action plan"
    assert new[0].detail["path"] == f"/app/doncaster/incidents/{iid}"


def test_api_reads_and_every_export_are_audited(app, client, admin):
    iid = add_incident(app)
    api = Api(client, make_member(app, "doncaster", Role.VIEWER))
    before = len(events(app, "doncaster"))
    for path in (f"/incidents/{iid}", "/incidents?stage=recorded", "/reviews", "/tracker.csv",
                 "/deadlines.ics"):
        assert api.get(path, environ_base=HOME).status_code == 200, path
    assert admin.get("/app/doncaster/cases.xlsx", environ_base=HOME).status_code == 200
    new = events(app, "doncaster")[before:]
    assert [e.action for e in new] == ["incident.viewed", "cases.listed", "reviews.listed",
                                       "export.downloaded", "export.downloaded", "export.downloaded"]
    assert new[1].detail["path"] == "/api/v1/doncaster/incidents?stage=recorded"
    assert [(e.detail["what"], e.detail["format"]) for e in new[3:]] == [
        ("case tracker", "csv"), ("deadlines calendar", "ics"), ("case tracker", "xlsx")]
    assert {e.remote_addr for e in new} == {"203.0.113.7"}
    assert new[-1].actor_user_id == admin.member.user_id


def test_refusals_are_recorded_in_the_refusing_partnerships_chain_only(app, client, admin):
    add_incident(app, "york", "Child Y")
    viewer_api = Api(client, make_member(app, "doncaster", Role.VIEWER))
    start = {slug: len(events(app, slug)) for slug in ("doncaster", "york")}

    assert admin.get("/app/york/", environ_base=HOME).status_code == 404  # not a member of York
    assert admin.get("/app/atlantis/", environ_base=HOME).status_code == 404  # no such partnership
    assert viewer_api.get("/incidents", slug="york", environ_base=HOME).status_code == 404
    forbidden = viewer_api.post("/incidents", json={}, environ_base=HOME)
    assert forbidden.status_code == 403

    york = events(app, "york")[start["york"]:]
    assert [(e.action, e.detail["reason"], e.actor_user_id, e.remote_addr) for e in york] == [
        ("access.denied", "not a member", admin.member.user_id, "203.0.113.7"),
        ("access.denied", "token of another partnership", viewer_api.member.user_id, "203.0.113.7")]
    assert york[1].detail["path"] == "/api/v1/york/incidents"
    doncaster = events(app, "doncaster")[start["doncaster"]:]
    assert [(e.action, e.detail["reason"], e.detail["method"], e.detail["path"]) for e in doncaster] == [
        ("access.denied", "role", "POST", "/api/v1/doncaster/incidents")]
    assert doncaster[0].detail["role"] == "viewer"


def test_a_403_in_the_staff_app_is_recorded_and_nothing_of_the_request_kept(app, client):
    viewer = signed_in(app, client, "doncaster", Role.VIEWER)
    iid = add_incident(app)
    start = len(events(app, "doncaster"))
    for url in ("/app/doncaster/members", f"/app/doncaster/incidents/{iid}/notification",
                "/app/doncaster/audit", "/app/doncaster/audit.csv"):
        assert viewer.get(url, environ_base=HOME).status_code == 403, url
    new = events(app, "doncaster")[start:]
    assert [(e.action, e.detail["path"]) for e in new] == [
        ("access.denied", "/app/doncaster/members"),
        ("access.denied", f"/app/doncaster/incidents/{iid}/notification"),
        ("access.denied", "/app/doncaster/audit"), ("access.denied", "/app/doncaster/audit.csv")]
    assert all(e.actor_user_id == viewer.member.user_id and e.remote_addr == "203.0.113.7" for e in new)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.VIEWER, Role.REVIEWER])
def test_only_admins_see_the_audit_trail(app, client, role):
    member = signed_in(app, client, "doncaster", role)
    assert member.get("/app/doncaster/audit").status_code == 403
    assert member.get("/app/doncaster/audit.csv").status_code == 403
    assert "Audit trail" not in member.get("/app/doncaster/").get_data(as_text=True)


def test_the_audit_trail_is_newest_first_in_pages_of_50_and_shows_only_this_partnership(app, admin):
    for i in range(3):
        add_incident(app, "york", f"Child York{i}")
    iid = add_incident(app, pseudonym="Child D")
    for _ in range(55):
        admin.get(f"/app/doncaster/incidents/{iid}", environ_base=HOME)
    total = len(events(app, "doncaster"))
    home = admin.get("/app/doncaster/").get_data(as_text=True)
    assert 'href="/app/doncaster/audit"' in home and "Audit trail" in home

    page = admin.get("/app/doncaster/audit").get_data(as_text=True)
    assert f"Showing 1 to 50 of {total} events" in page
    table = page.split('id="audit"', 1)[1].split("</table>", 1)[0]
    seqs = [int(s) for s in _cells(table, 0)]
    assert seqs == list(range(total, total - 50, -1))  # newest first
    assert "Incident viewed" in table and "203.0.113.7" in table and "admin doncaster" in table
    assert "incident.viewed" not in table and "_" not in "".join(_cells(table, 3, strong=True))  # words, not codes
    assert " UTC" in table and "admin@doncaster.example.org" in table
    assert "govuk-pagination" in page and "page=2" in page
    second = admin.get("/app/doncaster/audit?page=2").get_data(as_text=True)
    total += 1  # viewing the first page is itself an event
    assert f"Showing 51 to {total} of {total} events" in second
    for html in (page, second):
        assert "York" not in html and "york" not in html.split('id="audit"', 1)[1]


def test_the_audit_trail_filters_by_action_person_and_dates(app, client, admin):
    iid = add_incident(app)
    viewer = signed_in(app, app.test_client(), "doncaster", Role.VIEWER)
    viewer.get(f"/app/doncaster/incidents/{iid}")
    admin.get("/app/doncaster/cases")

    page = admin.get("/app/doncaster/audit?action=incident.").get_data(as_text=True)
    actions = set(_cells(page.split('id="audit"', 1)[1].split("</table>")[0], 3, strong=True))
    assert actions == {"Incident recorded", "Incident viewed"}
    by_viewer = admin.get(f"/app/doncaster/audit?user={viewer.member.user_id}").get_data(as_text=True)
    rows = by_viewer.split('id="audit"', 1)[1].split("</table>")[0]
    viewer_actions = set(_cells(rows, 3, strong=True))
    assert "Incident viewed" in viewer_actions and "Signed in" in viewer_actions, viewer_actions
    assert "viewer doncaster" in rows and "admin doncaster" not in rows
    today = dt.datetime.now(dt.UTC).date()
    day = f"since={today.day}&since={today.month}&since={today.year}"
    assert "No event matches" not in admin.get(f"/app/doncaster/audit?{day}").get_data(as_text=True)
    tomorrow = today + dt.timedelta(days=1)
    later = f"since={tomorrow.day}&since={tomorrow.month}&since={tomorrow.year}"
    assert "No event matches" in admin.get(f"/app/doncaster/audit?{later}").get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("since=31&since=2&since=2026", "From (UTC) must be a real date"),
    ("since=3&since=&since=2026", "From (UTC) must include a month"),
    ("since=3&since=3&since=2026&until=2&until=3&until=2026",
     "The ‘to’ date must be the same as or after the ‘from’ date"),
    ("user=999999", "Select a person from the list"),
    ("action=" + "x" * 65, "Action starts with must be 64 characters or fewer"),
])
def test_bad_filters_get_govuk_errors_not_a_500(admin, query, message):
    response = admin.get(f"/app/doncaster/audit?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert admin.get(f"/app/doncaster/audit.csv?{query}").status_code == 400


def test_the_csv_has_every_event_checkable_outside_and_is_itself_audited(app, admin):
    add_incident(app, "york", "Child Y")
    iid = add_incident(app)
    admin.get(f"/app/doncaster/incidents/{iid}", environ_base=HOME)
    response = admin.get("/app/doncaster/audit.csv", environ_base=HOME)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    chain = events(app, "doncaster")
    exported = chain[-1]
    assert exported.action == "audit.exported" and exported.remote_addr == "203.0.113.7"
    assert [int(r["seq"]) for r in rows] == [e.seq for e in chain]  # oldest first, and the export itself
    prev = audit.GENESIS
    for row in rows:  # checked with nothing but sha256 and json
        assert row["prev_hash"] == prev
        assert hashlib.sha256((row["prev_hash"] + row["canonical"]).encode()).hexdigest() == row["hash"]
        content = json.loads(row["canonical"])
        assert (str(content["seq"]), content["action"], content["occurred_at"]) == (
            row["seq"], row["action"], row["occurred_at"])
        assert json.loads(row["detail"]) == content["detail"]
        prev = row["hash"]
    viewed = next(r for r in rows if r["action"] == "incident.viewed")
    assert (viewed["user_email"], viewed["remote_addr"], viewed["object_id"]) == (
        "admin@doncaster.example.org", "203.0.113.7", str(iid))
    assert "Child Y" not in response.get_data(as_text=True)

    filtered = admin.get("/app/doncaster/audit.csv?action=incident.viewed").get_data(as_text=True)
    assert {r["action"] for r in csv.DictReader(io.StringIO(filtered))} == {"incident.viewed"}
    assert events(app, "doncaster")[-1].detail == {"format": "csv",
                                                   "filters": {"action_prefix": "incident.viewed"}}


def test_the_daily_job_copies_the_chain_heads_outside_the_database(app, admin, tmp_path):
    add_incident(app)
    heads_file = tmp_path / "heads" / "audit-heads.jsonl"
    app.config["AUDIT_HEADS_FILE"] = str(heads_file)
    with app.app_context(), get_db().sessionmaker() as session:
        first = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
        assert "audit_heads" in clock.run_daily(session, now=first)
        assert "audit_heads" not in clock.run_daily(session, now=first + dt.timedelta(hours=6))
        assert "audit_heads" in clock.run_daily(session, now=first + dt.timedelta(days=1))
        expected = audit.heads(session)
    lines = heads_file.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[-1])["heads"] == expected
    doncaster = next(h for h in expected if h["slug"] == "doncaster")
    assert doncaster["seq"] == len(events(app, "doncaster")) and doncaster["seq"] > 0
    checkpoints = audit.read_checkpoints(heads_file)
    with app.app_context(), get_db().sessionmaker() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            assert audit.verify(session, checkpoints["doncaster"]) == []


def test_the_default_heads_file_is_in_the_archive_folder(app):
    with app.app_context():
        assert str(audit_heads_path()).endswith("archive/audit-heads.jsonl")


def _cells(table_html: str, column: int, strong: bool = False) -> list[str]:
    """The text of one column of a GOV.UK table's body rows."""
    import re

    body = table_html.split("<tbody", 1)[1]
    out = []
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        cell = cells[column]
        if strong:
            cell = re.search(r"<strong>(.*?)</strong>", cell).group(1)
        out.append(re.sub(r"<[^>]+>", "", cell).strip())
    return out


def test_behind_a_trusted_proxy_the_client_address_is_recorded_and_otherwise_not_forged(app, admin):
    from cspr.app import trust_proxies

    iid = add_incident(app)
    forged = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    before = len(events(app, "doncaster"))
    admin.get(f"/app/doncaster/incidents/{iid}", environ_base=forged)
    assert [e.remote_addr for e in events(app, "doncaster")[before:]] == ["10.0.0.5"]  # header ignored
    app.config["TRUSTED_PROXIES"] = 1
    trust_proxies(app)
    admin.get(f"/app/doncaster/incidents/{iid}", environ_base=forged)
    assert [e.remote_addr for e in events(app, "doncaster")[before:]] == ["10.0.0.5", "198.51.100.9"]


def test_the_trail_names_every_event_and_field_in_words():
    from cspr.services import words

    assert words.event("sign_in.succeeded") == "Signed in"
    assert words.field("prev_hash") == "Hash of the event before"
    assert words.field("sent_to_panel_on") == "Sent to the Panel on"
    assert words.value("local_cspr") == "local CSPR" and words.value("2026-03-05") == "5 March 2026"
    assert words.event("review.some_new_step") == "Review some new step"  # a new code is never shown raw
    assert words.record("information_requests") == "Information request"
    for action, shown in words.EVENTS.items():
        assert shown and "_" not in shown and "." not in shown.rstrip("."), action


def test_every_event_the_platform_records_has_its_own_words():
    """Each action code written by ``audit("...")`` anywhere in the core is named in words.EVENTS."""
    import re
    from pathlib import Path

    from cspr.services import words

    core = Path(words.__file__).resolve().parents[1]
    codes = {code for path in core.rglob("*.py")
             for code in re.findall(r"""\baudit\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", path.read_text())}
    assert len(codes) > 40
    assert sorted(codes - set(words.EVENTS)) == []


def test_the_platforms_own_jobs_are_named_in_words_in_the_trail(app, admin):
    from pathlib import Path

    from cspr.archive import services as archive
    from cspr.partnerships import demo

    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, app.extensions["cspr.plugins"])
    with app.app_context(), get_db().sessionmaker() as session:
        archive.run(session, app.extensions["cspr.plugins"], dt.date(2026, 11, 23),
                    Path(app.config["ARCHIVE_DIR"]), Path(app.config["DOCUMENTS_DIR"]))
    table = admin.get("/app/doncaster/audit").get_data(as_text=True).split('id="audit"', 1)[1]
    assert "The platform (the daily archival)" in table
    assert "system:" not in table
