"""Going live: a partnership's spreadsheets checked row by row, then imported at once, as if recorded in the app."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from cspr.actions import services as actions_services
from cspr.actions.models import Action, Rag, Recommendation
from cspr.audit.models import AuditEvent
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import Incident
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.imports import services as imports
from cspr.imports import sheets
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.context import Context
from tests.imports import kit


def _in(app, slug="doncaster"):
    """Run ``work(ctx)`` acting for the partnership, committed (its session's savepoint released)."""

    def run(work):
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
            row = partnerships.get(session, slug)
            with acting_for(session, row.id):
                ctx = Context(
                    session,
                    row,
                    app.extensions["cspr.plugins"].policy(slug),
                    actor="admin@test",
                    user_id=None,
                )
                return work(ctx)

    return run


def _count(model):
    return lambda ctx: ctx.session.scalar(select(func.count()).select_from(model))


def test_the_template_has_a_sheet_per_record_its_instructions_and_lists_and_no_column_for_a_name(app):
    body = _in(app)(lambda ctx: sheets.template_xlsx(ctx))
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == [
        "How to fill this in",
        "Incidents",
        "Reviews",
        "Published reviews",
        "Action plans",
        "Lists",
    ]
    headings = {name: [c.value for c in book[name][1]] for name in ("Incidents", "Reviews", "Action plans")}
    assert headings["Incidents"][:2] == ["Pseudonym", "Local authority case reference"]
    everything = [h.lower() for hs in headings.values() for h in hs]
    assert [h for h in everything if "name" in h] == ["reviewer's name"]  # never the child's
    assert "date of birth" not in everything and "address" not in everything
    lists = [v.formula1 for v in book["Incidents"].data_validations.dataValidation]
    assert any(f.startswith("=Lists!") for f in lists) and '"Yes,No"' in lists
    values = [c.value for col in book["Lists"].iter_cols() for c in col]
    assert "South Yorkshire Police" in values and "Hold a local child safeguarding practice review" in values
    guide = " ".join(str(c.value) for c in book["How to fill this in"]["A"] if c.value)
    assert "name, address or date of birth" in guide
    assert sheets.template_csv(sheets.ACTIONS).startswith("Review,Recommendation,Partners' response,Action,")


BAD = kit.with_changes(kit.GOOD, "Incidents", 1, **{"Date the local authority became aware": "31/02/2026"})
BAD["Incidents"].append(
    {
        "Pseudonym": "Child M",
        "Local authority case reference": "LA-102",
        "Local authority area": "Leeds",
        "Age band": "5 to 9",
        "What happened": "The child died",
        "Date of the incident": dt.date(2026, 5, 1),
        "Date the local authority became aware": dt.date(2026, 5, 4),
    }
)
BAD["Incidents"].append(
    {
        "Pseudonym": "Child N",
        "Local authority case reference": "LA-103",
        "Local authority area": "Doncaster",
        "Age band": "5 to 9",
        "What happened": "The child died",
        "Date of the incident": dt.date(2026, 5, 1),
        "Date the local authority became aware": dt.date(2026, 5, 4),
        "Date the Panel was notified": dt.date(2026, 4, 30),
    }
)
BAD["Action plans"].append(
    {
        "Review": "Child Z",
        "Recommendation": "Another",
        "Action": "Something",
        "Owning agency": "The moon council",
        "Due date": "soon",
    }
)


def test_a_dry_run_lists_every_problem_by_sheet_row_and_column_and_writes_nothing(app):
    outcome = _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, BAD), dry_run=True))
    messages = outcome.messages()
    assert (
        "Incidents, row 3, Date the local authority became aware: enter a real date, like 27/03/2025"
        in messages
    )
    assert any(
        m.startswith("Incidents, row 4, Local authority area: choose one of: Doncaster") for m in messages
    )
    assert (
        "Incidents, row 5, Date the Panel was notified: must be on or after the date the LA became aware "
        "(4 May 2026)"
    ) in messages
    assert any(m.startswith("Action plans, row 4, Owning agency: choose one of:") for m in messages)
    assert "Action plans, row 4, Due date: enter a real date, like 27/03/2025" in messages
    assert len(messages) == 5, messages  # the good rows have no problem
    for model in (Incident, Review, Action, Recommendation, Deadline, AuditEvent):
        assert _in(app)(_count(model)) == 0, model  # a dry run writes nothing


