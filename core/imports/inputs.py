"""What the going-live page takes: a filled-in template to check."""

from __future__ import annotations

from marshmallow import Schema

from cspr.services.inputs import UploadField


class GoingLiveIn(Schema):
    """A filled-in going-live template (the workbook, or one sheet as CSV)."""

    file = UploadField(
        required=True,  # its size is checked on the decoded file (cspr.imports.reading)
        error_messages={
            "required": "Select the file to check",
            "null": "Select the file to check",
            "invalid": "The file must be encoded as base64",
        },
        metadata={
            "label": "The filled-in template",
            "widget": "file",
            "hint": "The workbook (XLSX) or one of its sheets as CSV, up to 10 MB.",
        },
    )
