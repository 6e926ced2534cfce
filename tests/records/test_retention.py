"""Retention by rule, legal holds that stop it, and the report of what went and what a hold kept."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cspr.accounts.models import ApiToken, User
from cspr.archive.models import ArchiveDeposit
from cspr.audit import events as audit
from cspr.audit.models import AuditEvent
from cspr.calendar import add_months
from cspr.cases.models import Incident
from cspr.deadlines.models import Deadline
from cspr.messaging.models import OutboxMessage
from cspr.plugins import PluginRegistry
from cspr.records import holds, retention
from cspr.reviews.models import Document, Draft, Review
from tests.cases.test_lifecycle import make_ctx
from tests.plugin_kit import plugin_with
from tests.records_kit import ARCHIVED_ON, archived_case

D = dt.date
LATER = D(2028, 1, 10)
EXPIRY = add_months(ARCHIVED_ON, 25 * 12)  # the default: 25 years from the case's closure


@pytest.fixture(params=["postgresql", "sqlite"])
def rsession(request, tmp_path):
    """A session whose commits stay in the test: a rolled-back transaction on PostgreSQL, a copy on SQLite.

    (pysqlite's savepoints do not hold a commit back, so SQLite gets a fresh copy of the migrated file.)
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    from cspr.db import make_engine

    if request.param == "postgresql":
        engine = make_engine(request.getfixturevalue("pg_url"))
        conn = engine.connect()
        outer = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield sess
        sess.close()
        outer.rollback()
        conn.close()
    else:
        template = Path(make_url(request.getfixturevalue("sqlite_url")).database)
        copy = tmp_path / "retention.sqlite3"
        shutil.copy(template, copy)
        engine = make_engine(f"sqlite:///{copy}")
        sess = Session(bind=engine, expire_on_commit=False)
        yield sess
        sess.close()
    engine.dispose()


@pytest.fixture
def ctx(rsession, registry):
    return make_ctx(rsession, registry.policy("doncaster"), today=LATER)


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "documents", tmp_path / "archive"


def apply(ctx, dirs, today, dry_run=False, rules=None):
    documents_dir, archive_dir = dirs
    return retention.apply_one(ctx.session, ctx.partnership, rules or ctx.policy.retention_rules, today,
                               documents_dir=documents_dir, archive_dir=archive_dir, dry_run=dry_run)


def files_of(ctx, dirs, review_id):
    documents_dir, archive_dir = dirs
    paths = [documents_dir / k for k in ctx.session.scalars(
        select(Document.storage_key).where(Document.review_id == review_id))]
    paths += [archive_dir / p for p in ctx.session.scalars(
        select(ArchiveDeposit.path).where(ArchiveDeposit.review_id == review_id))]
    return paths


def count(ctx, model, *where):
    return ctx.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_past_retention_case_goes_with_its_files_and_a_held_one_stays(ctx, dirs):
    gone = archived_case(ctx, *dirs, pseudonym="Child K")
    kept = archived_case(ctx, *dirs, pseudonym="Child L")
    gone_id, gone_incident, kept_id = gone.id, gone.incident_id, kept.id
    gone_files, kept_files = files_of(ctx, dirs, gone_id), files_of(ctx, dirs, kept_id)
    assert len(gone_files) == 3 and all(p.is_file() for p in gone_files + kept_files)  # draft, report, deposit
    hold = holds.place(ctx.session, ctx.partnership, reason="Inquiry direction 4 of 2027", actor="test",
                       incident_ref=ctx.session.get(Incident, kept.incident_id).reference)

    early = apply(ctx, dirs, EXPIRY - dt.timedelta(days=1))  # a day early for the case, not its drafts
    assert early.kinds["case_records"].removed == 0
    drafts = early.kinds["review_drafts"]  # 25 years from publication
    assert (drafts.removed, drafts.kept_by_hold, drafts.rows) == (1, 1, {"documents": 1, "review_drafts": 1})
    report = apply(ctx, dirs, EXPIRY)

    case = report.kinds["case_records"]
    assert (case.removed, case.kept_by_hold, case.hold_ids) == (1, 1, [hold.id])
    assert case.rows["incidents"] == 1 and case.rows["documents"] == 1 and case.rows["archive_deposits"] == 1
    assert count(ctx, Review, Review.id == gone_id) == 0
    assert count(ctx, Incident, Incident.id == gone_incident) == 0
    assert count(ctx, Deadline, Deadline.review_id == gone_id) == 0
    assert not any(p.exists() for p in gone_files) and early.files_removed + report.files_removed == 3
    assert count(ctx, Review, Review.id == kept_id) == 1 and all(p.is_file() for p in kept_files)
    event = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.applied")
                                .order_by(AuditEvent.seq.desc())).first()
    assert event.detail["kinds"]["case_records"] == {
        "removed": 1, "kept_by_hold": 1, "holds": [hold.id], "rule": "delete 25 years after closure"}
    assert "Child K" not in str(event.detail)  # counts only, never what was deleted
    assert audit.verify(ctx.session) == []
    line = "\n".join(retention.Report(EXPIRY, False, [report]).lines())
    assert "case_records: removed 1, kept by hold: 1 (holds " in line

    holds.release(ctx.session, ctx.partnership, hold.id, reason="Inquiry closed", actor="test")
    again = apply(ctx, dirs, EXPIRY)
    assert again.kinds["case_records"].removed == 1 and count(ctx, Review) == 0
    assert ctx.session.get(type(hold), hold.id).incident_id is None  # the hold stays as history
    actions = ctx.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert {"hold.placed", "hold.released"} <= set(actions)


