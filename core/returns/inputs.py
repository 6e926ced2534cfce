"""What information requests take: sending one, an agency's return, a return received another way."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema

from cspr.returns.services import MAX_BYTES
from cspr.services.inputs import NOT_BLANK, UploadField, area, date, one_of, text

ASKED_HINT = ("What the agency should send: its involvement with the family, the records it holds, "
              "its view of what happened. Use the child's pseudonym, never their name.")


def agencies(ctx: Any) -> list[tuple[str, str]]:
    """The agencies a request may go to: the partnership's safeguarding partners and relevant agencies."""
    return [("", "Select the agency")] + [(a["key"], a["name"]) for a in ctx.policy.agencies]


class RequestIn(Schema):
    """An information request to one agency."""

    agency = text("Agency", max_length=64, widget="select", message="Select the agency",
                  meta={**one_of("agencies"), "choices": agencies})
    asked = area("What is asked", required=True, max_length=5000, meta=NOT_BLANK,
                 message="Enter what the agency is asked for", hint=ASKED_HINT)
    due_on = date("Due date", required=False,
                  hint="Leave it empty for the partnership's usual time to answer, in working days.")


class ReturnIn(Schema):
    """An agency's return: a PDF."""

    file = UploadField(
        required=True,  # its size and content are checked on the decoded file (cspr.returns.services)
        error_messages={"required": "Select the return to upload", "null": "Select the return to upload",
                        "invalid": "The return must be encoded as base64"},
        metadata={"label": "The return", "widget": "file",
                  "hint": "A PDF, up to 10 MB, without scripts or attachments.",
                  "description": f"The PDF, base64-encoded (up to {MAX_BYTES:,} bytes)."})


class ReceivedIn(Schema):
    """A return that came another way (by e-mail, on paper)."""

    received_on = date("Date received")
    note = text("How it came", max_length=500, required=False,
                hint="For example, by e-mail to the business unit.")
