"""One contract per input: the staff forms are built from the API's schemas, so they take the same fields with the
same limits and refuse the same values with the same words."""

from __future__ import annotations

import ast
import datetime as dt
import html as html_lib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.reviews.models import Draft, ReviewKind
from cspr.services.context import Context
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

ROOT = Path(__file__).resolve().parents[2]
SLUG = "doncaster"


# -- forms that redeclare a schema's fields: none -----------------------------------------------

def _field_makers(tree: ast.Module) -> set[str]:
    """Functions of the module that return a WTForms field (like ``_text(label)``)."""
    makers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
            if any(_is_field_call(value, set()) for value in returns):
                makers.add(node.name)
    return makers


def _is_field_call(node: ast.AST, makers: set[str]) -> bool:
    """``StringField(...)``, ``wtforms.StringField(...)``, ``f.GovDateField(...)``, or a maker of one."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name.endswith("Field") or name in makers


def _form_classes_with_fields(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    makers = _field_makers(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                 for b in node.bases}
        if not any(base.endswith("Form") for base in bases):
            continue
        for item in node.body:
            targets = item.targets if isinstance(item, ast.Assign) else [item.target] \
                if isinstance(item, ast.AnnAssign) and item.value is not None else []
            value = getattr(item, "value", None)
            if targets and _is_field_call(value, makers):
                names = ", ".join(t.id for t in targets if isinstance(t, ast.Name))
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{item.lineno} {node.name}.{names}")
    return found


def _sources() -> list[Path]:
    return sorted(p for folder in ("core", "plugins") for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts)


def test_forms_that_redeclare_a_schemas_fields_none():
    found = [hit for path in _sources() for hit in _form_classes_with_fields(path)]
    assert found == [], "form classes declaring fields by hand (declare them in a schema):\n" + "\n".join(found)


def _wtforms_imports(tree: ast.Module) -> set[str]:
    """Names the module imports from wtforms or flask_wtf, and the names it gives those modules."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("wtforms", "flask_wtf"):
            names.update(alias.asname or alias.name for alias in node.names)
        if isinstance(node, ast.Import):
            names.update(alias.asname or alias.name for alias in node.names
                         if alias.name.split(".")[0] in ("wtforms", "flask_wtf"))
    return names


