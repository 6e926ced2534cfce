"""What the reporting pages and API take: the reporting year and, optionally, one area."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cspr.reporting.figures import FIRST_YEAR, LAST_YEAR
from cspr.services.inputs import one_of


class FiguresQuery(Schema):
    """Which year's figures, for the whole partnership or one local authority area."""

    year = fields.Integer(strict=False, error_messages={
        "invalid": "Enter the reporting year as the year it starts in, like 2025"}, validate=validate.Range(
        min=FIRST_YEAR, max=LAST_YEAR, error=f"Enter a reporting year from {FIRST_YEAR} to {LAST_YEAR}"),
        metadata={"description": "The calendar year the reporting year starts in (default: the one "
                                 "holding today).", "example": 2025})
    area = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "One of the partnership's local authority areas (default: all of them).",
        **one_of("areas")})
