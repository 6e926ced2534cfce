"""The notification as the Panel's form asks it: up to four pseudonymous children, the incident's agencies
and police, the summary to copy and its export, and the rapid review as a Word document."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from cspr.audit.models import AuditEvent
from cspr.cases import children, incidents, notifications, panel, rapid_reviews
from cspr.cases.models import Child, Incident
from cspr.deadlines.models import Deadline
from cspr.services.errors import InputError, StepError
from tests.cases.test_lifecycle import D, make_ctx, new_incident


@pytest.fixture
def ctx(session, registry):
    return make_ctx(session, registry.policy("doncaster"))

CHILD_B = dict(pseudonym="Child L", sex="male", age_band="5_9", ethnicity="mixed_white_black_african",
               disability="yes", harm="serious_harm", statuses=["child_in_need"], abuse=["neglect", "physical"])


def test_a_new_incident_has_its_child_as_child_1(ctx):
    incident = new_incident(ctx, looked_after=True)
    (child,) = incident.children
    assert (child.position, child.pseudonym, child.age_band.value, child.harm.value) == \
        (1, "Child K", "1_4", "serious_harm")
    assert child.statuses == ["looked_after"]
    assert (child.sex.value, child.ethnicity.value, child.disability.value) == ("not_known",) * 3


def test_up_to_four_children_each_with_what_the_panel_asks(ctx):
    incident = new_incident(ctx)
    child = children.add(ctx, incident, **CHILD_B)
    assert child.position == 2
    assert child.abuse == ["physical", "neglect"]  # in the form's order, each once
    children.add(ctx, incident, **{**CHILD_B, "pseudonym": "Child M"})
    children.add(ctx, incident, **{**CHILD_B, "pseudonym": "Child N"})
    with pytest.raises(StepError, match="up to 4 children"):
        children.add(ctx, incident, **{**CHILD_B, "pseudonym": "Child O"})
    assert [c.pseudonym for c in incident.children] == ["Child K", "Child L", "Child M", "Child N"]
    assert ctx.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.child_added")) is not None


def test_a_care_leaver_is_18_to_24_and_not_also_looked_after(ctx):
    incident = new_incident(ctx)
    with pytest.raises(InputError) as error:
        children.add(ctx, incident, **{**CHILD_B, "statuses": ["care_leaver"]})
    assert "18 to 24" in error.value.errors["age_band"]
    with pytest.raises(InputError) as error:
        children.add(ctx, incident, **{**CHILD_B, "age_band": "18_24",
                                       "statuses": ["care_leaver", "looked_after"]})
    assert "not both" in error.value.errors["statuses"]


def test_child_1_and_the_incident_say_the_same(ctx):
    incident = new_incident(ctx)
    children.update(ctx, incident, 1, {"harm": "death", "statuses": ["looked_after"], "sex": "female"})
    assert (incident.harm.value, incident.looked_after) == ("death", True)
    incidents.correct(ctx, incident, {"age_band": "5_9", "looked_after": False}, "Wrong band on the form")
    child = incident.children[0]
    assert (child.age_band.value, child.statuses, child.sex.value) == ("5_9", [], "female")


def test_a_second_child_looked_after_who_died_means_ofsted_and_the_sos_are_told(ctx):
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    assert ctx.session.scalar(select(Deadline).where(Deadline.kind == "notify_ofsted_sos")) is None
    children.add(ctx, incident, **{**CHILD_B, "harm": "death", "statuses": ["looked_after"]})
    ctx.session.flush()
    assert ctx.session.scalar(select(Deadline).where(Deadline.kind == "notify_ofsted_sos")) is not None


def test_removing_a_child_moves_the_later_ones_up_and_child_1_stays(ctx):
    incident = new_incident(ctx)
    for name in ("Child L", "Child M"):
        children.add(ctx, incident, **{**CHILD_B, "pseudonym": name})
    children.remove(ctx, incident, 2)
    assert [(c.position, c.pseudonym) for c in incident.children] == [(1, "Child K"), (2, "Child M")]
    with pytest.raises(StepError):
        children.remove(ctx, incident, 1)


def test_the_agencies_involved_are_the_partnerships_own(ctx):
    incident = new_incident(ctx)
    keys = [a["key"] for a in ctx.policy.agencies]
    children.set_details(ctx, incident, agencies_involved=[keys[1], keys[0]], police_investigating="yes")
    assert incident.agencies_involved == [keys[0], keys[1]]
    with pytest.raises(InputError) as error:
        children.set_details(ctx, incident, agencies_involved=["not-an-agency"], police_investigating="no")
    assert "agencies_involved" in error.value.errors


def test_the_summary_follows_the_panels_form_and_names_no_one(ctx):
    incident = new_incident(ctx)
    children.add(ctx, incident, **CHILD_B)
    first = ctx.policy.agencies[0]
    children.set_details(ctx, incident, agencies_involved=[first["key"]], police_investigating="yes")
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5), panel_reference="P-123")
    sections = panel.notification_summary(ctx, incident)
    assert [s.title for s in sections] == ["The incident", "Child 1", "Child 2"]
    about = dict(sections[0].rows)
    assert about["Agencies involved"] == first["name"]
    assert about["Are the police investigating?"] == "Yes"
    assert about["Panel reference"] == "P-123"
    assert about["Number of children"] == "2"
    child = dict(sections[2].rows)
    assert child["Ethnicity"] == "Mixed or multiple ethnic groups: White and Black African"
    assert child["Abuse or neglect known or suspected"] == "Physical abuse, Neglect"
    assert child["Status at the time of the incident"] == "A child in need"
    text = panel.notification_text(ctx, incident)
    assert "Child 2\n-------\nPseudonym: Child L" in text
    assert "Date of birth" not in text and "Address" not in text


def _docx_text(body: bytes) -> tuple[list[str], str]:
    document = Document(io.BytesIO(body))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 2")]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return headings, "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_rapid_review_document_has_the_usual_sections_from_the_data(ctx):
    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.decide(ctx, incident, decision="no_review", sent_to_panel_on=D(2026, 3, 20),
                         rationale="The learning is addressed through the neglect strategy.")
    headings, text = _docx_text(panel.rapid_review_docx(ctx, incident))
    assert headings == ["1. The case in brief", "2. Agency involvement", "3. Key practice episodes and learning",
                        "4. Immediate actions taken", "5. The partners' decision and its rationale"]
    assert "The learning is addressed through the neglect strategy." in text
    assert "No review: the learning is addressed in other ways" in text
    assert "Child K (DSCP-2026-001)" in text
    # what is not recorded yet is marked, not invented: agency involvement, key episodes, immediate actions
    assert text.count(panel.TO_FOLLOW) == 3


def test_the_rapid_review_document_gives_the_key_episodes_and_the_immediate_actions(ctx):
    from cspr.chronology import services as chronology
    from cspr.chronology.dates import PartialDate

    incident = new_incident(ctx)
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    police, health = (a["key"] for a in ctx.policy.agencies[:2])
    chronology.add_entry(ctx, incident, occurred_on=PartialDate(2025, 11), agency=health,
                         what_happened="Missed health visits not followed up", key_episode=True)
    chronology.add_entry(ctx, incident, occurred_on=PartialDate(2025, 9, 2), agency=police,
                         what_happened="Domestic abuse call-out", key_episode=True)
    chronology.add_entry(ctx, incident, occurred_on=PartialDate(2025, 10, 1), agency=police,
                         what_happened="Routine contact", key_episode=False)
    rapid_reviews.decide(ctx, incident, decision="no_review", sent_to_panel_on=D(2026, 3, 20),
                         rationale="Learning taken forward locally",
                         immediate_actions="  Siblings' plans reviewed the same week.  ")
    sections = {title: rows for title, rows, _ in panel.rapid_review_sections(ctx, incident)}
    names = {a["key"]: a["name"] for a in ctx.policy.agencies}
    assert sections["Key practice episodes and learning"] == [
        (f"2 September 2025, {names[police]}", "Domestic abuse call-out"),
        (f"November 2025, {names[health]}", "Missed health visits not followed up")]
    assert sections["Immediate actions taken"] == [("Immediate actions taken",
                                                    "Siblings' plans reviewed the same week.")]
    _, text = _docx_text(panel.rapid_review_docx(ctx, incident))
    assert "Routine contact" not in text  # only the episodes marked as key
    assert text.count(panel.TO_FOLLOW) == 1  # the agencies' returns


def test_an_incident_from_before_the_children_becomes_its_first_child(pg_url):
    """Migration 0012 turns each incident's child fields into its child 1."""
    import uuid

    from sqlalchemy import create_engine, text

    from cspr.db import migrate
    from tests.conftest import PG_ADMIN_URL

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cspr_test_m12_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(pg_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate.upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO partnerships (id, slug, name, short_name, enabled, created_at) "
                              "VALUES (1, 'doncaster', 'Doncaster', 'DSCP', true, now())"))
            conn.execute(text(
                "INSERT INTO incidents (id, partnership_id, reference, stage, pseudonym, la_case_reference, "
                "la_area, age_band, harm, looked_after, care_leaver, incident_on, aware_on, created_at) "
                "VALUES (1, 1, 'DSCP-2025-001', 'notified', 'Child Cameron', 'LA-1', 'Doncaster', '10_15', "
                "'death', true, false, '2025-01-02', '2025-01-03', now()), "
                "(2, 1, 'DSCP-2025-002', 'recorded', 'Young Person A', 'LA-2', 'Doncaster', '18_24', "
                "'serious_harm', false, true, '2025-02-02', '2025-02-03', now())"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT incident_id, position, pseudonym, age_band, harm, statuses, "
                                     "sex FROM incident_children ORDER BY incident_id")).all()
            police = conn.execute(text("SELECT police_investigating FROM incidents WHERE id = 1")).scalar()
        assert [tuple(r) for r in rows] == [
            (1, 1, "Child Cameron", "10_15", "death", ["looked_after"], "not_known"),
            (2, 1, "Young Person A", "18_24", "serious_harm", ["care_leaver"], "not_known")]
        assert police == "not_known"
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_child_rows_are_the_tenants_own(ctx):
    incident = new_incident(ctx)
    assert ctx.session.scalar(select(Child.partnership_id)) == incident.partnership_id
    assert ctx.session.scalar(select(Incident.police_investigating)).value == "not_known"