def test_the_corrected_file_imports_with_the_deadlines_of_a_case_recorded_in_the_app(app):
    checked = _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, kit.GOOD), dry_run=True))
    assert checked.problems == [] and _in(app)(_count(Incident)) == 0
    assert checked.summary() == ["2 incidents", "2 reviews under way", "1 published review", "2 actions"]
    done = _in(app)(
        lambda ctx: imports.run(ctx, kit.workbook(ctx, kit.GOOD), dry_run=False, file_name="live.xlsx")
    )
    assert done.imported

    def by_hand(ctx):  # the same case, recorded step by step in the app
        incident = incidents.record(
            ctx,
            pseudonym="Child K",
            la_case_reference="LA-900",
            la_area="Doncaster",
            age_band="1_4",
            harm="serious_harm",
            incident_on=dt.date(2026, 3, 2),
            aware_on=dt.date(2026, 3, 3),
        )
        notifications.record(ctx, incident, sent_on=dt.date(2026, 3, 9), panel_reference="P-2026-1")
        rapid_reviews.decide(
            ctx,
            incident,
            decision="local_cspr",
            sent_to_panel_on=dt.date(2026, 3, 27),
            meeting_on=dt.date(2026, 3, 20),
            review_title="Child K by hand",
        )
        review = incident.reviews[0]
        reviews.agree_terms(ctx, review, agreed_on=dt.date(2026, 4, 10))
        reviews.commission_reviewer(
            ctx, review, commissioned_on=dt.date(2026, 4, 20), reviewer_name="A Reviewer"
        )
        return incident.id, review.id

    hand_incident, hand_review = _in(app)(by_hand)

    def deadlines_of(ctx, incident_id, review_id):
        rows = ctx.session.scalars(
            select(Deadline).where((Deadline.incident_id == incident_id) | (Deadline.review_id == review_id))
        ).all()
        return sorted((d.kind, d.due_on, d.state.value, d.met_on) for d in rows)

    def imported(ctx):
        incident = ctx.session.scalars(select(Incident).where(Incident.la_case_reference == "LA-100")).one()
        review = incident.reviews[0]
        assert (review.title, review.stage, review.reviewer_name) == (
            "Child K review",
            "reviewer_commissioned",
            "A Reviewer",
        )
        assert incident.stage == "decided" and incident.notification.panel_reference == "P-2026-1"
        assert incident.rapid_review.themes == ["Neglect", "Domestic abuse"]
        assert incident.rapid_review.meeting_on == dt.date(2026, 3, 20)
        return deadlines_of(ctx, incident.id, review.id), deadlines_of(ctx, hand_incident, hand_review)

    from_file, from_app = _in(app)(imported)
    assert from_file == from_app and len(from_file) >= 3
    assert ("publication", dt.date(2026, 9, 27), "open", None) in from_file  # 6 months from the decision

    def the_rest(ctx):
        child_l = ctx.session.scalars(select(Incident).where(Incident.la_case_reference == "LA-101")).one()
        kinds = {
            d.kind: d.due_on
            for d in ctx.session.scalars(select(Deadline).where(Deadline.incident_id == child_l.id))
        }
        assert (
            kinds["notify_panel"] == kinds["notify_ofsted_sos"] == dt.date(2026, 11, 30)
        )  # looked after, died
        thematic = ctx.session.scalars(
            select(Review).where(Review.title == "Neglect in the early years")
        ).one()
        assert thematic.kind.value == "thematic" and thematic.decided_on == dt.date(2026, 2, 2)
        legacy = ctx.session.scalars(select(Review).where(Review.title == "Child Z")).one()
        assert legacy.legacy and legacy.published_as_known == "2016"
        assert legacy.report_url == "https://library.nspcc.org.uk/child-z"
        recs = ctx.session.scalars(select(Recommendation).where(Recommendation.review_id == legacy.id)).all()
        assert len(recs) == 1 and len(recs[0].actions) == 2  # two rows, one recommendation
        red = next(a for a in recs[0].actions if a.description.startswith("Joint"))
        assert red.rag == Rag.RED and red.owner_agency == "sy-police" and red.due_on == dt.date(2026, 6, 30)
        overdue = ctx.session.scalars(select(Deadline).where(Deadline.action_id == red.id)).one()
        assert overdue.due_on == dt.date(2026, 6, 30) and overdue.state.value == "open"
        events = ctx.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.imported")).all()
        assert (
            len(events) == 2 + 2 + 1 + 1 + 2
        )  # incidents, reviews, published review, recommendation, actions
        assert {e.actor for e in events} == {"admin@test"} and {e.detail["file"] for e in events} == {
            "live.xlsx"
        }
        assert {(e.object_type, e.detail["sheet"], e.detail["row"]) for e in events} >= {
            ("incidents", "Incidents", 2),
            ("actions", "Action plans", 3),
        }

    _in(app)(the_rest)
    assert _in(app, "york")(_count(Incident)) == 0  # the import wrote into its own partnership only


