"""What the chronology takes: an entry (from the app, the API or a spreadsheet's row), a file to import."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cspr.chronology.dates import EARLIEST_YEAR, PATTERN, PartialDate, from_iso
from cspr.services.inputs import NOT_BLANK, UploadField, area, flag, one_of, text

MAX_BYTES = 5 * 1024 * 1024  # a spreadsheet to import: 5 MB
DATE_LABEL = "Date"
DATE_HINT = ("For example, 27 3 2025. If you know only the month, leave the day empty and enter the month "
             "and year, for example, 3 2025.")


class PartialDateField(fields.String):
    """A date to the day (2025-03-14) or only to the month (2025-03); loads as a PartialDate."""

    default_error_messages = {
        "invalid": f"{DATE_LABEL} must be a real date, like 2025-03-27, or a month and year, like 2025-03",
        "early": f"{DATE_LABEL} must be in {EARLIEST_YEAR} or later",
    }

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        text_value = super()._deserialize(value, attr, data, **kwargs)
        found = from_iso(text_value.strip())
        if found is None:
            raise self.make_error("invalid")
        if found.year < EARLIEST_YEAR:
            raise self.make_error("early")
        return found

    def _serialize(self, value, attr, obj, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return value.iso() if isinstance(value, PartialDate) else value


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The agencies an entry may be for: all the partnership's agencies, or a contributor's own."""
    from cspr.chronology.services import agencies_for

    return [("", "Select the agency")] + agencies_for(ctx)


class EntryIn(Schema):
    """An entry of the multi-agency chronology (no child's name, address or date of birth)."""

    occurred_on = PartialDateField(
        required=True,
        error_messages={"required": "Enter the date, or the month and year", "null": "Enter the date"},
        metadata={"label": DATE_LABEL, "widget": "partial_date", "hint": DATE_HINT, "pattern": PATTERN,
                  "description": "The day (2025-03-14), or the month when that is all that is known "
                                 "(2025-03)."})
    agency = text("Agency", max_length=64, widget="select", message="Select the agency",
                  meta={**one_of("agencies"), "choices": agencies})
    what_happened = area("What happened", required=True, meta=NOT_BLANK, message="Enter what happened",
                         hint="Do not enter the child's or family's names, addresses or dates of birth.")
    source = text("Source document", required=False, max_length=200,
                  hint="A reference to where this is recorded, for example, 'GP records, consultation note'.")
    key_episode = flag("Key practice episode",
                       hint="A period or event that is significant for the review's learning.")


class ImportIn(Schema):
    """A filled-in chronology spreadsheet (the platform's template, as XLSX or CSV)."""

    file = UploadField(
        required=True,  # its size (MAX_BYTES) is checked on the decoded file (cspr.chronology.spreadsheets)
        error_messages={"required": "Select the spreadsheet to import",
                        "null": "Select the spreadsheet to import",
                        "invalid": "The spreadsheet must be encoded as base64"},
        metadata={"label": "The spreadsheet", "widget": "file",
                  "hint": "An XLSX or CSV file made from the template, up to 5 MB."})


class ChronologyQuery(Schema):
    """Which entries of the chronology to list."""

    agency = text("Agency", max_length=64, required=False, meta={**one_of("agencies"),
                  "description": "Only this agency's entries (its key)."})
