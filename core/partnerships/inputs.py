"""What a partnership admin's local settings take: closure days, contact, statement, page text, recipients."""

from __future__ import annotations

from marshmallow import Schema, validate

from cspr.reviews.inputs import link
from cspr.services.inputs import area, choice, date, email, text


class ClosureDaysIn(Schema):
    """The partnership's own closure days, added to its plugin's (they move local targets only)."""

    closure_days = area("Closure days", required=False, max_length=2000,
                        hint="One date a line, like 2026-12-29. They move the partnership's own local "
                             "targets only, never a statutory deadline. At most 10 working days a year.")


class ContactIn(Schema):
    """How the public and practitioners reach the team (shown on the public page)."""

    email = email("Email address", hint="The team's address, shown on the public page.")
    phone = text("Phone number", required=False, max_length=40)
    url = link("Website", "A full address, like https://www.example.org")


class StatementIn(Schema):
    """A statement on the public page, such as the chair's on a new publication."""

    title = text("Title", max_length=200)
    body = area("Text", required=True, max_length=5000, message="Enter the text of the statement",
                hint="Plain text: leave a blank line between paragraphs.")
    position = choice(None, "Where it shows", labels={"top": "At the top of the page",
                                                     "bottom": "At the bottom of the page"},
                      message="Select where the statement shows",
                      validate=validate.OneOf(("top", "bottom"), error="Select where the statement shows"))
    since = date("Show from", required=False, hint="Leave empty to show it now.")
    until = date("Show until", required=False, hint="Leave empty to show it until you remove it.")


class PageTextIn(Schema):
    """The public page's opening text, under "What a review is"."""

    page_text = area("Opening text", required=True, max_length=5000, message="Enter the opening text",
                     hint="Plain text: leave a blank line between paragraphs.")


class ReminderRecipientsIn(Schema):
    """Who receives each stage of the reminders, among the recipients the plugin allows."""

    reminder_recipients = area(
        "Reminder recipients", required=True, max_length=4000, message="Enter a stage and its recipients",
        hint="One stage a line, like \u201cescalated: admin, partner, chair\u201d. A stage you leave out "
             "keeps the plugin's recipients; every stage still goes out, statutory reminders included.")
