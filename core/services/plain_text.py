"""The one rule for single-line text (pseudonyms, titles, people's names), for the forms and the API alike.

A pseudonym is shown on pages, in exports and in e-mails. Control characters, line breaks
and the invisible characters that reverse the direction of text (U+202E "RIGHT-TO-LEFT
OVERRIDE" makes "Child A‮gnp.exe" read differently from what is stored) have no place in a
single line of text, nor does markup: they are refused with a message naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import marshmallow

#: Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the marks U+200E/U+200F, U+061C.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS = frozenset("\r\n\v\f\x85\u2028\u2029")
MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z]")  # the start of a tag, like <b>, </p>, <!-- or <script


def single_line_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a single line of text, worded to follow the field's name; or None."""
    for char in value:
        if char in LINE_BREAKS:
            return "must be on one line"
        if char in BIDI_CONTROLS:
            return "must not contain hidden characters that change the direction of the text"
        if unicodedata.category(char) == "Cc":
            return "must not contain control characters, such as tabs"
    if MARKUP.search(value):
        return "must not contain markup, like <b> or <script>"
    return None


class SingleLine(marshmallow.validate.Validator):
    """The rule as a marshmallow validator, ``validate=SingleLine("Pseudonym")``; staff forms run it too."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: Any) -> Any:
        """Raise a ValidationError naming the field when the value breaks the rule."""
        problem = single_line_problem(value) if isinstance(value, str) else None
        if problem:
            raise marshmallow.ValidationError(f"{self.label} {problem}")
        return value