def test_the_same_file_twice_is_refused_by_case_reference_and_nothing_more_is_imported(app):
    _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, kit.GOOD), dry_run=False))
    with pytest.raises(imports.ImportFailed) as refused:
        _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, kit.GOOD), dry_run=False))
    messages = refused.value.outcome.messages()
    assert (
        "Incidents, row 2, Local authority case reference: a case with this local authority case reference "
        "is already on the platform"
    ) in messages
    assert _in(app)(_count(Incident)) == 2 and _in(app)(_count(Action)) == 2


def test_a_failure_part_way_through_the_import_leaves_nothing_behind(app, monkeypatch):
    real = actions_services.add_action
    calls = []

    def fails_on_the_last_action(ctx, rec, **kw):
        calls.append(kw["description"])
        if len(calls) == 2:  # every row passed its checks; the database fails on the last one
            ctx.session.execute(text("SELECT 1 / 0"))  # a real error, from PostgreSQL
        return real(ctx, rec, **kw)

    monkeypatch.setattr(actions_services, "add_action", fails_on_the_last_action)
    with pytest.raises(DataError):
        _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, kit.GOOD), dry_run=False))
    for model in (Incident, Review, Action, Recommendation, Deadline, AuditEvent):
        assert _in(app)(_count(model)) == 0, model


def test_a_value_the_database_cannot_hold_is_a_problem_of_its_cell_not_a_failure(app):
    long = kit.with_changes(kit.GOOD, "Incidents", 0, **{"Panel reference": "P" * 70})
    with pytest.raises(imports.ImportFailed) as refused:
        _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, long), dry_run=False))
    assert refused.value.outcome.messages() == [
        "Incidents, row 2, Panel reference: must be 64 characters or fewer",
        "Reviews, row 2, Local authority case reference: the case has problems on the Incidents sheet: correct "
        "those first",
    ]  # what refers to the row says where to look
    assert _in(app)(_count(Incident)) == 0


def test_a_csv_of_one_sheet_imports_too(app):
    legacy = kit.csv_file(
        sheets.LEGACY,
        [
            {
                "Kind of review": "serious case review",
                "Title of the review": "Baby Q",
                "Date of publication": "March 2013",
                "Summary": "Learning about bruising in babies who are not yet mobile.",
            },
            {
                "Kind of review": "Serious case review",
                "Title of the review": "Child R",
                "Date of publication": "2012",
            },
        ],
    )
    done = _in(app)(lambda ctx: imports.run(ctx, legacy, dry_run=False, file_name="legacy.csv"))
    assert done.summary() == ["2 published reviews"]
    plan = kit.csv_file(
        sheets.ACTIONS,
        [
            {
                "Review": "Baby Q",
                "Recommendation": "Bruising protocol",
                "Action": "Train GPs",
                "Owning agency": "sy-icb",
                "Due date": "31/01/2027",
                "RAG status": "complete",
                "Evidence": "Attendance lists",
                "Date completed": "01/12/2026",
            }
        ],
    )
    _in(app)(lambda ctx: imports.run(ctx, plan, dry_run=False))

    def check(ctx):
        baby_q = ctx.session.scalars(select(Review).where(Review.title == "Baby Q")).one()
        assert baby_q.published_as_known == "March 2013" and baby_q.legacy
        action = ctx.session.scalars(select(Action)).one()
        assert action.rag == Rag.COMPLETE and action.completed_on == dt.date(2026, 12, 1)
        assert (
            ctx.session.scalars(select(Deadline).where(Deadline.action_id == action.id)).one().state.value
            == "met"
        )

    _in(app)(check)
    wrong = kit.csv_file(
        sheets.ACTIONS,
        [
            {
                "Review": "Nobody",
                "Recommendation": "x",
                "Action": "y",
                "Owning agency": "sy-icb",
                "Due date": "31/01/2027",
            }
        ],
    )
    outcome = _in(app)(lambda ctx: imports.run(ctx, wrong, dry_run=True))
    assert outcome.messages() == [
        "Action plans, row 2, Review: no review has this title, on the platform or in "
        "this file: use the review's title as it is recorded"
    ]


