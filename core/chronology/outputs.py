"""What the chronology API returns: entries, and the count an import added."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.chronology.dates import PartialDate
from cspr.chronology.models import DatePrecision
from cspr.services.inputs import enum


def _date(entry: object) -> PartialDate:
    return PartialDate(entry.year, entry.month, entry.day)  # type: ignore[attr-defined]


class EntryOut(Schema):
    """An entry of a case's chronology."""

    id = fields.Integer()
    incident_id = fields.Integer()
    occurred_on = fields.Function(lambda e: _date(e).iso(), metadata={
        "description": "2025-03-14, or 2025-03 when only the month is known"})
    precision = enum(DatePrecision)
    date_shown = fields.Function(lambda e: _date(e).shown(),
                                 metadata={"description": "14 March 2025, or March 2025"})
    agency = fields.String()
    what_happened = fields.String()
    source = fields.String(allow_none=True)
    key_episode = fields.Boolean()


class ImportOut(Schema):
    """What an import added."""

    imported = fields.Integer()
    entries = fields.List(fields.Nested(EntryOut))