def test_only_the_adapter_makes_wtforms_fields():
    """No page builds a field of its own (e.g. ``setattr(Form, name, TextAreaField(...))``)."""
    adapter = ROOT / "core" / "web" / "forms.py"
    found = []
    for path in _sources():
        if path == adapter:
            continue
        tree = ast.parse(path.read_text(), str(path))
        wtforms = _wtforms_imports(tree)
        for node in ast.walk(tree):
            if _is_field_call(node, set()):
                func = node.func
                owner = func.id if isinstance(func, ast.Name) else getattr(func.value, "id", "")
                if owner in wtforms:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_static_check_sees_a_hand_declared_form(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("from flask_wtf import FlaskForm\nfrom wtforms import StringField\n\n\n"
                      "class Probe(FlaskForm):\n    name = StringField('Name')\n")
    assert _form_classes_with_fields(sample) == ["probe.py:6 Probe.name"]


# -- the same fields on the page as in the API ------------------------------------------------

def _ctx(app, session):
    row = partnerships.get(session, SLUG)
    return Context(session, row, app.extensions["cspr.plugins"].policy(SLUG), actor="test")


def _review_ready_for_drafts(app) -> int:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            ctx = _ctx(app, session)
            decided = ctx.today - dt.timedelta(days=60)
            review = reviews.start(ctx, kind=ReviewKind.THEMATIC, title="Neglect in the early years",
                                   decided_on=decided)
            reviews.commission_reviewer(ctx, review, commissioned_on=decided + dt.timedelta(days=7),
                                        reviewer_name="An Independent Reviewer")
            return review.id


def _incident(app, api: Api) -> int:
    today = dt.date.today()
    response = api.post("/incidents", json={
        "pseudonym": "Child K", "la_case_reference": "LA-77", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=3)).isoformat(),
        "aware_on": (today - dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def _action(api: Api) -> tuple[int, int]:
    """A recommendation and its action (on a review entered for the record, which may have them)."""
    legacy = api.post("/reviews/legacy", json={"kind": "scr", "title": "Child Old", "published_on": "2015-01-01"})
    assert legacy.status_code == 201, legacy.get_data(as_text=True)
    rec = api.post(f"/reviews/{legacy.get_json()['id']}/recommendations", json={"text": "Share sooner"})
    assert rec.status_code == 201, rec.get_data(as_text=True)
    action = api.post(f"/recommendations/{rec.get_json()['id']}/actions", json={
        "description": "Joint training", "owner_agency": "sy-police", "due_on": dt.date.today().isoformat()})
    assert action.status_code == 201, action.get_data(as_text=True)
    return rec.get_json()["id"], action.get_json()["id"]


def _input_names(page: str) -> set[str]:
    names = set(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', page))
    return names - {"csrf_token", "submit"}


@pytest.fixture
def both(app, client):
    browser = signed_in(app, client, SLUG, Role.ADMIN)
    api = Api(client, make_member(app, SLUG, Role.ADMIN, email="api-admin@doncaster.example.org"))
    document = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    return browser, api, document


def test_the_correction_form_offers_the_same_fields_as_the_api(app, both):
    browser, api, document = both
    iid = _incident(app, api)
    page = browser.get(f"/app/{SLUG}/incidents/{iid}/correct").get_data(as_text=True)
    assert _input_names(page) == set(document["IncidentCorrection"]["properties"])
    assert 'value="Child K"' in page  # it starts from the recorded facts


def test_a_correction_on_the_page_changes_what_it_names_and_nothing_else(app, both):
    browser, api, _document = both
    iid = _incident(app, api)
    response = browser.submit(f"/app/{SLUG}/incidents/{iid}/correct", {
        "pseudonym": "Child L", "la_case_reference": "LA-77", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "reason": "The pseudonym was mistyped"})
    assert response.status_code == 302, response.get_data(as_text=True)
    body = api.get(f"/incidents/{iid}").get_json()
    assert body["pseudonym"] == "Child L" and body["aware_on"] == (dt.date.today()
                                                                  - dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("page", "schema"), [
    ("/incidents/{iid}/notification", "NotificationIn"),
    ("/incidents/{iid}/meeting", "MeetingIn"),
    ("/incidents/{iid}/decision", "DecisionIn"),
    ("/incidents/{iid}/panel-response", "PanelResponseIn"),
    ("/reviews/{rid}/terms", "TermsIn"),
    ("/reviews/{rid}/reviewer", "ReviewerIn"),
    ("/reviews/{rid}/draft", "DraftIn"),
    ("/reviews/{rid}/final-report", "FinalReportIn"),
    ("/reviews/{rid}/publication-date", "PlanIn"),
    ("/reviews/{rid}/report-sent", "ReportSentIn"),
    ("/reviews/{rid}/archive", "ArchiveIn"),
    ("/reviews/{rid}/correct", "DecisionDateCorrection"),
    ("/incidents/{iid}/add-child", "ChildIn"),
    ("/incidents/{iid}/children/1", "ChildIn"),
    ("/incidents/{iid}/details", "IncidentDetailsIn"),
    ("/reviews/{rid}/learning-event", "LearningEventIn"),
    ("/reviews/{rid}/family", "FamilyInvolvementIn"),
    ("/reviews/new", "ReviewIn"),
    ("/reviews/legacy", "LegacyReviewIn"),
    ("/recommendations/{rec}/actions/new", "ActionIn"),
    ("/recommendations/{rec}/response", "ResponseIn"),
    ("/actions/{aid}/assure", "AssuranceIn"),
    ("/incidents/{iid}/chronology/new", "EntryIn"),
    ("/incidents/{iid}/chronology/import", "ImportIn"),
])
def test_each_page_offers_the_fields_of_its_api_schema(app, both, page, schema):
    browser, api, document = both
    iid, rid = _incident(app, api), _review_ready_for_drafts(app)
    rec, aid = _action(api) if "{rec}" in page or "{aid}" in page else (0, 0)
    html = browser.get(f"/app/{SLUG}" + page.format(iid=iid, rid=rid, rec=rec, aid=aid)).get_data(as_text=True)
    assert _input_names(html) == set(document[schema]["properties"]) - ONLY_WHEN_IT_APPLIES


#: Questions a page leaves out when they do not apply: this case is no looked-after child's death.
ONLY_WHEN_IT_APPLIES = {"ofsted_sos_notified_on"}


def test_the_notification_correction_and_the_action_update_offer_what_the_api_takes(app, both):
    browser, api, document = both
    iid = _incident(app, api)
    assert api.post(f"/incidents/{iid}/notification",
                    json={"sent_on": dt.date.today().isoformat()}).status_code == 201
    html = browser.get(f"/app/{SLUG}/incidents/{iid}/correct-notification").get_data(as_text=True)
    assert _input_names(html) == set(document["NotificationCorrection"]["properties"]) - ONLY_WHEN_IT_APPLIES
    _rec, aid = _action(api)
    html = browser.get(f"/app/{SLUG}/actions/{aid}/update").get_data(as_text=True)
    assert _input_names(html) == set(document["ActionUpdate"]["properties"])


def test_the_publish_page_offers_what_the_api_takes_with_the_report_as_an_upload(app, both):
    browser, _api, document = both
    html = browser.get(f"/app/{SLUG}/reviews/{_review_ready_for_drafts(app)}/publish").get_data(as_text=True)
    expected = set(document["PublicationIn"]["properties"]) - {"report_pdf"} | {"report"}
    assert _input_names(html) == expected and 'type="file"' in html


def test_the_decision_page_takes_the_meeting_date_as_the_api_does(app, both):
    browser, api, document = both
    html = browser.get(f"/app/{SLUG}/incidents/{_incident(app, api)}/decision").get_data(as_text=True)
    assert "meeting_on" in document["DecisionIn"]["properties"] and 'name="meeting_on"' in html


# -- the same limit in the form and the API, against PostgreSQL -------------------------------

def _notes(app, rid: int) -> list[int]:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            return [len(n or "") for n in session.scalars(
                select(Draft.note).where(Draft.review_id == rid).order_by(Draft.version))]


@pytest.mark.parametrize("length", [2_001, 10_000])
def test_a_long_draft_note_is_accepted_by_the_page_and_the_api_alike(app, both, length):
    browser, api, document = both
    rid = _review_ready_for_drafts(app)
    received = dt.date.today() - dt.timedelta(days=1)
    page = browser.submit(f"/app/{SLUG}/reviews/{rid}/draft",
                          {"received_on": date(received.isoformat()), "note": "n" * length})
    assert page.status_code == 302, html_lib.unescape(page.get_data(as_text=True))
    response = api.post(f"/reviews/{rid}/drafts", json={"received_on": received.isoformat(), "note": "n" * length})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _notes(app, rid) == [length, length]
    assert document["DraftIn"]["properties"]["note"]["maxLength"] == 10_000


def test_a_draft_note_past_the_limit_is_refused_by_both_in_the_same_words(app, both):
    browser, api, _document = both
    rid = _review_ready_for_drafts(app)
    received = dt.date.today() - dt.timedelta(days=1)
    message = "Note must be 10,000 characters or fewer"
    page = browser.submit(f"/app/{SLUG}/reviews/{rid}/draft",
                          {"received_on": date(received.isoformat()), "note": "n" * 10_001})
    assert page.status_code == 400 and message in html_lib.unescape(page.get_data(as_text=True))
    response = api.post(f"/reviews/{rid}/drafts", json={"received_on": received.isoformat(), "note": "n" * 10_001})
    assert response.status_code == 422 and response.get_json()["errors"]["json"]["note"] == [message]
    assert _notes(app, rid) == []


@pytest.mark.parametrize(("page", "api_path", "schema", "field", "label"), [
    ("/reviews/{rid}/publish", "/reviews/{rid}/publication", "PublicationIn", "publication_note",
     "Why only a summary or a redacted version"),
    ("/reviews/{rid}/publication-date", "/reviews/{rid}/planned-publication", "PlanIn", "delay_detail",
     "Details of the delay"),
])
def test_the_formerly_drifted_texts_have_one_limit(app, both, page, api_path, schema, field, label):
    browser, api, document = both
    rid = _review_ready_for_drafts(app)
    assert document[schema]["properties"][field]["maxLength"] == 10_000
    message = f"{label} must be 10,000 characters or fewer"
    html = browser.submit(f"/app/{SLUG}" + page.format(rid=rid), {field: "x" * 10_001})
    assert html.status_code == 400 and message in html_lib.unescape(html.get_data(as_text=True))
    response = api.post(api_path.format(rid=rid), json={field: "x" * 10_001})
    assert response.status_code == 422 and response.get_json()["errors"]["json"][field] == [message]