def test_a_dry_run_deletes_nothing_and_says_what_would_go(ctx, dirs):
    review_id = archived_case(ctx, *dirs).id
    paths = files_of(ctx, dirs, review_id)
    events = count(ctx, AuditEvent)
    report = apply(ctx, dirs, EXPIRY, dry_run=True)
    assert report.kinds["case_records"].removed == 1 and report.files_removed == 0
    assert count(ctx, Review, Review.id == review_id) == 1 and all(p.is_file() for p in paths)
    assert count(ctx, AuditEvent) == events
    assert "would remove 1" in "\n".join(retention.Report(EXPIRY, True, [report]).lines())


def test_an_open_case_is_never_deleted(ctx, dirs):
    from tests.cases.test_lifecycle import run_to_decision

    run_to_decision(ctx)  # a local CSPR still under way
    report = apply(ctx, dirs, D(2200, 1, 1))
    assert report.kinds["case_records"].removed == 0 and count(ctx, Incident) == 1


def test_a_partnership_wide_hold_keeps_everything(ctx, dirs):
    archived_case(ctx, *dirs)
    user = User(email="old@example.org", name="Old")
    ctx.session.add(user)
    ctx.session.flush()
    ctx.session.add(ApiToken(user_id=user.id, name="old", token_hash="f" * 64,
                             revoked_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)))
    hold = holds.place(ctx.session, ctx.partnership, reason="Public inquiry", actor="test")
    report = apply(ctx, dirs, D(2200, 1, 1))
    assert report.kinds["case_records"].kept_by_hold == 1
    assert report.kinds["api_tokens"].kept_by_hold == 1 and report.kinds["api_tokens"].hold_ids == [hold.id]
    assert count(ctx, Review) == 1 and count(ctx, ApiToken) == 1


def test_sent_messages_and_revoked_tokens_go_after_their_shorter_rules(ctx, dirs):
    user = User(email="member@example.org", name="Member")
    ctx.session.add(user)
    ctx.session.flush()
    sent = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    ctx.session.add_all([
        OutboxMessage(idempotency_key="a", recipient="x@example.org", subject="s", body="b",
                      status="sent", sent_at=sent),
        OutboxMessage(idempotency_key="b", recipient="x@example.org", subject="s", body="b"),  # pending
        ApiToken(user_id=user.id, name="revoked", token_hash="a" * 64, revoked_at=sent),
        ApiToken(user_id=user.id, name="live", token_hash="b" * 64),
    ])
    ctx.session.flush()
    assert apply(ctx, dirs, D(2028, 1, 4)).kinds["outbox_messages"].removed == 0
    report = apply(ctx, dirs, D(2028, 1, 5))  # two years after it was sent
    assert report.kinds["outbox_messages"].removed == 1 and report.kinds["api_tokens"].removed == 1
    assert ctx.session.scalars(select(OutboxMessage.idempotency_key)).all() == ["b"]
    assert ctx.session.scalars(select(ApiToken.name)).all() == ["live"]


