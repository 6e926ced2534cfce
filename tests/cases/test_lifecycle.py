"""The life of a case through the services: every statutory clock, in order, with its audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from cspr.actions import services as actions
from cspr.actions.models import Rag
from cspr.audit.models import AuditEvent
from cspr.calendar import add_months
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import PanelResponse, RapidReviewDecision
from cspr.db.tenancy import set_partnership
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry
from cspr.reviews import services as reviews
from cspr.reviews.models import Review, ReviewKind
from cspr.services.context import Context
from cspr.services.errors import InputError, StepError
from tests.plugin_kit import plugin_with
from tests.publish_kit import publish

D = dt.date
TODAY = D(2026, 11, 23)


def make_ctx(session, policy, today=TODAY):
    row = Partnership(slug=policy.slug, name=policy.name, short_name=policy.identity["short_name"])
    session.add(row)
    session.flush()
    set_partnership(session, row.id)
    return Context(session, row, policy, actor="test", today=today)


@pytest.fixture
def ctx(session, registry):
    return make_ctx(session, registry.policy("doncaster"))


def new_incident(ctx, **kw):
    values = dict(pseudonym="Child K", la_case_reference="LA-77", la_area="Doncaster",
                  age_band="1_4", harm="serious_harm", incident_on=D(2026, 3, 2),
                  aware_on=D(2026, 3, 3))
    values.update(kw)
    return incidents.record(ctx, **values)


def deadline(ctx, kind):
    return ctx.session.scalar(select(Deadline).where(Deadline.kind == kind))


def test_recording_an_incident_starts_the_five_day_clock(ctx):
    incident = new_incident(ctx)
    assert incident.reference == "DSCP-2026-001"
    notify = deadline(ctx, "notify_panel")
    assert notify.due_on == D(2026, 3, 10)  # Tue 3 Mar + 5 working days
    assert notify.statutory and notify.state == DeadlineState.OPEN
    assert deadline(ctx, "notify_ofsted_sos") is None  # not a looked-after child's death
    assert deadline(ctx, "rapid_review") is None  # counts from the notification, not yet sent
    assert new_incident(ctx).reference == "DSCP-2026-002"


def test_a_looked_after_childs_death_also_needs_ofsted_and_the_secretary_of_state(ctx):
    new_incident(ctx, harm="death", looked_after=True)
    ofsted = deadline(ctx, "notify_ofsted_sos")
    assert ofsted.due_on == D(2026, 3, 10)


def test_notification_meets_the_first_clock_and_starts_the_rapid_review(ctx):
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 12), panel_reference="P-1")
    notify = deadline(ctx, "notify_panel")
    assert notify.state == DeadlineState.MET and notify.met_on == D(2026, 3, 12)
    assert deadlines.standing(notify, ctx.calendar, TODAY).working_days_late == 2
    rapid = deadline(ctx, "rapid_review")
    assert rapid.due_on == D(2026, 4, 2)  # 15 working days from 12 Mar: the day before Good Friday
    assert incident.stage == "notified"


def test_steps_out_of_order_are_refused_naming_what_comes_first(ctx):
    incident = new_incident(ctx)
    with pytest.raises(StepError, match="Record the Panel notification first"):
        rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.NO_REVIEW,
                             sent_to_panel_on=D(2026, 3, 20))
    with pytest.raises(StepError, match="Send the rapid review"):
        rapid_reviews.record_panel_response(ctx, incident, response=PanelResponse.AGREES,
                                            received_on=D(2026, 4, 1))
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    with pytest.raises(StepError, match="already recorded"):
        notifications.record(ctx, incident, sent_on=D(2026, 3, 5))


def test_bad_dates_are_refused_field_by_field_and_nothing_is_written(ctx):
    with pytest.raises(InputError) as err:
        new_incident(ctx, incident_on=D(2026, 3, 5), aware_on=D(2026, 3, 1), la_area="Leeds")
    assert set(err.value.errors) == {"aware_on", "la_area"}
    with pytest.raises(InputError) as err:
        new_incident(ctx, aware_on=D(2027, 1, 1))
    assert "today or in the past" in err.value.errors["aware_on"]
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    with pytest.raises(InputError, match="on or after the notification"):
        rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.LOCAL_CSPR,
                             sent_to_panel_on=D(2026, 3, 4))
    assert incident.rapid_review.decision is None
    assert ctx.session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_corrected_awareness_date_recomputes_the_clock_with_an_audit_event(ctx):
    incident = new_incident(ctx)
    incidents.correct(ctx, incident, {"aware_on": D(2026, 3, 4)}, reason="LA log corrected")
    assert deadline(ctx, "notify_panel").due_on == D(2026, 3, 11)
    event = ctx.session.scalar(select(AuditEvent).where(AuditEvent.action == "deadline.recomputed"))
    assert event.detail == {"kind": "notify_panel", "was": "2026-03-10", "now": "2026-03-11",
                            "reason": "LA log corrected"}
    with pytest.raises(InputError, match="say why"):
        incidents.correct(ctx, incident, {"aware_on": D(2026, 3, 4)}, reason=" ")
    with pytest.raises(InputError):
        incidents.correct(ctx, incident, {"reference": "X"}, reason="no")


def test_a_corrected_notification_date_moves_the_rapid_review_deadline(ctx):
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    assert deadline(ctx, "rapid_review").due_on == D(2026, 3, 26)
    notifications.correct(ctx, incident, {"sent_on": D(2026, 3, 6)}, reason="typo")
    assert deadline(ctx, "rapid_review").due_on == D(2026, 3, 27)


def run_to_decision(ctx, decision=RapidReviewDecision.LOCAL_CSPR):
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.record_meeting(ctx, incident, started_on=D(2026, 3, 6), meeting_on=D(2026, 3, 18))
    rapid_reviews.decide(ctx, incident, decision=decision, sent_to_panel_on=D(2026, 3, 20),
                         rationale="Two agencies working together")
    return incident


def test_a_decision_to_hold_a_local_cspr_starts_it_with_its_six_months(ctx):
    incident = run_to_decision(ctx)
    assert deadline(ctx, "rapid_review").state == DeadlineState.MET
    review = ctx.session.scalars(select(Review)).one()
    assert (review.kind, review.decided_on, review.pseudonym) == (
        ReviewKind.LOCAL_CSPR, D(2026, 3, 20), "Child K")
    assert deadline(ctx, "publication").due_on == D(2026, 9, 20)
    rapid_reviews.record_panel_response(ctx, incident, response=PanelResponse.AGREES,
                                        received_on=D(2026, 4, 2))
    assert incident.stage == "panel_responded"


def test_no_review_decision_starts_no_review(ctx):
    run_to_decision(ctx, RapidReviewDecision.NO_REVIEW)
    assert ctx.session.scalars(select(Review)).all() == []
    assert deadline(ctx, "publication") is None


def test_a_national_review_is_recorded_when_the_panel_holds_one(ctx):
    incident = run_to_decision(ctx, RapidReviewDecision.RECOMMEND_NATIONAL)
    rapid_reviews.record_panel_response(ctx, incident, response=PanelResponse.NATIONAL_REVIEW,
                                        received_on=D(2026, 4, 2))
    review = ctx.session.scalars(select(Review)).one()
    assert review.kind == ReviewKind.NATIONAL
    assert deadline(ctx, "publication") is None  # the Panel publishes a national review


def test_a_local_cspr_from_decision_to_archive(ctx):
    run_to_decision(ctx)
    review = ctx.session.scalars(select(Review)).one()
    with pytest.raises(StepError, match="agree the terms of reference and commission the reviewer"):
        reviews.agree_final_report(ctx, review, agreed_on=D(2026, 6, 1), agreed_by=[])
    with pytest.raises(StepError, match="Commission the reviewer first"):
        reviews.receive_draft(ctx, review, received_on=D(2026, 5, 1))
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 4, 1))
    reviews.commission_reviewer(ctx, review, commissioned_on=D(2026, 4, 8), reviewer_name="A Reviewer")
    reviews.receive_draft(ctx, review, received_on=D(2026, 6, 1))
    assert review.stage == "drafting"
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    with pytest.raises(InputError, match="all three partners must agree"):
        reviews.agree_final_report(ctx, review, agreed_on=D(2026, 7, 1), agreed_by=partners[:2])
    reviews.agree_final_report(ctx, review, agreed_on=D(2026, 7, 1), agreed_by=partners)
    with pytest.raises(StepError, match="Plan the publication date first"):
        reviews.send_report(ctx, review, sent_on=D(2026, 7, 2))
    reviews.plan_publication(ctx, review, planned_on=D(2026, 9, 14))
    assert deadline(ctx, "report_to_panel").due_on == D(2026, 9, 3)  # 7 working days before
    reviews.send_report(ctx, review, sent_on=D(2026, 9, 4))
    assert deadlines.standing(deadline(ctx, "report_to_panel"), ctx.calendar, TODAY).status == "met_late"
    with pytest.raises(InputError, match="publish on or after 15 September 2026"):
        publish(ctx, review, published_on=D(2026, 9, 14), themes=["Neglect"])
    with pytest.raises(InputError, match="not in the themes vocabulary: Alchemy"):
        publish(ctx, review, published_on=D(2026, 9, 15), themes=["Alchemy"])
    publish(ctx, review, published_on=D(2026, 9, 15), themes=["Neglect"],
                    summary="Learning about neglect")
    assert deadline(ctx, "publication").state == DeadlineState.MET
    public = deadline(ctx, "public_period")
    assert (public.due_on, public.direction) == (D(2027, 9, 15), "at_least")
    with pytest.raises(InputError, match="must stay public until 15 September 2027"):
        reviews.archive(ctx, review, archived_on=TODAY)


def test_publication_of_a_summary_needs_a_reason(ctx):
    review = reviews.start(ctx, kind=ReviewKind.THEMATIC, title="Neglect in adolescence",
                           decided_on=D(2026, 1, 5))
    assert deadline(ctx, "publication") is None  # the statutory 6 months are for local CSPRs
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 1, 20))
    reviews.commission_reviewer(ctx, review, commissioned_on=D(2026, 1, 21), reviewer_name="R")
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    reviews.agree_final_report(ctx, review, agreed_on=D(2026, 5, 1), agreed_by=partners)
    with pytest.raises(InputError, match="say why only a summary"):
        publish(ctx, review, published_on=D(2026, 5, 4), publication_form="summary")
    publish(ctx, review, published_on=D(2026, 5, 4), publication_form="summary",
                    publication_note="Court proceedings")
    assert review.stage == "published"


def test_a_partnership_cannot_start_a_kind_of_review_it_does_not_hold(ctx):
    with pytest.raises(InputError, match="does not hold joint_sar reviews"):
        reviews.start(ctx, kind=ReviewKind.JOINT_SAR, title="Joint", decided_on=D(2026, 1, 5))


def test_a_care_leavers_death_is_notified_but_has_no_rapid_review(ctx):
    incident = new_incident(ctx, harm="death", care_leaver=True, age_band="18_24")
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    assert deadline(ctx, "notify_panel").state == DeadlineState.MET
    assert deadline(ctx, "rapid_review") is None
    with pytest.raises(StepError, match="no rapid review"):
        rapid_reviews.decide(ctx, incident, decision="no_review", sent_to_panel_on=D(2026, 3, 6))


def test_a_stricter_local_rule_and_a_local_target_drive_the_clocks(session):
    def cspr_deadline_rules(statutory):
        statutory["rapid_review"]["anchor"] = "aware"
        statutory["terms_agreed"] = {
            "label": "Agree the terms of reference", "anchor": "decision", "period": 20,
            "unit": "working_days", "direction": "within", "statutory": False,
            "met_by": "terms_of_reference"}
        return statutory

    policy = PluginRegistry(extra=[("riverside", plugin_with(
        cspr_deadline_rules=cspr_deadline_rules))]).load().policy("riverside")
    ctx = make_ctx(session, policy)
    incident = new_incident(ctx, la_area="Riverside")
    assert deadline(ctx, "rapid_review").due_on == D(2026, 3, 24)  # 15 from awareness: stricter
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.decide(ctx, incident, decision="local_cspr", sent_to_panel_on=D(2026, 3, 20))
    target = deadline(ctx, "terms_agreed")
    assert (target.due_on, target.statutory) == (D(2026, 4, 21), False)  # Easter skipped
    review = ctx.session.scalars(select(Review)).one()
    reviews.agree_terms(ctx, review, agreed_on=D(2026, 4, 22))
    standing = deadlines.standing(deadline(ctx, "terms_agreed"), ctx.calendar, TODAY)
    assert (standing.status, standing.working_days_late) == ("met_late", 1)


def test_actions_belong_to_a_partner_agency_and_need_evidence_to_complete(ctx):
    review = reviews.record_legacy(ctx, kind="scr", title="Child Old", published_on=D(2019, 1, 5))
    rec = actions.add_recommendation(ctx, review, text="Improve information sharing")
    assert rec.number == 1
    with pytest.raises(InputError, match="must be one of this partnership's agencies"):
        actions.add_action(ctx, rec, description="Train", owner_agency="mi5", due_on=D(2026, 12, 1))
    police = next(a["key"] for a in ctx.policy.agencies if a["type"] == "police")
    ctx.today = D(2026, 10, 26)  # recorded then (a due date is not before the day it is recorded)
    action = actions.add_action(ctx, rec, description="Train call handlers", owner_agency=police,
                                due_on=D(2026, 11, 2))
    ctx.today = TODAY
    due = deadline(ctx, "action_due")
    assert deadlines.standing(due, ctx.calendar, TODAY).status == "overdue"
    with pytest.raises(StepError):
        actions.assure(ctx, action, assured_on=TODAY)
    with pytest.raises(InputError) as err:
        actions.update_action(ctx, action, rag=Rag.COMPLETE)
    assert set(err.value.errors) == {"completed_on", "evidence"}
    actions.update_action(ctx, action, rag=Rag.COMPLETE, completed_on=D(2026, 11, 20),
                          evidence="Training records for 40 staff")
    assert deadline(ctx, "action_due").state == DeadlineState.MET
    actions.assure(ctx, action, assured_on=TODAY)
    assert action.assured_on == TODAY


def test_due_or_overdue_lists_what_is_open_and_due(ctx):
    new_incident(ctx)  # notify due 10 Mar 2026: overdue on TODAY
    new_incident(ctx, aware_on=D(2026, 11, 20), incident_on=D(2026, 11, 19))  # due 27 Nov
    late = ctx.session.scalars(deadlines.due_or_overdue(TODAY)).all()
    assert [d.due_on for d in late] == [D(2026, 3, 10)]
    week = ctx.session.scalars(deadlines.due_or_overdue(TODAY + dt.timedelta(days=7))).all()
    assert [d.due_on for d in week] == [D(2026, 3, 10), D(2026, 11, 27)]


def test_every_step_is_in_the_audit_chain(ctx):
    run_to_decision(ctx)
    actions_seen = ctx.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    for expected in ("incident.recorded", "deadline.set", "notification.recorded", "deadline.met",
                     "rapid_review.meeting", "rapid_review.decided", "review.started"):
        assert expected in actions_seen
    from cspr.audit import events as audit
    assert audit.verify(ctx.session) == []


def test_public_period_uses_months_not_working_days():
    assert add_months(D(2026, 9, 15), 12) == D(2027, 9, 15)
