"""What the figures API returns: each table of the year, each figure with the cases behind it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cspr.reporting.figures import YearlyFigures


class CaseOut(Schema):
    """A case a figure counts."""

    type = fields.String(metadata={"description": "incident, review or action"})
    id = fields.Integer()
    name = fields.String(metadata={"description": "The pseudonym and reference, the review's title, or "
                                                  "the action's description."})
    review_id = fields.Integer(allow_none=True, metadata={"description": "An action's review."})


class FigureOut(Schema):
    """One figure: how many cases, out of how many for a share, and which."""

    key = fields.String(metadata={"example": "notifications.in_time"})
    label = fields.String()
    count = fields.Integer()
    of = fields.Integer(allow_none=True, metadata={"description": "For a share: the count it is out of."})
    percent = fields.Integer(allow_none=True, metadata={"description": "For a share: count/of, rounded."})
    cases = fields.List(fields.Nested(CaseOut))


class TableOut(Schema):
    """Figures shown and charted together."""

    key = fields.String()
    title = fields.String()
    description = fields.String()
    figures = fields.List(fields.Nested(FigureOut))


class YearOut(Schema):
    """A reporting year."""

    year = fields.Integer(metadata={"description": "The calendar year it starts in."})
    label = fields.String(metadata={"example": "April 2025 to March 2026"})
    starts_on = fields.Date()
    ends_on = fields.Date()


class FiguresOut(Schema):
    """The yearly figures of the partnership, or of one area."""

    reporting_year = fields.Nested(YearOut)
    area = fields.String(allow_none=True)
    areas = fields.List(fields.String(), metadata={"description": "The partnership's areas."})
    as_of = fields.Date(metadata={"description": "The year's last day, or today while the year runs."})
    tables = fields.List(fields.Nested(TableOut))


def figures_dict(figures: YearlyFigures, areas: list[str], with_cases: bool = True) -> dict[str, Any]:
    """The figures as the API gives them (without the cases for one who may not see case records)."""
    y = figures.year
    return {
        "reporting_year": {"year": y.key, "label": y.label, "starts_on": y.start, "ends_on": y.end},
        "area": figures.area, "areas": areas, "as_of": figures.as_of,
        "tables": [{"key": t.key, "title": t.title, "description": t.description, "figures": [
            {"key": f.key, "label": f.label, "count": f.count, "of": f.of, "percent": f.percent,
             "cases": [vars(c) for c in f.cases] if with_cases else []}
            for f in t.figures]} for t in figures.tables],
    }
