"""What publishing a review takes: what is published, the report, a partner's sign-off, the terms."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cspr.reviews.inputs import learning_themes, partners, people, publication_form, publication_note
from cspr.services.inputs import area, choice, date, email, one_of, text, upload

#: What the OpenAPI document says of the identifying terms (and the pattern a term list must match).
TERMS = {"pattern": r"^[^\x00]*[^\s,\x00][^,\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\x00]*[^\s,\x00][^\x00]*$",
         "description": "The names and places that identify the child and family, one per line (or "
                        "comma-separated; a term has at least 2 characters). Nothing is published if the "
                        "report, summary or a briefing contains one; they are not stored."}
REPORT_MAX_BASE64 = 36_000_000  # 25 MB of PDF, as base64


class PublicationIn(Schema):
    """Publication of the review: a partner's sign-off, the terms the guard looks for, the report."""

    published_on = date("published")
    publication_form = publication_form("What is published")
    publication_note = publication_note()
    report_pdf = upload(
        "The report (PDF)", max_length=REPORT_MAX_BASE64,
        invalid="The report must be a PDF encoded as base64",
        hint="The anonymised report, its summary or redacted version; 25 MB at most.",
        meta={"form_name": "report", "description": "The report as a base64-encoded PDF (at most 25 MB); "
                                                    "needed to publish in full."})
    summary = area("Summary for the public page")
    themes = learning_themes()
    authors = people("Authors", "The report's author or authors, one a line, as the report names them. "
                     "They are shown on the public page.")
    co_publisher = text("Co-publisher", required=False, max_length=200,
                        hint="Another body publishing it with the partnership, for example the community "
                             "safety partnership of a domestic homicide review.")
    signed_off_by = choice(None, "The safeguarding partner who signed off the publication", labels=partners,
                           message="Select the partner who signed it off",
                           validate=validate.Length(min=1, max=64,
                                                    error="Select the partner who signed it off"),
                           meta={"description": "The key of the safeguarding partner who signed off the "
                                                "publication.", **one_of("partners")})
    identifying_terms = area(
        "Names and places that identify the child and family", required=True,
        message="Enter the names and places that identify the child and family",
        meta={**TERMS, "not_kept": True},  # never stored, not even while the answers are checked
        hint="One per line: the child's and family members' names, the school, the street. "
             "Everything to be published is searched for them. They are not stored.")


BRIEFING_TERMS_HINT = ("The review is published, so this briefing is public once saved. One per line: "
                       "the child's and family members' names, the school, the street. The briefing is "
                       "searched for them. They are not stored.")


def briefing_schema(fmt: dict[str, Any], published: bool) -> type[Schema]:
    """A learning briefing in the format ``fmt``: its title and one text per section, in the format's order.

    A published review's briefing is public as soon as it is saved, so it also takes the identifying
    terms (never stored) for the anonymisation guard, as publishing does.
    """
    declared: dict[str, fields.Field] = {"title": text("Title of the briefing")}
    for section in fmt["sections"]:
        declared[f"section_{section['key']}"] = area(section["title"], max_length=5000,
                                                     hint=section.get("prompt") or None)
    if published:
        declared["identifying_terms"] = area("Names and places that identify the child and family",
                                             hint=BRIEFING_TERMS_HINT)
    return Schema.from_dict(declared, name=f"Briefing_{fmt['key']}")


class ReportRequestIn(Schema):
    """A member of the public asks for an archived report."""

    review = choice(None, "Which report", widget="select", message="Select the report you would like")
    name = text("Your name", max_length=200)
    email = email("Your email address", message="Enter your email address",
                  hint="The partnership's team replies to this address.")
    reason = area("Anything the team should know (optional)")