def test_a_kind_without_a_rule_is_kept_and_audit_events_are_always_kept(ctx, dirs):
    review_id = archived_case(ctx, *dirs).id
    events = count(ctx, AuditEvent)
    rules = {k: v for k, v in ctx.policy.retention_rules.items() if k != "case_records"}
    report = apply(ctx, dirs, D(2200, 1, 1), rules=rules)
    assert report.kinds["case_records"].rule == "no rule: kept"
    assert report.kinds["case_records"].removed == 0 and count(ctx, Review, Review.id == review_id) == 1
    assert report.kinds["review_drafts"].removed == 1  # its own rule still applies
    assert count(ctx, Draft) == 0 and count(ctx, Document, Document.public.is_(False)) == 0
    assert count(ctx, Document, Document.public.is_(True)) == 1
    assert count(ctx, AuditEvent) == events + 1  # only the run's own event was added


def test_hook_cspr_retention_rules():
    rule = {"kind": "case_records", "keep_for_years": 40, "counted_from": "closure", "action": "delete"}
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_retention_rules=lambda: [rule]))]).load()
    rules = reg.policy("riverside").retention_rules
    assert rules["case_records"]["keep_for_years"] == 40  # the plugin's rule replaces the default
    assert rules["outbox_messages"]["keep_for_years"] == 2  # the default for what it leaves
    assert rules["audit_events"]["action"] == "keep"


@pytest.mark.parametrize("rule, message", [
    ({"kind": "audit_events", "keep_for_years": 7, "counted_from": "occurred", "action": "delete"},
     "audit_events are never deleted"),
    ({"kind": "case_records", "keep_for_years": 7, "counted_from": "published", "action": "delete"},
     "case_records is counted from 'closure'"),
    ({"kind": "case_records", "counted_from": "closure", "action": "delete"}, "needs keep_for_years"),
    ({"kind": "emails", "keep_for_years": 1, "counted_from": "sent", "action": "delete"}, "kind"),
])
def test_a_bad_retention_rule_stops_the_plugin_with_the_reason(rule, message):
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_retention_rules=lambda: [rule]))]).load()
    assert "riverside" not in reg.policies
    assert message in reg.errors[0].reason


def test_a_plugin_rule_overrides_the_default_in_a_run(rsession, dirs):
    # a plugin may only lengthen the floor (tests/plugins/test_hostile_plugins.py: a shorter rule is refused)
    longer = {"kind": "case_records", "keep_for_years": 30, "counted_from": "closure", "action": "delete"}
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_retention_rules=lambda: [longer]))]).load()
    ctx = make_ctx(rsession, reg.policy("riverside"), today=LATER)
    archived_case(ctx, *dirs)
    report = apply(ctx, dirs, add_months(ARCHIVED_ON, 26 * 12))  # past the default's 25 years
    assert report.kinds["case_records"].removed == 0 and count(ctx, Review) == 1
    report = apply(ctx, dirs, add_months(ARCHIVED_ON, 30 * 12))
    assert report.kinds["case_records"].removed == 1 and count(ctx, Review) == 0


def test_holds_refuse_bad_input(ctx):
    with pytest.raises(holds.HoldError, match="reason"):
        holds.place(ctx.session, ctx.partnership, reason=" ", actor="test")
    with pytest.raises(holds.HoldError, match="no case DSCP-1999-001"):
        holds.place(ctx.session, ctx.partnership, reason="x", actor="test", incident_ref="DSCP-1999-001")
    hold = holds.place(ctx.session, ctx.partnership, reason="x", actor="test")
    holds.release(ctx.session, ctx.partnership, hold.id, reason="done", actor="test")
    with pytest.raises(holds.HoldError, match="already released"):
        holds.release(ctx.session, ctx.partnership, hold.id, reason="again", actor="test")




