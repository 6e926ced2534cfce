"""Who may do what: the one matrix of roles against the actions the staff pages and the API check."""

from __future__ import annotations

import enum

from cspr.accounts.models import Role


class Permission(enum.StrEnum):
    """A named action a member may or may not take in their partnership."""

    READ_CASES = "read cases"  # case pages, the case tracker page, cases in the API
    EDIT_CASES = "edit cases"  # record an incident, the notification, the meeting, corrections
    SIGN_OFF = "sign off"  # decisions, the Panel's response, the final report, responses, assurance
    SEE_DASHBOARD = "see dashboard"
    READ_REVIEWS = "read reviews"  # a review's page; reviews, recommendations and actions in the API
    LIST_REVIEWS = "list reviews"  # the staff list of all reviews
    READ_ACTION_PLAN = "read action plan"  # the staff action plan page
    EDIT_REVIEWS = "edit reviews"  # start one, its terms, reviewer, dates, report sent, archive
    RECORD_DRAFT = "record draft"
    PUBLISH = "publish"
    EDIT_ACTION_PLAN = "edit action plan"  # add recommendations and actions, update actions
    READ_DEADLINES = "read deadlines"  # the deadlines in the API (reviewers see their reviews' only)
    EXPORT_TRACKER = "export tracker"  # CSV and XLSX
    EXPORT_DEADLINES = "export deadlines"  # the iCalendar feed
    MANAGE_BRIEFINGS = "manage briefings"
    MANAGE_MEMBERS = "manage members"
    MANAGE_MESSAGES = "manage messages"  # the outbox: see and retry messages
    MANAGE_HOLDS = "manage holds"
    READ_AUDIT_TRAIL = "read audit trail"
    READ_PROCEEDINGS = "read proceedings"  # a case's parallel proceedings, on its pages and in the API
    EDIT_PROCEEDINGS = "edit proceedings"  # record them, their updates and expected dates
    READ_CHRONOLOGY = "read chronology"  # a case's merged multi-agency chronology, in the app and the API
    ADD_CHRONOLOGY_ENTRY = "add chronology entry"  # one entry (a contributor: their own agency's only)
    EDIT_CHRONOLOGY = "edit chronology"  # remove an entry
    IMPORT_CHRONOLOGY = "import chronology"  # a filled-in template (a contributor: their own agency's rows)
    EXPORT_CHRONOLOGY = "export chronology"  # the chronology as Word and XLSX
    READ_INFORMATION_REQUESTS = "read information requests"  # the agencies' requests (a contributor: own)
    SEND_INFORMATION_REQUESTS = "send information requests"  # ask an agency; mark a return received
    UPLOAD_RETURNS = "upload returns"  # an agency's return to a request sent to it
    READ_DOCUMENTS = "read documents"  # a case's documents (a reviewer: their review's only)
    UPLOAD_DOCUMENTS = "upload documents"  # a new document or a new version of one
    COMMENT_ON_DOCUMENTS = "comment on documents"  # a comment against a version
    SIGN_OFF_DOCUMENTS = "sign off documents"  # a partner's sign-off of the final report's latest version
    READ_FIGURES = "read figures"  # the yearly figures, on their page and in the API
    EXPORT_FIGURES = "export figures"  # the yearly figures as XLSX and Word
    EXPORT_ACTION_PLAN = "export action plan"  # the board's view of the action plans as XLSX and Word
    MANAGE_SETTINGS = "manage settings"  # local settings: closure days, contact, page text (never statutory)
    READ_ARCHIVE = "read archive"  # the Archive page: deposits, their packages, the catalogue export
    MANAGE_ARCHIVE = "manage archive"  # send a deposit to the NSPCC, record its copy number, verify it
    IMPORT_RECORDS = "import records"  # going live: cases, reviews and action plans from a template


