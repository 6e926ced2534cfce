"""Codes in words: the one place that turns an event, a field or a stored code into what a person reads.

Pages, exports, feeds and e-mails call :func:`event`, :func:`field` and :func:`value` (the templates
through the ``words``, ``field_words`` and ``value_words`` filters) rather than showing ``sign_in``,
``prev_hash`` or ``local_cspr``. Named words come first; any other code is spelt out by
:func:`spelt_out` ("sent_to_panel_on" is "Sent to panel on"), so a new code never reaches a person raw.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

#: Audit events, by their action code.
EVENTS: dict[str, str] = {
    "access.denied": "Access refused",
    "access.denied.summary": "Access refused (summary of a window)",
    "account.disabled": "Account stopped",
    "account.enabled": "Account restarted",
    "account.locked": "Account locked after wrong passwords",
    "action.added": "Action added",
    "action.assured": "Action assured",
    "action.updated": "Action updated",
    "action.withdrawn": "Action withdrawn",
    "archive.acknowledged": "NSPCC's copy number recorded",
    "archive.deposited": "Deposit package prepared",
    "archive.downloaded": "Deposit package downloaded",
    "archive.queued": "Deposit e-mail to the NSPCC queued",
    "archive.sent": "Deposit e-mailed to the NSPCC",
    "archive.verified": "Deposit package checked",
    "audit.exported": "Audit trail downloaded",
    "audit.viewed": "Audit trail viewed",
    "briefing.created": "Briefing written",
    "briefing.guard_checked": "Briefing checked for identifying terms",
    "briefing.updated": "Briefing changed",
    "case_document.commented": "Comment on a document",
    "case_document.created": "Document added",
    "case_document.downloaded": "Document downloaded",
    "case_document.signed_off": "Final report signed off",
    "case_document.version_uploaded": "New version of a document",
    "chronology.entry_added": "Chronology entry added",
    "chronology.entry_deleted": "Chronology entry removed",
    "chronology.imported": "Chronology spreadsheet imported",
    "deadline.cancelled": "Deadline cancelled",
    "deadline.met": "Deadline met",
    "deadline.recomputed": "Deadline worked out again",
    "deadline.set": "Deadline set",
    "demo.loaded": "Demo data loaded",
    "document.stored": "Report stored",
    "export.downloaded": "Export downloaded",
    "hold.placed": "Legal hold placed",
    "hold.released": "Legal hold released",
    "incident.child_added": "Child added to the incident",
    "incident.child_changed": "Child's details changed",
    "incident.child_removed": "Child removed from the incident",
    "incident.corrected": "Incident corrected",
    "incident.details_changed": "Incident details changed",
    "incident.panel_notification_exported": "Notification to the Panel downloaded",
    "incident.rapid_review_document": "Rapid review document downloaded",
    "incident.recorded": "Incident recorded",
    "information_request.received": "Agency return recorded as received",
    "information_request.return_downloaded": "Agency return downloaded",
    "information_request.returned": "Agency return uploaded",
    "information_request.sent": "Information request sent to an agency",
    "membership.created": "Member added",
    "membership.removed": "Member removed",
    "membership.role_changed": "Member's role changed",
    "notification.corrected": "Notification corrected",
    "notification.recorded": "Notification to the Panel recorded",
    "outbox.retried": "Message sent again",
    "partnership.disabled": "Partnership switched off",
    "partnership.enabled": "Partnership switched on",
    "partnership.exported": "Partnership exported",
    "partnership.imported": "Partnership imported",
    "password.reset": "Password reset",
    "proceeding.date_expected": "Expected date of a proceeding added",
    "proceeding.date_moved": "Expected date of a proceeding moved",
    "proceeding.recorded": "Proceeding recorded",
    "proceeding.updated": "Proceeding updated",
    "publication.refused": "Publication refused",
    "publication.signed_off": "Publication signed off",
    "rapid_review.decided": "Rapid review decision recorded",
    "rapid_review.meeting": "Rapid review meeting recorded",
    "rapid_review.panel_response": "Panel's response recorded",
    "recommendation.added": "Recommendation added",
    "record.imported": "Record imported (going live)",
    "recommendation.responded": "Response to a recommendation recorded",
    "recommendation.withdrawn": "Recommendation withdrawn",
    "retention.applied": "Retention rules applied",
    "review.archived": "Review archived",
    "review.corrected": "Review corrected",
    "review.draft_received": "Draft report received",
    "review.family_answered": "Family's answer recorded",
    "review.family_offered": "Family offered involvement",
    "review.final_agreed": "Final report agreed",
    "review.learning_event_recorded": "Learning event recorded",
    "review.legacy_recorded": "Earlier review recorded",
    "review.progress_exported": "Progress summary downloaded",
    "review.publication_delayed": "Reason for a late publication recorded",
    "review.publication_planned": "Publication planned",
    "review.published": "Review published",
    "review.report_sent": "Report sent to the Panel and the Secretary of State",
    "review.reviewer_commissioned": "Reviewer commissioned",
    "review.started": "Review started",
    "review.terms_agreed": "Terms of reference agreed",
    "sign_in.failed": "Sign-in failed",
    "sign_in.reauthenticated": "Password and code asked again",
    "sign_in.sso_refused": "Single sign-on refused",
    "sign_in.succeeded": "Signed in",
    "settings.changed": "Local setting changed",
    "settings.reset": "Local setting reset to the plugin's value",
    "sign_out": "Signed out",
    "token.issued": "API token issued",
    "token.revoked": "API token revoked",
    "two_factor.enrolled": "Authenticator app set up",
    "two_factor.recovery_code_used": "Recovery code used",
    "two_factor.recovery_codes_made": "Recovery codes made",
    "two_factor.reset": "Authenticator app reset",
}

#: Field names (an event's detail, a record's column), by their code.
FIELDS: dict[str, str] = {
    "seq": "Number in the trail",
    "prev_hash": "Hash of the event before",
    "hash": "Hash of this event",
    "canonical": "Text the hash is of",
    "actor": "Who",
    "remote_addr": "From where",
    "object_type": "Record",
    "object_id": "Record number",
    "sent_to_panel_on": "Sent to the Panel on",
    "panel_reference": "Panel's reference",
    "la_case_reference": "Local authority's case reference",
    "la_area": "Local authority area",
    "aware_on": "Local authority became aware on",
    "incident_on": "Incident happened on",
    "ofsted_sos_notified_on": "Ofsted and the Secretary of State told on",
    "sha256": "Checksum (SHA-256)",
    "rag": "RAG rating",
    "due_on": "Due",
    "met_on": "Met on",
    "was_reason": "Reason before",
    "was_detail": "Detail before",
    "delay_reason": "Reason for the delay",
    "delay_detail": "Detail of the delay",
    "terms_checked": "Identifying terms checked",
    "texts_checked": "Texts checked",
    "fingerprints": "Fingerprints of the terms",
    "partners_missing": "Partners still to sign off",
    "signed_off_by": "Signed off by",
    "emailed": "E-mails sent",
    "note_given": "Note given",
    "replaced": "Replaced an earlier one",
    "incident_id": "Incident",
    "review_id": "Review",
    "user_id": "Person",
    "copy_number": "NSPCC copy number",
    "acknowledged_on": "Acknowledged on",
    "link_expires_at": "Download link expires",
    "delivery": "How the package was sent",
    "outbox_id": "Message",
    "recipient": "Sent to",
    "sheet": "Sheet of the going-live file",
    "row": "Row of the going-live file",
    "unsent_reminders": "Reminders waiting to be sent, taken back",
    "withdrawn_at": "Withdrawn on",
    "withdrawn_by": "Withdrawn by",
    "withdrawn_reason": "Why it was withdrawn",
}

#: Words inside a code that are spelt differently in English.
_TERMS = {"cspr": "CSPR", "cspr_s": "CSPRs", "la": "local authority", "nspcc": "NSPCC", "rag": "RAG",
          "sso": "single sign-on", "api": "API", "csv": "CSV", "xlsx": "Excel", "docx": "Word", "pdf": "PDF",
          "id": "number", "ids": "numbers", "sos": "Secretary of State", "ofsted": "Ofsted", "dhr": "DHR",
          "sar": "SAR", "scr": "serious case review", "url": "address", "sha256": "SHA-256",
          "totp": "authenticator", "panel": "Panel", "ics": "calendar", "rls": "row-level security"}
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:[._][a-z0-9]+)+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def spelt_out(code: str, *, sentence: bool = True) -> str:
    """Any code as words: 'sent_to_panel_on' -> 'Sent to Panel on' (or 'sent to Panel on')."""
    parts = [p for p in re.split(r"[._\s]+", code.strip()) if p]
    if not parts:
        return ""
    words = " ".join(_TERMS.get(p.lower(), p.lower()) for p in parts)
    return words[0].upper() + words[1:] if sentence else words


#: A review's stage (the furthest step it has reached), as the staff pages say it.
STAGES: dict[str, str] = {
    "commissioned": "Commissioned", "decided": "Decided", "terms_agreed": "Terms of reference agreed",
    "reviewer_commissioned": "Reviewer commissioned", "drafting": "Drafting",
    "final_agreed": "Final report agreed", "sent_to_panel": "Report sent to the Panel",
    "published": "Published", "archived": "Archived",
    # an incident's own stage, before a review
    "recorded": "Incident recorded", "notified": "Panel notified", "panel_responded": "Panel responded",
}

#: Where an NSPCC deposit stands, as the Archive page and the catalogue export say it.
DEPOSIT_STATUSES: dict[str, str] = {"prepared": "Prepared", "sent": "Sent to the NSPCC",
                                    "acknowledged": "Acknowledged by the NSPCC"}

#: Records (their table's name) as a person calls one.
RECORDS: dict[str, str] = {
    "incidents": "Incident", "reviews": "Review", "actions": "Action", "recommendations": "Recommendation",
    "deadlines": "Deadline", "briefings": "Briefing", "documents": "Report", "case_documents": "Document",
    "information_requests": "Information request", "chronology_entries": "Chronology entry",
    "proceedings": "Proceeding", "proceeding_dates": "Expected date", "memberships": "Membership",
    "users": "Person", "api_tokens": "API token", "legal_holds": "Legal hold", "outbox": "Message",
    "partnerships": "Partnership", "notifications": "Notification", "rapid_reviews": "Rapid review",
    "incident_children": "Child", "archive_deposits": "NSPCC deposit",
    "outbox_attachments": "Attachment", "review_drafts": "Draft",
    "review_learning_events": "Learning event", "review_family_involvement": "Family involvement",
}


def record(table: str) -> str:
    """A record's kind in words, from its table: 'information_requests' -> 'Information request'."""
    return RECORDS.get(table) or spelt_out(table[:-1] if table.endswith("s") else table)


