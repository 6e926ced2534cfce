"""The going-live import: every row through the services that record it in the app, in one transaction.

Each row is recorded by the same services as the staff pages (incidents, notifications, rapid
reviews, reviews, recommendations, actions), so its deadlines are those of a case recorded on the
platform, counted by the same calendars. A dry run does all of it and rolls it back, listing
every row's problems by sheet, row and column; an import commits only when no row has a problem
(and anything that fails part-way, in the database or anywhere else, rolls everything back).
Every record is audited as imported, with who imported it and from which file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from cspr.actions import services as actions
from cspr.actions.models import Rag, Recommendation
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import Incident
from cspr.chronology.spreadsheets import ImportRefused, RowError
from cspr.imports import reading
from cspr.imports.sheets import BY_KEY, INCIDENTS, LEGACY, REVIEWS, SHEETS, Sheet
from cspr.partnerships.models import Partnership
from cspr.reviews import services as reviews
from cspr.reviews.models import Review, ReviewKind
from cspr.services.context import Context
from cspr.services.errors import InputError, StepError, WorkflowError

MAX_LISTED = 100  # problems listed; the rest are counted


@dataclass(frozen=True)
class Problem:
    """A problem with one cell (or one row) of a sheet."""

    sheet: str
    row: int
    column: str
    message: str

    def text(self) -> str:
        """'Incidents, row 4, Date the local authority became aware: enter a real date'."""
        message = self.message
        if not self.row:  # the whole file, or a sheet's headings
            return message if self.sheet == FILE else f"{self.sheet}: {message[:1].lower()}{message[1:]}"
        if message.lower().startswith(self.column.lower()):  # "Date ... must be ..." names the column
            message = message[len(self.column) :].strip()
        message = message[:1].lower() + message[1:]
        return f"{self.sheet}, row {self.row}, {self.column}: {message}"


FILE = "File"


@dataclass
class Outcome:
    """What a dry run found, or an import did: records by sheet, and every problem."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""
    file_name: str = ""

    @property
    def imported(self) -> bool:
        """True once the records are in (committed by the caller)."""
        return not self.dry_run and not self.problems

    def messages(self) -> list[str]:
        """The problems in words, at most ``MAX_LISTED`` and a count of the rest."""
        listed = [p.text() for p in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            listed.append(f"And {len(self.problems) - MAX_LISTED:,} more problems")
        return listed

    def summary(self) -> list[str]:
        """'3 incidents', '2 reviews', ... for each sheet with rows."""
        words = {
            "incidents": ("incident", "incidents"),
            "reviews": ("review under way", "reviews under way"),
            "legacy": ("published review", "published reviews"),
            "actions": ("action", "actions"),
        }
        return [f"{n:,} {words[key][0] if n == 1 else words[key][1]}" for key, n in self.counts.items() if n]


class ImportFailed(WorkflowError):
    """The import found problems: nothing was imported (``outcome`` lists them)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("; ".join(outcome.messages()[:5]))
        self.outcome = outcome


def run(ctx: Context, content: bytes, *, dry_run: bool, file_name: str = "") -> Outcome:
    """Check (``dry_run``) or import a filled-in template into the context's partnership.

    A dry run returns what it found and leaves the session rolled back. An import with any problem
    rolls back and raises :class:`ImportFailed`; without one the records are flushed, for the caller
    to commit. A file that is not a template at all raises ``ImportRefused`` (nothing written).
    """
    outcome = Outcome(dry_run=dry_run, digest=hashlib.sha256(content).hexdigest(), file_name=file_name)
    if not dry_run:
        one_at_a_time(ctx)
    try:
        sheets = reading.read_file(content)
    except ImportRefused as refused:
        outcome.problems = [Problem(FILE, 0, "", p.message) for p in refused.problems]
        raise ImportFailed(outcome) from None
    errors: list[tuple[Sheet, RowError]] = []
    rows: dict[str, list[reading.Row]] = {}
    for key, found in sheets.items():
        sheet = BY_KEY[key]
        cell_errors: list[RowError] = []
        try:
            rows[key] = reading.rows_of(ctx, sheet, found, cell_errors)
        except ImportRefused as refused:
            outcome.problems += [Problem(sheet.name, 0, "", p.message) for p in refused.problems]
            continue
        errors += [(sheet, e) for e in cell_errors]
    outcome.problems += [Problem(s.name, e.row, e.column, e.message) for s, e in errors]
    if not any(rows.values()) and not outcome.problems:
        outcome.problems.append(
            Problem(
                "File", 0, "file", "The file has no rows to import: fill in the template and upload it again"
            )
        )
    bad_rows = {(s.key, e.row) for s, e in errors}
    importer = _Importer(ctx, outcome, file_name or outcome.digest[:12])
    try:
        for sheet in SHEETS:  # incidents first: reviews refer to them, and actions to reviews
            for row in rows.get(sheet.key, []):
                if (sheet.key, row.number) in bad_rows:
                    importer.failed(sheet, row)
                    continue
                importer.row(sheet, row)
    except BaseException:  # anything that fails part-way (the database, a bug): nothing stays
        ctx.session.rollback()
        raise
    outcome.problems.sort(
        key=lambda p: (
            [s.name for s in SHEETS].index(p.sheet) if p.sheet in [s.name for s in SHEETS] else -1,
            p.row,
        )
    )
    if dry_run or outcome.problems:
        ctx.session.rollback()
        if not dry_run:
            raise ImportFailed(outcome)
        return outcome
    ctx.session.flush()
    return outcome


def one_at_a_time(ctx: Context) -> None:
    """Hold the partnership's row until the import commits: a second import waits, then sees the first.

    Its checks ("a case with this reference is already on the platform") run after the wait, so
    two admins importing the same file at once import it once.
    """
    pid = ctx.partnership.id
    if ctx.session.get_bind().dialect.name == "sqlite":  # the database's one writer lock, taken now
        ctx.session.execute(text("UPDATE partnerships SET enabled = enabled WHERE id = :pid"), {"pid": pid})
    else:
        ctx.session.execute(select(Partnership.id).where(Partnership.id == pid).with_for_update())


#: The service's field names that a sheet's column fills, where they differ (per step).
_FIELDS: dict[str, dict[str, str]] = {
    "incident": {},
    "notification": {"sent_on": "notified_on", "partners_told_on": "notified_on"},
    "meeting": {"started_on": "meeting_on"},
    "decision": {"received_on": "panel_response_on"},
    "response": {"received_on": "panel_response_on", "response": "panel_response", "notes": "panel_response"},
    "start": {},
    "terms": {"agreed_on": "terms_on"},
    "reviewer": {"reviewer_user_id": "reviewer_name"},
    "draft": {"received_on": "first_draft_on"},
    "final": {"agreed_on": "final_agreed_on", "agreed_by": "final_agreed_on"},
    "plan": {"delay_detail": "delay_reason"},
    "sent": {"sent_on": "report_sent_on"},
    "legacy": {},
    "recommendation": {"text": "recommendation"},
    "action": {},
}
#: Where a step's refusal (a step out of order) is reported.
_STEP_COLUMN = {
    "incident": "pseudonym",
    "notification": "notified_on",
    "meeting": "meeting_on",
    "decision": "decision",
    "response": "panel_response",
    "start": "kind",
    "terms": "terms_on",
    "reviewer": "commissioned_on",
    "draft": "first_draft_on",
    "final": "final_agreed_on",
    "plan": "planned_on",
    "sent": "report_sent_on",
    "legacy": "title",
    "recommendation": "review",
    "action": "description",
}


class _RowFailed(Exception):
    """This row's problems are recorded; go on to the next row."""


class _Importer:
    """Records rows one by one, each in a savepoint, remembering what later sheets refer to."""

    def __init__(self, ctx: Context, outcome: Outcome, source: str) -> None:
        self.ctx = ctx
        self.outcome = outcome
        self.source = source
        self.cases: dict[str, Incident | None] = {}  # LA case reference (lower) -> incident; None: failed
        self.titles: dict[str, Review | None] = {}  # review title (lower) -> review; None: failed
        self.recommendations: dict[tuple[int, str], Recommendation] = {}

    # -- the frame -------------------------------------------------------------------------
    def failed(self, sheet: Sheet, row: reading.Row) -> None:
        """A row with problems in its cells: what refers to it is not reported again."""
        if sheet is INCIDENTS and row.values.get("la_case_reference"):
            self.cases[row.values["la_case_reference"].lower()] = None
        if sheet in (REVIEWS, LEGACY) and row.values.get("title"):
            self.titles[row.values["title"].lower()] = None

    def row(self, sheet: Sheet, row: reading.Row) -> None:
        """Record one row in a savepoint: all its records, or none of them and its problems listed."""
        handler = {
            "incidents": self._incident,
            "reviews": self._review,
            "legacy": self._legacy,
            "actions": self._action,
        }[sheet.key]
        try:
            with self.ctx.session.begin_nested():
                handler(sheet, row, row.values)
        except _RowFailed:
            self.failed(sheet, row)
            return
        self.outcome.counts[sheet.key] = self.outcome.counts.get(sheet.key, 0) + 1

    def problem(self, sheet: Sheet, row: reading.Row, key: str, message: str) -> _RowFailed:
        """Record a problem in the column filling ``key``; the exception to raise."""
        self.outcome.problems.append(Problem(sheet.name, row.number, sheet.column(key).heading, message))
        return _RowFailed()

    def step(self, sheet: Sheet, row: reading.Row, name: str, call: Callable[[], Any]) -> Any:
        """Run one service step; its refusals become the row's problems, in the columns they are about."""
        try:
            return call()
        except InputError as error:
            names = _FIELDS[name]
            for service_field, message in error.errors.items():
                key = names.get(service_field, service_field)
                key = key if any(c.key == key for c in sheet.columns) else _STEP_COLUMN[name]
                self.outcome.problems.append(
                    Problem(sheet.name, row.number, sheet.column(key).heading, str(message))
                )
            raise _RowFailed() from None
        except StepError as error:
            raise self.problem(sheet, row, _STEP_COLUMN[name], str(error)) from None

    def imported(self, record: Any, sheet: Sheet, row: reading.Row) -> None:
        """The audit event that says the record came in with the import, and who imported it."""
        self.ctx.audit(
            "record.imported", record, sheet=sheet.name, row=row.number, file=self.source, by=self.ctx.actor
        )

    # -- the sheets ------------------------------------------------------------------------
    def _incident(self, sheet: Sheet, row: reading.Row, v: dict[str, Any]) -> None:
        ctx, reference = self.ctx, v["la_case_reference"]
        if reference.lower() in self.cases:
            self.cases[reference.lower()] = None
            raise self.problem(
                sheet,
                row,
                "la_case_reference",
                "Local authority case reference is on an earlier row too: give each case once",
            )
        self.cases[reference.lower()] = None
        if ctx.session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(func.lower(Incident.la_case_reference) == reference.lower())
        ):
            raise self.problem(
                sheet,
                row,
                "la_case_reference",
                "A case with this local authority case reference is already on the platform",
            )
        incident = self.step(
            sheet,
            row,
            "incident",
            lambda: incidents.record(
                ctx,
                pseudonym=v["pseudonym"],
                la_case_reference=reference,
                la_area=v["la_area"],
                age_band=v["age_band"],
                harm=v["harm"],
                incident_on=v["incident_on"],
                aware_on=v["aware_on"],
                looked_after=v.get("looked_after", False),
                care_leaver=v.get("care_leaver", False),
            ),
        )
        later = [
            k
            for k in (
                "panel_reference",
                "ofsted_sos_notified_on",
                "meeting_on",
                "themes",
                "decision",
                "sent_to_panel_on",
                "panel_response",
                "panel_response_on",
            )
            if k in v
        ]
        if "notified_on" in v:
            self.step(
                sheet,
                row,
                "notification",
                lambda: notifications.record(
                    ctx,
                    incident,
                    sent_on=v["notified_on"],
                    panel_reference=v.get("panel_reference"),
                    ofsted_sos_notified_on=v.get("ofsted_sos_notified_on"),
                ),
            )
        elif later:
            raise self.problem(
                sheet,
                row,
                "notified_on",
                "Enter the date the Panel was notified: the later steps in this row need it",
            )
        if "themes" in v or ("meeting_on" in v and "decision" not in v):
            self.step(
                sheet,
                row,
                "meeting",
                lambda: rapid_reviews.record_meeting(
                    ctx, incident, meeting_on=v.get("meeting_on"), themes=v.get("themes")
                ),
            )
        if "decision" in v:
            self.step(
                sheet,
                row,
                "decision",
                lambda: rapid_reviews.decide(
                    ctx,
                    incident,
                    decision=v["decision"],
                    sent_to_panel_on=v.get("sent_to_panel_on"),
                    meeting_on=v.get("meeting_on"),
                    review_title=v.get("review_title"),
                ),
            )
        elif "sent_to_panel_on" in v or "panel_response" in v:
            raise self.problem(
                sheet,
                row,
                "decision",
                "Select the partners' decision: it goes to the Panel with the rapid review",
            )
        if "panel_response" in v or "panel_response_on" in v:
            if "panel_response" not in v:
                raise self.problem(sheet, row, "panel_response", "Select the Panel's response")
            if "panel_response_on" not in v:
                raise self.problem(
                    sheet, row, "panel_response_on", "Enter the date the Panel's response arrived"
                )
            self.step(
                sheet,
                row,
                "response",
                lambda: rapid_reviews.record_panel_response(
                    ctx, incident, response=v["panel_response"], received_on=v["panel_response_on"]
                ),
            )
        self.imported(incident, sheet, row)
        self.cases[reference.lower()] = incident
        for review in incident.reviews:
            self.titles.setdefault(review.title.lower(), review)

    def _review(self, sheet: Sheet, row: reading.Row, v: dict[str, Any]) -> None:
        ctx = self.ctx
        reference = v.get("la_case_reference")
        if reference:
            incident = self._case(sheet, row, reference)
            started = [
                r
                for r in incident.reviews
                if r.kind in (ReviewKind.LOCAL_CSPR, ReviewKind.LOCAL_LEARNING) and not r.legacy
            ]
            if not started:
                raise self.problem(
                    sheet,
                    row,
                    "la_case_reference",
                    "This case's rapid review did not decide to hold a local review: record "
                    "the decision on the Incidents sheet, or leave the reference empty",
                )
            review = started[0]
            if v.get("title") and v["title"] != review.title:
                raise self.problem(
                    sheet,
                    row,
                    "title",
                    "Title of the review differs from the one the "
                    f"decision gave it ({review.title}): leave it empty",
                )
        else:
            missing = [k for k in ("title", "kind", "decided_on") if k not in v]
            for key in missing:
                self.outcome.problems.append(
                    Problem(
                        sheet.name,
                        row.number,
                        sheet.column(key).heading,
                        f"Enter the {reading.lowered(sheet.column(key).heading)}, or the local authority "
                        "case reference of the case that led to the review",
                    )
                )
            if missing:
                raise _RowFailed()
            if v["title"].lower() in self.titles or self._titled(v["title"]):  # one or more
                raise self.problem(
                    sheet,
                    row,
                    "title",
                    "A review with this title is already on the platform "
                    "or on an earlier row: give each review once",
                )
            review = self.step(
                sheet,
                row,
                "start",
                lambda: reviews.start(ctx, kind=v["kind"], title=v["title"], decided_on=v["decided_on"]),
            )
        if "terms_on" in v:
            self.step(sheet, row, "terms", lambda: reviews.agree_terms(ctx, review, agreed_on=v["terms_on"]))
        if "commissioned_on" in v or "reviewer_name" in v:
            if "commissioned_on" not in v:
                raise self.problem(
                    sheet, row, "commissioned_on", "Enter the date the reviewer was commissioned"
                )
            self.step(
                sheet,
                row,
                "reviewer",
                lambda: reviews.commission_reviewer(
                    ctx,
                    review,
                    commissioned_on=v["commissioned_on"],
                    reviewer_name=v.get("reviewer_name", ""),
                ),
            )
        if "first_draft_on" in v:
            self.step(
                sheet,
                row,
                "draft",
                lambda: reviews.receive_draft(ctx, review, received_on=v["first_draft_on"], note="imported"),
            )
        if "final_agreed_on" in v:
            partners = list(reviews.statutory_partners(ctx))
            self.step(
                sheet,
                row,
                "final",
                lambda: reviews.agree_final_report(
                    ctx, review, agreed_on=v["final_agreed_on"], agreed_by=partners
                ),
            )
        if "planned_on" in v:
            self.step(
                sheet,
                row,
                "plan",
                lambda: reviews.plan_publication(
                    ctx,
                    review,
                    planned_on=v["planned_on"],
                    delay_reason=v.get("delay_reason"),
                    reason="imported",
                ),
            )
        elif "delay_reason" in v:
            raise self.problem(
                sheet,
                row,
                "planned_on",
                "Enter the planned publication date: the reason for the delay is about it",
            )
        if "report_sent_on" in v:
            self.step(
                sheet, row, "sent", lambda: reviews.send_report(ctx, review, sent_on=v["report_sent_on"])
            )
        self.imported(review, sheet, row)
        self.titles[review.title.lower()] = review

    def _legacy(self, sheet: Sheet, row: reading.Row, v: dict[str, Any]) -> None:
        ctx = self.ctx
        if v["title"].lower() in self.titles or self._titled(v["title"]):  # one or more
            raise self.problem(
                sheet,
                row,
                "title",
                "A review with this title is already on the platform or on "
                "an earlier row: give each review once",
            )
        review = self.step(
            sheet,
            row,
            "legacy",
            lambda: reviews.record_legacy(
                ctx,
                kind=v["kind"],
                title=v["title"],
                published_on=v["published_on"],
                pseudonym=v.get("pseudonym"),
                publication_form=v.get("publication_form", "full"),
                publication_note=v.get("publication_note"),
                summary=v.get("summary"),
                themes=v.get("themes", []),
                report_url=v.get("report_url"),
                authors=v.get("authors", []),
                publisher=v.get("publisher"),
            ),
        )
        self.imported(review, sheet, row)
        self.titles[review.title.lower()] = review

    def _action(self, sheet: Sheet, row: reading.Row, v: dict[str, Any]) -> None:
        ctx = self.ctx
        title = v["review"]
        if title.lower() in self.titles:
            review = self.titles[title.lower()]
            if review is None:
                raise self.problem(
                    sheet, row, "review", "The review has problems on its own row: correct those first"
                )
        else:
            found = self._titled(title)
            if len(found) > 1:
                raise self.problem(
                    sheet,
                    row,
                    "review",
                    f"{len(found)} reviews on the platform have this title: give the review a title of "
                    "its own in the app first, then use it here",
                )
            review = found[0] if found else None
            if review is None:
                raise self.problem(
                    sheet,
                    row,
                    "review",
                    "No review has this title, on the platform or in "
                    "this file: use the review's title as it is recorded",
                )
        key = (review.id, " ".join(v["recommendation"].split()).lower())
        rec = self.recommendations.get(key)
        if rec is None:
            rec = ctx.session.scalar(
                select(Recommendation).where(
                    Recommendation.review_id == review.id, func.lower(Recommendation.text) == key[1]
                )
            )
        if rec is None:
            rec = self.step(
                sheet,
                row,
                "recommendation",
                lambda: actions.add_recommendation(
                    ctx, review, text=v["recommendation"], response=v.get("response")
                ),
            )
            self.imported(rec, sheet, row)
        self.recommendations[key] = rec
        action = self.step(
            sheet,
            row,
            "action",
            lambda: actions.add_action(
                ctx,
                rec,
                description=v["description"],
                owner_agency=v["owner_agency"],
                due_on=v["due_on"],
                overdue_allowed=True,
            ),
        )
        rag = v.get("rag")
        if rag is not None or "evidence" in v or "completed_on" in v:
            self.step(
                sheet,
                row,
                "action",
                lambda: actions.update_action(
                    ctx,
                    action,
                    rag=Rag(rag) if rag else None,
                    evidence=v.get("evidence"),
                    completed_on=v.get("completed_on"),
                ),
            )
        self.imported(action, sheet, row)

    # -- looking up ------------------------------------------------------------------------
    def _case(self, sheet: Sheet, row: reading.Row, reference: str) -> Incident:
        if reference.lower() in self.cases:
            incident = self.cases[reference.lower()]
            if incident is None:
                raise self.problem(
                    sheet,
                    row,
                    "la_case_reference",
                    "The case has problems on the Incidents sheet: correct those first",
                )
            return incident
        incident = self.ctx.session.scalar(
            select(Incident).where(func.lower(Incident.la_case_reference) == reference.lower())
        )
        if incident is None:
            raise self.problem(
                sheet,
                row,
                "la_case_reference",
                "No case has this local authority case reference, on the platform or on the Incidents sheet",
            )
        return incident

    def _titled(self, title: str) -> list[Review]:
        """The platform's reviews with this title, in any case."""
        return list(
            self.ctx.session.scalars(select(Review).where(func.lower(Review.title) == title.lower())).all()
        )
