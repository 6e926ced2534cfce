"""Two partnerships with rich data built through the real workflow, with a sentinel in every text."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

from cspr.accounts import tokens
from cspr.accounts.models import Membership, Role, User
from cspr.db import get_db
from cspr.db.models import Base
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.partnerships import services as partnerships
from cspr.records import holds
from cspr.reviews import documents
from cspr.services.context import Context
from tests.api_kit import Api
from tests.web_kit import Browser, csrf_of, date, signed_in

D = dt.date


@dataclass
class Side:
    """One partnership's data, its people and the strings that must never reach anyone else."""

    slug: str
    tag: str  # "qxa" / "qxb": every sentinel starts with it
    private: set[str] = field(default_factory=set)  # never outside the partnership (public pages too)
    public: set[str] = field(default_factory=set)  # published: allowed on public pages only
    ids: dict[str, list[int]] = field(default_factory=dict)
    browsers: dict[Role, Browser] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    member_ids: dict[Role, int] = field(default_factory=dict)
    feed_token: str = ""
    private_doc_key: str = ""
    public_doc_key: str = ""
    # the reviewer's own review and one they are not assigned to, and what hangs off each
    assigned: dict[str, list[int]] = field(default_factory=dict)
    unassigned: dict[str, list[int]] = field(default_factory=dict)
    unassigned_sentinels: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)  # members' e-mails: operators manage accounts
    # the agency contributor's own agency's information requests, and another agency's (and its sentinels)
    own_requests: list[int] = field(default_factory=list)
    other_requests: list[int] = field(default_factory=list)
    other_agency_sentinels: set[str] = field(default_factory=set)

    def s(self, name: str, public: bool = False) -> str:
        """A new sentinel for this partnership."""
        value = f"{self.tag}{name}"
        (self.public if public else self.private).add(value)
        return value


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()


def _ctx(app, session, slug: str) -> Context:
    row = partnerships.get(session, slug)
    return Context(session, row, app.extensions["cspr.plugins"].policy(slug), actor="test")


def report_pdf(app, body: str) -> bytes:
    """A real PDF report with ``body`` as its text."""
    from cspr.publication.briefings import render_pdf

    fmt = {"key": "r", "name": "Report", "sections": [{"key": "body", "title": "Findings"}]}
    with app.test_request_context():
        return render_pdf(fmt, "Local child safeguarding practice review", {"body": body}, "Partnership")


def _document(api: Api, side: Side, path: str, kind: str, name: str, app) -> int:
    """A case document with one version (its title, file name and a comment are sentinels)."""
    doc = _ok(api.post(path, {"kind": kind, "title": side.s(f"{name}Title")}), 201)
    _ok(api.post(f"/documents/{doc['id']}/versions", {
        "file": base64.b64encode(report_pdf(app, side.s(f"{name}Text"))).decode(),
        "filename": f"{side.s(f'{name}File')}.pdf"}), 201)
    _ok(api.post(f"/documents/{doc['id']}/versions/1/comments", {"body": side.s(f"{name}Comment")}), 201)
    return doc["id"]