def counted(n: int, thing: str, things: str | None = None) -> str:
    """A number with its noun, singular or plural: '1 review', '3 reviews' (never 'review(s)')."""
    return f"{n:,} {thing if n == 1 else (things or thing + 's')}"


def plural(n: int, thing: str, things: str | None = None) -> str:
    """The noun for ``n`` of a thing, without the number: 'table' for 1, 'tables' otherwise."""
    return thing if n == 1 else (things or thing + "s")


def deposit_status(code: str) -> str:
    """An NSPCC deposit's status in words: 'sent' -> 'Sent to the NSPCC'."""
    return DEPOSIT_STATUSES.get(str(code)) or spelt_out(str(code))


def stage(code: str) -> str:
    """A review's stage in words: 'sent_to_panel' -> 'Report sent to the Panel'."""
    return STAGES.get(code) or spelt_out(code)


def event(action: str) -> str:
    """An audit event's action in words: 'sign_in.succeeded' -> 'Signed in'."""
    return EVENTS.get(action) or spelt_out(action)


def field(name: str) -> str:
    """A field's name in words: 'prev_hash' -> 'Hash of the event before'."""
    return FIELDS.get(name) or spelt_out(name)


def value(raw: Any) -> str:
    """A stored value as a person reads it: codes spelt out, dates as '5 March 2026', lists joined."""
    if raw is None:
        return "none"
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, dt.datetime):
        return f"{raw:%-d %B %Y %H:%M}"
    if isinstance(raw, dt.date):
        return f"{raw:%-d %B %Y}"
    if isinstance(raw, list | tuple):
        return ", ".join(value(v) for v in raw) if raw else "none"
    if isinstance(raw, dict):
        return "; ".join(f"{field(str(k))}: {value(v)}" for k, v in raw.items())
    text = str(raw)
    if _ISO_DATE.match(text):
        try:
            return value(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if _CODE.match(text) and "." not in text:  # a stored choice such as 'local_cspr' (not an address)
        return spelt_out(text, sentence=False)
    return text


#: Who acted, when it was not a member: the platform's own jobs and commands, by their code.
ACTORS: dict[str, str] = {
    "system:archival": "The platform (the daily archival)",
    "system:archive": "The platform (archiving)",
    "system:clock": "The platform (its daily jobs)",
    "system:outbox": "The platform (sending messages)",
    "cli": "A command run on the server",
    "cli:figures": "A command run on the server (the yearly figures)",
}


def actor(code: str | None) -> str:
    """Who acted, in words, when no member's name is known: 'system:clock' is its daily jobs."""
    if not code:
        return "Unknown"
    if code in ACTORS:
        return ACTORS[code]
    kind, _, who = code.partition(":")
    if kind == "cli":
        return f"A command run on the server by {who}"
    if kind == "oidc":
        return f"Single sign-on ({who})"
    if kind == "user":
        return "A person no longer on the platform"
    if kind == "system":
        return f"The platform ({spelt_out(who, sentence=False)})"
    return spelt_out(code) if _CODE.match(code) else code


__all__ = ["ACTORS", "DEPOSIT_STATUSES", "EVENTS", "FIELDS", "RECORDS", "STAGES", "actor", "counted",
           "deposit_status", "event", "field", "record", "spelt_out", "stage", "value"]