def test_a_column_for_a_childs_name_is_refused(app):
    named = (
        b"Pseudonym,Local authority case reference,Child's name,Local authority area,Age band,What happened,"
        b"Date of the incident,Date the local authority became aware\n"
    )
    outcome = _in(app)(lambda ctx: imports.run(ctx, named, dry_run=True))
    assert outcome.messages() == [
        "Incidents: row 1: the column 'Child's name' would hold what the platform never keeps about a child (a "
        "name, date of birth or address). Remove it: a child is known by a pseudonym and the local authority's "
        "case reference only"
    ]


def test_a_review_under_way_comes_in_at_the_stage_it_reached_with_the_reason_for_its_delay(app):
    row = {
        "Title of the review": "Child P",
        "Kind of review": "Local child safeguarding practice review",
        "Date of the decision to hold the review": dt.date(2026, 1, 5),
        "Date the terms of reference were agreed": dt.date(2026, 1, 20),
        "Reviewer's name": "B Author",
        "Date the reviewer was commissioned": dt.date(2026, 2, 2),
        "Date the first draft arrived": dt.date(2026, 4, 1),
        "Date the final report was agreed": dt.date(2026, 5, 1),
        "Planned publication date": dt.date(2027, 1, 15),
        "Date the final report went to the Panel and the Secretary of State": dt.date(2026, 11, 30),
    }
    outcome = _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, {"Reviews": [row]}), dry_run=True))
    assert outcome.messages() == [
        "Reviews, row 2, Reason for the delay: select the reason for the delay: the planned publication date is "
        "after the target of 5 July 2026"
    ]
    late = {**row, "Reason for the delay": "Family involvement"}
    _in(app)(lambda ctx: imports.run(ctx, kit.workbook(ctx, {"Reviews": [late]}), dry_run=False))

    def check(ctx):
        review = ctx.session.scalars(select(Review).where(Review.title == "Child P")).one()
        assert review.stage == "sent_to_panel" and len(review.drafts) == 1
        assert review.final_report_agreed_by == sorted(reviews.statutory_partners(ctx))
        assert review.publication_delay_reason.value == "family_involvement"
        rows = {
            d.kind: d for d in ctx.session.scalars(select(Deadline).where(Deadline.review_id == review.id))
        }
        assert rows["publication"].due_on == dt.date(2026, 7, 5) and rows["publication"].state.value == "open"
        assert rows["report_to_panel"].state.value == "met"

    _in(app)(check)


def test_an_action_for_a_title_two_reviews_share_says_so(app):
    def two(ctx):
        for _ in range(2):
            reviews.record_legacy(ctx, kind="scr", title="Child Twice", published_on="2015")

    _in(app)(two)
    plan = kit.csv_file(
        sheets.ACTIONS,
        [
            {
                "Review": "child twice",
                "Recommendation": "x",
                "Action": "y",
                "Owning agency": "sy-icb",
                "Due date": "31/01/2027",
            }
        ],
    )
    legacy = kit.csv_file(
        sheets.LEGACY,
        [
            {
                "Kind of review": "Serious case review",
                "Title of the review": "Child Twice",
                "Date of publication": "2015",
            }
        ],
    )
    assert _in(app)(lambda ctx: imports.run(ctx, plan, dry_run=True)).messages() == [
        "Action plans, row 2, Review: 2 reviews on the platform have this title: give the review a title of its "
        "own in the app first, then use it here"
    ]
    assert _in(app)(lambda ctx: imports.run(ctx, legacy, dry_run=True)).messages() == [
        "Published reviews, row 2, Title of the review: a review with this title is already on the platform or on "
        "an earlier row: give each review once"
    ]
