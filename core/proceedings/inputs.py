"""What the proceedings take: recording one, an update, an expected date, a moved date, filters."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cspr.proceedings.models import ProceedingKind, ProceedingStatus
from cspr.proceedings.services import KIND_LABELS, STATUS_LABELS
from cspr.services.inputs import MAX_ID, NOT_BLANK, area, choice, date, enum, flag, text

KINDS = {k.value: v for k, v in KIND_LABELS.items()}
STATUSES = {k.value: v for k, v in STATUS_LABELS.items()}
RESTRICTS_HINT = ("Tick if the police, the Crown Prosecution Service, the coroner or the court has asked "
                  "for the report not to be published until these proceedings are over.")


def _status() -> fields.Enum:
    return choice(ProceedingStatus, "Status", labels=STATUSES,
                  hint="Open: under way. Pending: waiting for a decision or a hearing. "
                       "Concluded: over.")


def _description() -> fields.String:
    return text("Description", max_length=200, required=False,
                hint="For example, Crown Court trial or coroner's inquest. Never a name or an address.")


class ProceedingIn(Schema):
    """A proceeding running alongside the case."""

    kind = choice(ProceedingKind, "Kind of proceedings", labels=KINDS)
    description = _description()
    status = _status()
    restricts_publication = flag("These proceedings restrict publication", hint=RESTRICTS_HINT)
    note = area("Note", max_length=2000, hint="What is known so far.")


class ProceedingUpdate(Schema):
    """An update on a proceeding: its status, whether it restricts publication, what happened."""

    status = _status()
    restricts_publication = flag("These proceedings restrict publication", hint=RESTRICTS_HINT)
    description = _description()
    note = area("What has happened", max_length=2000,
                hint="An update settles every expected date that has come: no more reminders about them.")


class ExpectedDateIn(Schema):
    """A date expected in a proceeding."""

    event = text("What is expected", max_length=100, meta=NOT_BLANK,
                 hint="For example, charging decision, trial, inquest hearing, final hearing.")
    expected_on = date("proceeding_expected",
                       hint="A reminder comes the working day after it if no update is recorded.")


class MovedDateIn(Schema):
    """An expected date that moved (a trial relisted, a hearing adjourned)."""

    expected_on = date("New expected date", hint="A reminder comes the working day after it if no "
                                                 "update is recorded.")
    reason = text("Reason for the change", max_length=500, required=False)


class ProceedingQuery(Schema):
    """Filters for the list of proceedings."""

    incident_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    review_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    status = enum(ProceedingStatus)
    restricts_publication = fields.Boolean()