_ADMIN = frozenset({Role.ADMIN})
_SIGNERS = frozenset({Role.ADMIN, Role.PARTNER})
_STAFF_READERS = frozenset({Role.ADMIN, Role.PARTNER, Role.VIEWER})  # the staff, but not the reviewer
_STAFF = frozenset({Role.ADMIN, Role.PARTNER, Role.REVIEWER, Role.VIEWER})  # not the agency contributor
_CONTRIBUTORS = frozenset({Role.ADMIN, Role.CONTRIBUTOR})  # the admin, or the agency answering
_REQUEST_READERS = frozenset({Role.ADMIN, Role.PARTNER, Role.VIEWER, Role.CONTRIBUTOR})
# the independent scrutineer reads the figures and the action plans of published reviews, never a case record
_OVERSIGHT = frozenset({Role.ADMIN, Role.PARTNER, Role.VIEWER, Role.SCRUTINEER})

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.READ_CASES: _STAFF_READERS,
    Permission.EDIT_CASES: _ADMIN,
    Permission.SIGN_OFF: _SIGNERS,
    Permission.SEE_DASHBOARD: _STAFF | {Role.SCRUTINEER},  # a scrutineer's home lists published reviews
    Permission.READ_REVIEWS: _STAFF,
    Permission.LIST_REVIEWS: _STAFF_READERS,
    Permission.READ_ACTION_PLAN: _OVERSIGHT,  # a scrutineer: published reviews' plans only
    Permission.EDIT_REVIEWS: _ADMIN,
    Permission.RECORD_DRAFT: frozenset({Role.ADMIN, Role.REVIEWER}),
    Permission.PUBLISH: _ADMIN,
    Permission.EDIT_ACTION_PLAN: _ADMIN,
    Permission.READ_DEADLINES: _STAFF,
    Permission.EXPORT_TRACKER: _STAFF_READERS,
    Permission.EXPORT_DEADLINES: _STAFF_READERS,
    Permission.MANAGE_BRIEFINGS: _ADMIN,
    Permission.MANAGE_MEMBERS: _ADMIN,
    Permission.MANAGE_MESSAGES: _ADMIN,
    Permission.MANAGE_HOLDS: _ADMIN,
    Permission.READ_AUDIT_TRAIL: _ADMIN,
    Permission.READ_PROCEEDINGS: _STAFF_READERS,
    Permission.EDIT_PROCEEDINGS: _ADMIN,
    Permission.READ_CHRONOLOGY: _STAFF_READERS,
    # a contributor: for their own agency, on a case their agency was asked about (cspr.chronology.services)
    Permission.ADD_CHRONOLOGY_ENTRY: _CONTRIBUTORS,
    Permission.EDIT_CHRONOLOGY: _ADMIN,
    Permission.IMPORT_CHRONOLOGY: _CONTRIBUTORS,
    Permission.EXPORT_CHRONOLOGY: _STAFF_READERS,
    Permission.READ_INFORMATION_REQUESTS: _REQUEST_READERS,
    Permission.SEND_INFORMATION_REQUESTS: _ADMIN,
    Permission.UPLOAD_RETURNS: _CONTRIBUTORS,
    Permission.READ_DOCUMENTS: _STAFF,
    Permission.UPLOAD_DOCUMENTS: frozenset({Role.ADMIN, Role.REVIEWER}),
    Permission.COMMENT_ON_DOCUMENTS: frozenset({Role.ADMIN, Role.PARTNER, Role.REVIEWER}),
    Permission.SIGN_OFF_DOCUMENTS: _SIGNERS,
    Permission.READ_FIGURES: _OVERSIGHT,  # a scrutineer: the numbers, not the cases behind them
    Permission.EXPORT_FIGURES: _OVERSIGHT,
    Permission.EXPORT_ACTION_PLAN: _OVERSIGHT,
    Permission.MANAGE_SETTINGS: _ADMIN,
    Permission.READ_ARCHIVE: _STAFF_READERS,
    Permission.MANAGE_ARCHIVE: _ADMIN,
    Permission.IMPORT_RECORDS: _ADMIN,
}


def roles_for(action: Permission) -> frozenset[Role]:
    """The roles that may take the action."""
    return MATRIX[action]


def allowed(role: Role | None, action: Permission) -> bool:
    """Whether a member with this role may take the action (no role: never)."""
    return role is not None and role in MATRIX[action]


def describe(action: Permission) -> str:
    """The roles that may take the action, in Role's order, for a refusal: 'admin or partner'."""
    return " or ".join(r.value for r in Role if r in MATRIX[action])
