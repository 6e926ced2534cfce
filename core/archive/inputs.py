"""What staff enter about a deposit: the copy number the NSPCC gave it, and when."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, validates

from cspr.services.inputs import date, text

#: An NSPCC copy number as staff type it from the NSPCC's reply: letters and digits, with - / . or spaces.
COPY_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$"
COPY_NUMBER_ERROR = (
    "Copy number must be the NSPCC's number for the deposit, using only letters, numbers, "
    "spaces, hyphens, full stops or slashes, like NSPCC-2026-0412"
)


class AcknowledgeIn(Schema):
    """The NSPCC acknowledged the deposit and gave it a copy number."""

    copy_number = text(
        "Copy number",
        max_length=40,
        message="Enter the copy number the NSPCC gave the deposit",
        hint="As the NSPCC's reply gives it, like NSPCC-2026-0412",
    )
    acknowledged_on = date(
        "Date the NSPCC acknowledged the deposit",
        message="Enter the date the NSPCC acknowledged the deposit",
        hint="For example, 27 3 2026",
    )

    @validates("copy_number")
    def _copy_number(self, value: str, **_kwargs: Any) -> None:
        """Letters and digits as the NSPCC writes them; nothing else."""
        if not re.fullmatch(COPY_NUMBER, value.strip()):
            raise ValidationError(COPY_NUMBER_ERROR)