def build(app, slug: str, tag: str) -> Side:
    """A partnership with an incident, reviews at every stage, a plan, briefings, files and members."""
    side = Side(slug, tag)
    policy = app.extensions["cspr.plugins"].policy(slug)
    area = policy.identity["areas"][0]
    partners = [a["key"] for a in policy.partners["safeguarding_partners"]]
    agency = policy.agencies[0]["key"]
    for role in Role:  # the agency contributor answers for the first agency
        email = f"{tag}{role.value.replace(' ', '-')}@example.org"
        browser = signed_in(app, app.test_client(), slug, role, email=email, agency=agency)
        side.browsers[role] = browser
        side.tokens[role] = browser.member.token
        side.member_ids[role] = browser.member.user_id
        side.private.add(email)
        side.accounts.add(email)
    api = Api(app.test_client(), side.browsers[Role.ADMIN].member)
    reviewer = side.member_ids[Role.REVIEWER]

    # the incident, its notification and rapid review; the decision starts review R1
    incident = _ok(api.post("/incidents", {
        "pseudonym": side.s("Pseudonym"), "la_case_reference": side.s("LaCaseRef"), "la_area": area,
        "age_band": "1_4", "harm": "serious_harm", "incident_on": "2026-03-02", "aware_on": "2026-03-03"}), 201)
    side.private.add(incident["reference"])
    iid = incident["id"]
    # the Panel's form: a second child (its pseudonym a sentinel), the agencies and the police
    _ok(api.post(f"/incidents/{iid}/children", {
        "pseudonym": side.s("SecondChild"), "sex": "female", "age_band": "5_9", "ethnicity": "white_roma",
        "disability": "no", "harm": "serious_harm", "statuses": ["child_in_need"], "abuse": ["neglect"]}), 201)
    _ok(api.put(f"/incidents/{iid}/details", {"agencies_involved": [agency], "police_investigating": "yes"}))
    _ok(api.post(f"/incidents/{iid}/notification", {"sent_on": "2026-03-09",
                                                     "panel_reference": side.s("PanelRef")}), 201)
    _ok(api.post(f"/incidents/{iid}/rapid-review/meeting", {"meeting_on": "2026-03-20"}))
    decided = _ok(api.post(f"/incidents/{iid}/rapid-review/decision", {
        "decision": "local_cspr", "sent_to_panel_on": "2026-03-27", "rationale": side.s("Rationale"),
        "review_title": side.s("ReviewOneTitle")}))
    _ok(api.post(f"/incidents/{iid}/rapid-review/panel-response", {
        "response": "agrees", "received_on": "2026-04-10", "notes": side.s("PanelNotes")}))
    (r1,) = decided["review_ids"]

    # R1: assigned to the reviewer, a draft, the final report, a recommendation and its action
    _ok(api.post(f"/reviews/{r1}/terms-of-reference", {"agreed_on": "2026-04-20"}))
    _ok(api.post(f"/reviews/{r1}/reviewer", {"commissioned_on": "2026-04-22", "reviewer_user_id": reviewer,
                                             "reviewer_name": side.s("ReviewerName")}))
    _ok(api.post(f"/reviews/{r1}/drafts", {"received_on": "2026-07-01", "note": side.s("DraftNote")}))
    _ok(api.post(f"/reviews/{r1}/final-report", {"agreed_on": "2026-08-03", "agreed_by": partners}))
    # practitioners and family: a learning event and an offer to the family (sentinels in both)
    _ok(api.post(f"/reviews/{r1}/learning-events", {"held_on": "2026-05-12", "agencies": [agency],
                                                    "attended": 14, "note": side.s("LearningNote")}), 201)
    family = _ok(api.post(f"/reviews/{r1}/family", {"member": side.s("FamilyMember"), "offered_on": "2026-04-25",
                                                    "response": "awaiting"}), 201)
    rec1 = _ok(api.post(f"/reviews/{r1}/recommendations", {"text": side.s("RecommendationText")}), 201)
    _ok(api.post(f"/recommendations/{rec1['id']}/response", {"response": side.s("PartnersResponse")}))
    act1 = _ok(api.post(f"/recommendations/{rec1['id']}/actions", {
        "description": side.s("ActionText"), "owner_agency": agency, "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}), 201)
    _ok(api.patch(f"/actions/{act1['id']}", {"rag": "green", "evidence": side.s("Evidence")}))

    # parallel proceedings of the case (a police investigation with an expected date) and of R1
    police = _ok(api.post(f"/incidents/{iid}/proceedings", {
        "kind": "police_investigation", "status": "open", "description": side.s("PoliceDescription"),
        "note": side.s("PoliceNote")}), 201)
    trial = _ok(api.post(f"/reviews/{r1}/proceedings", {
        "kind": "criminal_trial", "status": "pending", "restricts_publication": True,
        "description": side.s("TrialDescription")}), 201)
    dated = _ok(api.post(f"/proceedings/{police['id']}/dates", {
        "event": side.s("ChargingDecision"), "expected_on": "2027-01-11"}), 201)
    # the case's multi-agency chronology: one entry added, one imported from the template
    entry = _ok(api.post(f"/incidents/{iid}/chronology", {
        "occurred_on": "2026-02", "agency": agency, "what_happened": side.s("ChronologyText"),
        "source": side.s("ChronologySource"), "key_episode": True}), 201)
    sheet = (f"Date,Agency,What happened,Source document,Key practice episode\r\n"
             f"03/02/2026,{agency},{side.s('ImportedChronologyText')},,No\r\n").encode()
    imported = _ok(api.post(f"/incidents/{iid}/chronology/import",
                            {"file": base64.b64encode(sheet).decode()}), 201)
    entry_ids = [entry["id"], imported["entries"][0]["id"]]
    # agency information requests: the contributor's agency's (returned by them), another agency's
    # for the rapid review and for R1 (their words never reach the contributor)
    other = policy.agencies[1]["key"]
    own = _ok(api.post(f"/incidents/{iid}/information-requests", {
        "agency": agency, "asked": side.s("RequestAsked")}), 201)["id"]
    contributor = Api(app.test_client(), side.browsers[Role.CONTRIBUTOR].member)
    _ok(contributor.post(f"/information-requests/{own}/return", {
        "file": base64.b64encode(report_pdf(app, side.s("ReturnText"))).decode()}))
    before_other = set(side.private)
    # case documents (no contributor may see them):  one of the incident, the final report of R1 (versioned, commented, signed off)
    doc_ids = [_document(api, side, f"/incidents/{iid}/documents", "agency_return", "CaseDocument", app),
               _document(api, side, f"/reviews/{r1}/documents", "final_report", "FinalReport", app)]
    _ok(api.post(f"/documents/{doc_ids[1]}/versions/1/sign-off", {"partner": partners[0]}))
    theirs = [_ok(api.post(path, {"agency": other, "asked": side.s(name)}), 201)["id"]
              for path, name in ((f"/incidents/{iid}/information-requests", "OtherRequestAsked"),
                                 (f"/reviews/{r1}/information-requests", "ReviewRequestAsked"))]
    side.other_agency_sentinels = side.private - before_other
    side.own_requests, side.other_requests = [own], theirs

    # R2: a thematic review the reviewer is not assigned to, with its own plan
    before_r2 = set(side.private)
    r2 = _ok(api.post("/reviews", {"kind": "thematic", "title": side.s("ReviewTwoTitle"),
                                   "pseudonym": side.s("ReviewTwoPseudonym"), "decided_on": "2026-02-02"}), 201)["id"]
    _ok(api.post(f"/reviews/{r2}/terms-of-reference", {"agreed_on": "2026-02-20"}))
    _ok(api.post(f"/reviews/{r2}/reviewer", {"commissioned_on": "2026-02-25",
                                             "reviewer_name": side.s("ReviewTwoReviewer")}))
    _ok(api.post(f"/reviews/{r2}/drafts", {"received_on": "2026-05-01", "note": side.s("ReviewTwoDraft")}))
    _ok(api.post(f"/reviews/{r2}/final-report", {"agreed_on": "2026-06-03", "agreed_by": partners}))
    rec2 = _ok(api.post(f"/reviews/{r2}/recommendations", {"text": side.s("ReviewTwoRecommendation")}), 201)
    act2 = _ok(api.post(f"/recommendations/{rec2['id']}/actions", {
        "description": side.s("ReviewTwoAction"), "owner_agency": agency, "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()}), 201)
    r2_doc = _document(api, side, f"/reviews/{r2}/documents", "draft", "ReviewTwoDocument", app)
    side.unassigned_sentinels = side.private - before_r2

    # R3: published through the staff app's form, with its PDF report (its title is public)
    r3 = _ok(api.post("/reviews", {"kind": "local_cspr", "title": side.s("PublishedTitle", public=True),
                                   "pseudonym": side.s("PublishedPseudonym", public=True),
                                   "decided_on": "2026-03-02"}), 201)["id"]
    _ok(api.post(f"/reviews/{r3}/terms-of-reference", {"agreed_on": "2026-03-20"}))
    _ok(api.post(f"/reviews/{r3}/reviewer", {"commissioned_on": "2026-03-25",
                                             "reviewer_name": side.s("PublishedReviewer")}))
    _ok(api.post(f"/reviews/{r3}/drafts", {"received_on": "2026-06-01", "note": side.s("PublishedDraft")}))
    _ok(api.post(f"/reviews/{r3}/final-report", {"agreed_on": "2026-08-03", "agreed_by": partners}))
    _ok(api.post(f"/reviews/{r3}/planned-publication", {"planned_on": "2026-09-01"}))
    _ok(api.post(f"/reviews/{r3}/report-sent", {"sent_on": "2026-08-20"}))
    admin = side.browsers[Role.ADMIN]
    page = admin.get(f"/app/{slug}/reviews/{r3}/publish").get_data(as_text=True)
    theme = policy.themes[0]
    published = admin.client.post(f"/app/{slug}/reviews/{r3}/publish", data={
        "csrf_token": csrf_of(page), "published_on": date("2026-09-01"), "publication_form": "full",
        "summary": side.s("PublishedSummary", public=True), "themes": [theme], "signed_off_by": partners[0],
        "identifying_terms": "Jamie Smith", "report": (io.BytesIO(report_pdf(app, side.s("PublicReport", True))),
                                                       "report.pdf")}, content_type="multipart/form-data")
    published = admin.confirm(f"/app/{slug}/reviews/{r3}/publish", published)  # 'Check your answers' first
    assert published.status_code == 302, published.get_data(as_text=True)[:2000]

    # briefings: one of the unpublished R1 (private), one of the published R3 (public)
    fmt = policy.briefing_formats[0]
    first = fmt["sections"][0]["key"]
    for rid, name, public in ((r1, "Briefing", False), (r3, "PublicBriefing", True)):
        response = admin.submit(f"/app/{slug}/reviews/{rid}/briefings/new", {
            "title": side.s(f"{name}Title", public), f"section_{first}": side.s(f"{name}Text", public),
            "identifying_terms": "Jamie Smith"})  # asked again once the review is published
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            ctx = _ctx(app, session, slug)
            from cspr.publication.models import Briefing
            from cspr.reviews.models import Document, Review

            # a private file of R1 (its name and its text are sentinels)
            review = session.get(Review, r1)
            doc = documents.store(ctx, review, report_pdf(app, side.s("PrivateFileText")),
                                  f"{side.s('PrivateFileName')}.pdf", "draft", False,
                                  Path(app.config["DOCUMENTS_DIR"]))
            side.private_doc_key = doc.storage_key.split("/")[-1][:-4]
            side.public_doc_key = session.scalar(select(Document.storage_key).where(
                Document.review_id == r3, Document.public.is_(True))).split("/")[-1][:-4]
            # a message the platform could not deliver
            session.add(OutboxMessage(idempotency_key=f"{tag}-failed", channel="email",
                                      recipient=f"{side.s('Recipient')}@example.org",
                                      subject=side.s("OutboxSubject"), body=side.s("OutboxBody"),
                                      status=OutboxStatus.FAILED))
            session.flush()
            hold = holds.place(session, row, reason=side.s("HoldReason"), actor="test", review_id=r2)
            # the NSPCC deposit package of R3 (its catalogue record and its report)
            from cspr.archive import services as archive

            deposit = archive.deposit_anonymous(ctx, session.get(Review, r3), Path(app.config["ARCHIVE_DIR"]),
                                                Path(app.config["DOCUMENTS_DIR"]))
            briefings = {b.review_id: b.id for b in session.scalars(select(Briefing))}
            side.ids = {
                "incident_id": [iid], "review_id": [r1, r2, r3],
                "recommendation_id": [rec1["id"], rec2["id"]], "action_id": [act1["id"], act2["id"]],
                "briefing_id": [briefings[r1], briefings[r3]],
                "membership_id": list(session.scalars(select(Membership.id))),
                "message_id": list(session.scalars(select(OutboxMessage.id))),
                "hold_id": [hold.id], "entry_id": entry_ids,
                "deadline_id": list(session.scalars(select(Deadline.id).order_by(Deadline.id).limit(2))),
                "proceeding_id": [police["id"], trial["id"]], "date_id": [dated["dates"][0]["id"]],
                "document_id": [*doc_ids, r2_doc], "number": [1],
                "position": [1, 2], "involvement_id": [f["id"] for f in family["family"]],
                "request_id": [own, *theirs], "deposit_id": [deposit.id],
            }
            user = session.get(User, side.member_ids[Role.ADMIN])
            _, side.feed_token = tokens.issue(session, user, row, "probe feed", "feed")
    side.assigned = {"review_id": [r1], "recommendation_id": [rec1["id"]], "action_id": [act1["id"]],
                     "briefing_id": [briefings[r1]], "document_id": [doc_ids[1]]}
    side.unassigned = {"review_id": [r2], "recommendation_id": [rec2["id"]], "action_id": [act2["id"]],
                       "document_id": [r2_doc]}
    return side


def snapshot(url: str, partnership_slug: str) -> dict[str, list[dict]]:
    """Every row the partnership owns (tokens without their last-used time)."""
    engine = create_engine(url)
    out: dict[str, list] = {}
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT id FROM partnerships WHERE slug = :s"), {"s": partnership_slug}).scalar()
        out["partnership"] = [dict(conn.execute(text("SELECT slug, name, enabled FROM partnerships "
                                                     "WHERE id = :p"), {"p": pid}).one()._mapping)]
        for table in Base.metadata.sorted_tables:
            if "partnership_id" not in table.c:
                continue
            columns = [c for c in table.c if c.name != "last_used_at"]
            query = select(*columns).where(table.c.partnership_id == pid).order_by(*table.primary_key.columns)
            out[table.name] = [dict(r._mapping) for r in conn.execute(query)]
    engine.dispose()
    return out


__all__ = ["Browser", "FlaskClient", "Side", "build", "snapshot"]