@pytest.mark.long
@pytest.mark.slow
def test_holds_and_retention_commands(tmp_path, upgraded_env):
    from tests.helpers import cspr

    env = upgraded_env  # as `cspr db upgrade` leaves it
    assert cspr("demo", "--no-cases", "--no-accounts", env=env).returncode == 0
    assert cspr("archive", "run", "--date", "2026-11-23", env=env).returncode == 0
    placed = cspr("holds", "place", "--partnership", "doncaster", "--reason", "Inquiry direction 4",
                  "--by", "Head of Legal", env=env)
    assert placed.returncode == 0, placed.stderr
    assert "Hold 1 placed on everything of doncaster" in placed.stdout
    listed = cspr("holds", "list", "--partnership", "doncaster", env=env)
    assert "in force" in listed.stdout and "cli:Head of Legal" in listed.stdout
    unknown = cspr("holds", "place", "--partnership", "doncaster", "--incident", "DSCP-1999-009",
                   "--reason", "x", env=env)
    assert unknown.returncode == 1 and "no case DSCP-1999-009 in doncaster" in unknown.stderr
    both = cspr("holds", "place", "--partnership", "doncaster", "--incident", "X", "--review", "1",
                "--reason", "x", env=env)
    assert both.returncode == 1 and "not both" in both.stderr

    dry = cspr("retention", "apply", "--dry-run", "--date", "2100-01-01", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing deleted" in dry.stdout
    report = cspr("retention", "apply", "--date", "2100-01-01", env=env)
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    doncaster = lines[lines.index("doncaster:") + 1]
    southampton = lines[lines.index("southampton:") + 1]
    assert doncaster.startswith("  case_records: removed 0, kept by hold: ") and "(holds 1)" in doncaster
    assert southampton.startswith("  case_records: removed ") and "removed 0" not in southampton
    york = lines[lines.index("york:") + 1]
    assert york.startswith("  case_records: removed 0  [")  # York keeps its reports on the page: never closed

    released = cspr("holds", "release", "1", "--partnership", "doncaster", "--reason", "Inquiry over", env=env)
    assert released.returncode == 0 and "released" in released.stdout
    twice = cspr("holds", "release", "1", "--partnership", "doncaster", "--reason", "again", env=env)
    assert twice.returncode == 1 and "already released" in twice.stderr
    assert "No hold in force" in cspr("holds", "list", "--partnership", "doncaster", env=env).stdout
    assert "released" in cspr("holds", "list", "--partnership", "doncaster", "--all", env=env).stdout


def test_the_daily_job_applies_retention_and_records_its_report(app):
    from cspr.db import get_db
    from cspr.operations.models import JobRun
    from cspr.tasks import clock

    with app.app_context(), get_db().sessionmaker() as session:
        assert "retention" in clock.run_daily(session, now=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
        run = session.get(JobRun, "retention")
        assert run.detail["dry_run"] is False and run.detail["today"] == "2026-11-23"


@pytest.mark.commits
def test_admins_place_and_release_holds_in_the_staff_app(app, client):
    from sqlalchemy.orm import Session

    from cspr.accounts.models import Role
    from cspr.cases import incidents
    from cspr.db import get_db
    from cspr.db.tenancy import acting_for
    from cspr.partnerships import services as partnerships
    from cspr.records.models import LegalHold
    from cspr.services.context import Context
    from tests.web_kit import signed_in

    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            ref = incidents.record(ctx, pseudonym="Child K", la_case_reference="LA-1", la_area="Doncaster",
                                   age_band="1_4", harm="serious_harm", incident_on=D(2026, 3, 2),
                                   aware_on=D(2026, 3, 3)).reference
    assert "Legal holds" in admin.get("/app/doncaster/").get_data(as_text=True)
    empty = admin.submit("/app/doncaster/holds/new", {"scope": "incident", "incident_ref": "", "reason": ""})
    assert empty.status_code == 400 and "Enter the reason for the hold" in empty.get_data(as_text=True)
    no_ref = admin.submit("/app/doncaster/holds/new", {"scope": "incident", "incident_ref": "", "reason": "x"})
    assert no_ref.status_code == 400 and "Enter the case reference" in no_ref.get_data(as_text=True)
    wrong = admin.submit("/app/doncaster/holds/new", {"scope": "incident", "incident_ref": "DSCP-1999-001",
                                                      "reason": "Inquiry"})
    assert wrong.status_code == 400 and "No case DSCP-1999-001 in doncaster" in wrong.get_data(as_text=True)
    placed = admin.submit("/app/doncaster/holds/new", {"scope": "incident", "incident_ref": ref,
                                                       "reason": "IICSA direction 3"}, follow=True)
    page = placed.get_data(as_text=True)
    assert f"placed on case {ref}" in page and "IICSA direction 3" in page
    engine = get_db(app).engine
    with Session(engine) as session, acting_for(session, partnerships.get(session, "doncaster").id):
        hold = session.scalars(select(LegalHold)).one()
        assert hold.placed_by.startswith("user:") and hold.incident_id is not None
    refused = admin.submit(f"/app/doncaster/holds/{hold.id}/release", {"reason": ""})
    assert refused.status_code == 400 and "Enter the reason for releasing the hold" in refused.get_data(as_text=True)
    released = admin.submit(f"/app/doncaster/holds/{hold.id}/release", {"reason": "Inquiry over"}, follow=True)
    assert "released" in released.get_data(as_text=True) and "No hold is in force" in released.get_data(as_text=True)

    viewer = signed_in(app, app.test_client(), "doncaster", Role.VIEWER)
    assert viewer.get("/app/doncaster/holds").status_code == 403
    assert viewer.get("/app/doncaster/holds/new").status_code == 403


def test_the_work_of_a_case_goes_with_it_and_working_drafts_go_by_the_drafts_rule(ctx, dirs):
    from cspr.chronology import services as chronology
    from cspr.chronology.dates import PartialDate
    from cspr.chronology.models import ChronologyEntry
    from cspr.documents import services as case_documents
    from cspr.documents.models import CaseDocument, DocumentKind, DocumentVersion
    from cspr.proceedings import services as proceedings
    from cspr.proceedings.models import Proceeding, ProceedingKind, ProceedingStatus
    from cspr.returns import services as returns
    from cspr.returns.models import InformationRequest
    from tests.records_kit import incident_of, pdf

    documents_dir, _ = dirs
    review = archived_case(ctx, *dirs, pseudonym="Child K")
    incident = incident_of(ctx, review)
    agency = ctx.policy.partners["safeguarding_partners"][0]["key"]
    request = returns.send(ctx, incident=incident, agency=agency, asked="Your involvement since 2025")
    returns.upload_return(ctx, request, pdf("first return"), "return.pdf", documents_dir)
    ctx.session.commit()
    first = documents_dir / request.return_key
    returns.upload_return(ctx, request, pdf("corrected return"), "return.pdf", documents_dir)
    ctx.session.commit()
    assert not first.exists() and (documents_dir / request.return_key).is_file()  # the replaced file went
    chronology.add_entry(ctx, incident, occurred_on=PartialDate(2025, 11), agency=agency,
                         what_happened="Home visit")
    proceedings.record(ctx, review=review, kind=ProceedingKind.CRIMINAL_TRIAL, status=ProceedingStatus.CONCLUDED)
    files = {}
    for kind in (DocumentKind.DRAFT, DocumentKind.PARTNER_COMMENTS, DocumentKind.FINAL_REPORT):
        document = case_documents.create(ctx, review=review, kind=kind, title=kind.value)
        version = case_documents.upload(ctx, document, content=pdf(kind.value), filename="x.pdf",
                                        documents_dir=documents_dir, max_bytes=10_000_000)
        files[kind] = documents_dir / version.storage_key
    ctx.session.commit()
    return_file = documents_dir / request.return_key

    drafts = apply(ctx, dirs, EXPIRY - dt.timedelta(days=1)).kinds["review_drafts"]
    assert drafts.removed == 1 and drafts.rows["case_documents"] == 2  # the draft and the partners' comments
    assert not files[DocumentKind.DRAFT].exists() and not files[DocumentKind.PARTNER_COMMENTS].exists()
    assert files[DocumentKind.FINAL_REPORT].is_file() and return_file.is_file()  # the case file stays
    assert count(ctx, CaseDocument) == 1

    case = apply(ctx, dirs, EXPIRY).kinds["case_records"]
    assert case.removed == 1
    assert (case.rows["information_requests"], case.rows["chronology_entries"], case.rows["proceedings"]) == (1, 1, 1)
    assert not return_file.exists() and not files[DocumentKind.FINAL_REPORT].exists()
    for model in (InformationRequest, ChronologyEntry, Proceeding, CaseDocument, DocumentVersion):
        assert count(ctx, model) == 0
