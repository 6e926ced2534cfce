"""Local settings a partnership's admin edits in the app, within its plugin's bounds.

A business manager's edit, not a plugin release: extra closure days (a Christmas closure), the
contact details, a statement on the public page (the chair's, for a new publication) and the
public page's opening text. Each value is checked by the same schema as the plugin's own answer,
audited, shown with who changed it and when; the plugin's value is the default and a reset is one
click. Statutory rules are never settings: only the keys below exist.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.calendar import FIRST_YEAR, LAST_YEAR, MAX_CLOSURE_DAYS, WorkingCalendar, closable
from cspr.db.tenancy import NO_CASE_DATA
from cspr.partnerships import policy as schemas
from cspr.partnerships.models import PartnershipSetting
from cspr.plugins import Policy
from cspr.services.errors import InputError, NotFound

#: Every setting an admin may change, in words. Nothing statutory is here, nor ever may be.
SETTINGS: dict[str, str] = {
    "closure_days": "Closure days",
    "contact": "Contact details",
    "statement": "Statement on the public page",
    "page_text": "Opening text of the public page",
    "reminder_recipients": "Reminder recipients",
}
#: The page's opening text, when neither the plugin nor the admin gives another.
DEFAULT_PAGE_TEXT = (
    "When a child dies or is seriously harmed and abuse or neglect is known or suspected, the local "
    "authority tells the national Child Safeguarding Practice Review Panel within five working days. "
    "The safeguarding partners (the council, the NHS and the police) then hold a rapid review and "
    "decide whether a local child safeguarding practice review would help agencies learn.\n\n"
    "A review looks at how the agencies worked with the child and family and what should change. It "
    "does not decide who was to blame: other processes do that. The partners publish what they "
    "learned, usually the full report, and tell practitioners through a short learning briefing."
)


def default_page_text(policy: Policy) -> str:
    """The page's opening text: "the councils" where more than one local authority is a partner."""
    partners = policy.partners["safeguarding_partners"]
    if sum(p["type"] == "local_authority" for p in partners) > 1:
        return DEFAULT_PAGE_TEXT.replace("(the council, the NHS", "(the councils, the NHS")
    return DEFAULT_PAGE_TEXT


def _rows(session: Session) -> dict[str, PartnershipSetting]:
    return {row.key: row for row in session.scalars(select(PartnershipSetting))}


class LocalPolicy(Policy):
    """A partnership's policy with its own settings over the plugin's values, read when first needed.

    Made without running ``Policy.__init__`` (the plugin's answers are already checked): it holds the
    plugin policy's attributes, and the settings' rows are read only when a value they change is
    used, so a request that needs none of them costs no query.
    """

    def _values(self) -> dict[str, Any]:
        cached = self.__dict__.get("_settings")
        if cached is None:
            rows = _rows(self.__dict__["_session"])
            cached = self.__dict__["_settings"] = {key: row.value for key, row in rows.items()}
        return cached

    @property
    def local_settings(self) -> dict[str, Any]:
        """The partnership's own values, by setting key (none: the plugin's)."""
        return self._values()

    @property
    def identity(self) -> dict[str, Any]:  # type: ignore[override]
        """Who the partnership is, with the contact details its admin set."""
        base = self.plugin_policy.identity
        contact = self._values().get("contact")
        return {**base, "contact": dict(contact)} if contact else base

    @property
    def public_blocks(self) -> list[dict[str, Any]]:  # type: ignore[override]
        """The plugin's page blocks, and the admin's statement."""
        statement = self._values().get("statement")
        blocks = self.plugin_policy.public_blocks
        return [*blocks, schemas.ContentBlockSchema().load(statement)] if statement else blocks

    @property
    def page_text(self) -> str:
        """The public page's opening text."""
        return self._values().get("page_text") or default_page_text(self)

    @property
    def reminder_schedules(self) -> dict[str, list[dict[str, Any]]]:  # type: ignore[override]
        """The plugin's reminder stages, with the recipients the admin chose for a stage's key."""
        chosen = self._values().get("reminder_recipients")
        base = self.plugin_policy.reminder_schedules
        if not chosen:
            return base
        cached = self.__dict__.get("_schedules")
        if cached is None:
            cached = self.__dict__["_schedules"] = {kind: with_recipients(stages, chosen)
                                                     for kind, stages in base.items()}
        return cached

    def reminder_schedule(self, kind: str) -> list[dict[str, Any]]:
        """One kind's stages (asked of the plugin), with the admin's recipients."""
        stages = self.plugin_policy.reminder_schedule(kind)
        chosen = self._values().get("reminder_recipients")
        return with_recipients(stages, chosen) if chosen else stages

    @property
    def calendar(self) -> WorkingCalendar:  # type: ignore[override]
        """The partnership's working days: the plugin's closure days and the admin's."""
        days = self._values().get("closure_days")
        if not days:
            return self.plugin_policy.calendar
        if "_calendar" not in self.__dict__:
            self.__dict__["_calendar"] = with_closure_days(self.plugin_policy.calendar, tuple(days))
        return self.__dict__["_calendar"]


@functools.lru_cache(maxsize=64)
def with_closure_days(base: WorkingCalendar, days: tuple[str, ...]) -> WorkingCalendar:
    """The plugin's calendar with the admin's closure days (ISO dates) too.

    One per process for each list of days, so its working days are counted once a year, not once a request.
    """
    extra: dict[int, set[dt.date]] = defaultdict(set)
    for day in days:
        parsed = dt.date.fromisoformat(day)
        extra[parsed.year].add(parsed)
    return WorkingCalendar(lambda year: base.closures(year) | frozenset(extra.get(year, ())))


def with_recipients(stages: list[dict[str, Any]], chosen: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The stages, each with the recipients chosen for its key (the others as the plugin has them)."""
    return [{**stage, "recipients": list(chosen[stage["key"]])} if stage["key"] in chosen else stage
            for stage in stages]


def forget(policy: Policy) -> None:
    """After a change: the policy reads the partnership's settings again when next asked."""
    for name in ("_settings", "_calendar", "_schedules"):
        policy.__dict__.pop(name, None)


def overlays(session: Session, policies: dict[str, Policy]) -> dict[str, Policy]:
    """Every partnership's policy with its own settings (one query), for work across partnerships.

    ``policies`` by slug; the session must see every partnership's settings (the deadline sweep's).
    """
    from cspr.partnerships.models import Partnership

    values: dict[str, dict[str, Any]] = defaultdict(dict)
    for slug, key, value in session.execute(
            select(Partnership.slug, PartnershipSetting.key, PartnershipSetting.value)
            .join(Partnership, Partnership.id == PartnershipSetting.partnership_id)
            .execution_options(**NO_CASE_DATA)):  # the partnerships' own settings: no case data
        values[slug][key] = value
    return overlaid(session, policies, values)


def overlaid(session: Session, policies: dict[str, Policy],
             values: dict[str, dict[str, Any]]) -> dict[str, Policy]:
    """Every partnership's policy with ``values``, its own settings by slug and key, already read."""
    out: dict[str, Policy] = {}
    for slug, policy in policies.items():
        own = values.get(slug)
        if not own:
            out[slug] = policy
            continue
        local = overlay(session, policy)
        local.__dict__["_settings"] = dict(own)
        out[slug] = local
    return out


def overlay(session: Session, policy: Policy) -> Policy:
    """The policy with the partnership's own settings over its plugin's values (the session's partnership)."""
    if isinstance(policy, LocalPolicy) or not isinstance(policy, Policy):
        return policy
    local = LocalPolicy.__new__(LocalPolicy)
    state = {k: v for k, v in policy.__dict__.items()
             if k not in ("identity", "public_blocks", "calendar", "reminder_schedules")}
    local.__dict__.update(state, _session=session, plugin_policy=policy)
    return local


def overlay_with(session: Session, policy: Policy, values: dict[str, Any]) -> Policy:
    """:func:`overlay`, with the partnership's own settings already read (``values`` by key)."""
    local = overlay(session, policy)
    if isinstance(local, LocalPolicy):
        local.__dict__["_settings"] = dict(values)
    return local


def listed(session: Session, policy: Policy) -> list[dict[str, Any]]:
    """Each setting: its name, whether the partnership changed it, who did and when."""
    rows = _rows(session)
    return [{"key": key, "name": name, "changed": key in rows,
             "changed_by": rows[key].changed_by if key in rows else None,
             "changed_at": rows[key].changed_at if key in rows else None,
             "value": rows[key].value if key in rows else None}
            for key, name in SETTINGS.items()]


def plugin_value(policy: Policy, key: str, today: dt.date) -> Any:
    """What the plugin says for a setting (the default a reset returns to)."""
    base = policy.__dict__.get("plugin_policy", policy)
    if key == "closure_days":
        years = (today.year, today.year + 1)
        return sorted(d.isoformat() for year in years for d in base.calendar.closures(year))
    if key == "contact":
        return base.identity["contact"]
    if key == "page_text":
        return default_page_text(base)
    if key == "reminder_recipients":
        return stage_recipients(base)
    return None


def stage_recipients(policy: Policy) -> dict[str, list[str]]:
    """Each stage key of the plugin's schedules and its recipients (the first schedule's that has it)."""
    found: dict[str, list[str]] = {}
    for stages in policy.reminder_schedules.values():
        for stage in stages:
            found.setdefault(stage["key"], list(stage["recipients"]))
    return found


def check(policy: Policy, key: str, value: Any) -> Any:
    """The value as the plugin's own schema would have it; InputError naming the field otherwise."""
    if key == "closure_days":
        return _closure_days(policy, value)
    if key == "contact":
        try:
            return schemas.ContactSchema().load({k: v for k, v in value.items() if v not in (None, "")})
        except ValidationError as exc:
            raise InputError({field: _words(field, msg) for field, msg in exc.messages.items()}) from exc
    if key == "statement":
        try:
            given = {k: v for k, v in value.items() if v not in (None, "")}
            block = schemas.ContentBlockSchema().load({**given, "key": "local-statement"})
        except ValidationError as exc:
            raise InputError({field: _words(field, msg) for field, msg in exc.messages.items()}) from exc
        if block["since"] and block["until"] and block["until"] < block["since"]:
            raise InputError({"until": "Show until must be the same as or after show from"})
        return {**block, "since": _iso(block["since"]), "until": _iso(block["until"])}
    if key == "page_text":
        text = (value or "").strip()
        if not text:
            raise InputError({"page_text": "Enter the opening text of the public page"})
        if "<" in text:
            raise InputError({"page_text": "The opening text is plain text: remove the < character "
                                           "(no HTML)"})
        return text
    if key == "reminder_recipients":
        return _reminder_recipients(policy, value)
    raise NotFound(f"no setting called {key!r}")


def _reminder_recipients(policy: Policy, text: Any) -> dict[str, list[str]]:
    """Lines of "stage: recipient, recipient", each stage one of the plugin's, each recipient allowed."""
    base = policy.__dict__.get("plugin_policy", policy)
    stages = stage_recipients(base)
    allowed = base.reminder_recipients_allowed
    chosen: dict[str, list[str]] = {}
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    if not lines:
        raise InputError({"reminder_recipients": "Enter a stage and its recipients, like \u201cdue: admin, "
                                                 "partner\u201d, or reset to the plugin's recipients"})
    for number, line in enumerate(lines, start=1):
        stage, _, people = line.partition(":")
        stage = stage.strip()
        if stage not in stages:
            message = (f"Line {number}: \u201c{stage[:40]}\u201d is not a stage of the reminders; use "
                       f"{', '.join(stages)}")
            raise InputError({"reminder_recipients": message})
        if stage in chosen:
            message = f"Line {number}: the {stage} stage is on an earlier line too; give each stage once"
            raise InputError({"reminder_recipients": message})
        recipients = list(dict.fromkeys(r.strip().lower() if "@" in r else r.strip()
                                        for r in people.split(",") if r.strip()))
        try:  # the same schema as a stage the plugin gives
            schemas.ReminderStageSchema().load({"key": stage, "offset": 0, "recipients": recipients})
        except ValidationError as exc:
            problem = "enter at least one recipient" if not recipients else "; ".join(
                str(m) for m in exc.messages.get("recipients", exc.messages.values()))
            raise InputError({"reminder_recipients": f"Line {number} ({stage}): {problem}"}) from exc
        refused = [r for r in recipients if not _allowed(r, allowed)]
        if refused:
            roles = [a for a in allowed if "@" not in a]
            addresses = [a for a in allowed if "@" in a]
            raise InputError({"reminder_recipients": (
                f"Line {number} ({stage}): {', '.join(refused)} cannot receive reminders here; choose from "
                f"{', '.join(roles)}" + (f", or an address {' or '.join(_shown(a) for a in addresses)}"
                                         if addresses else ""))})
        chosen[stage] = recipients
    return chosen


def _allowed(recipient: str, allowed: list[str]) -> bool:
    if "@" not in recipient:
        return recipient in allowed
    domain = "@" + recipient.rsplit("@", 1)[1]
    return any(recipient == a.lower() or (a.startswith("@") and domain == a.lower()) for a in allowed)


def _shown(address: str) -> str:
    return f"at {address[1:]}" if address.startswith("@") else address


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _words(field: str, message: Any) -> str:
    text = message[0] if isinstance(message, list) else str(message)
    names = {"email": "Email address", "phone": "Phone number", "url": "Website", "title": "Title",
             "body": "Text", "position": "Where it shows", "since": "Show from", "until": "Show until"}
    return f"{names.get(field, field)}: {text}"


def _closure_days(policy: Policy, text: Any) -> list[str]:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    days: set[dt.date] = set()
    for number, line in enumerate(lines, start=1):
        try:
            day = schemas.parse_date(line)
        except ValidationError:
            raise InputError({"closure_days": f"Line {number}, “{line}”, is not a date: write each day as "
                                              "2026-12-29, one a line"}) from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InputError({"closure_days": f"Line {number}: the calendar covers {FIRST_YEAR} to "
                                              f"{LAST_YEAR}"})
        days.add(day)
    base = policy.__dict__.get("plugin_policy", policy)
    by_year: dict[int, set[dt.date]] = defaultdict(set)
    for day in days:
        by_year[day.year].add(day)
    for year, extra in sorted(by_year.items()):
        closed = closable(set(base.calendar.closures(year)) | extra)
        if len(closed) > MAX_CLOSURE_DAYS:
            raise InputError({"closure_days": f"{year} would have {len(closed)} closure days on working days "
                                              f"with the plugin's; at most {MAX_CLOSURE_DAYS} a year (they "
                                              "move local targets only, never a statutory deadline)"})
    return sorted(d.isoformat() for d in days)


def change(ctx: Any, key: str, value: Any) -> PartnershipSetting:
    """Set a local setting (checked by the plugin's schema), audited with what it was."""
    checked = check(ctx.policy, key, value)
    rows = _rows(ctx.session)
    row = rows.get(key)
    was = row.value if row else None
    name = _actor_name(ctx)
    if row is None:
        row = PartnershipSetting(key=key, value=checked, changed_by_user_id=ctx.user_id, changed_by=name)
        ctx.session.add(row)
    else:
        row.value, row.changed_by_user_id, row.changed_by = checked, ctx.user_id, name
        row.changed_at = dt.datetime.now(dt.UTC)
    ctx.session.flush()
    ctx.audit("settings.changed", row, setting=key, was=was, now=checked)
    forget(ctx.policy)
    if key == "closure_days":
        follow_the_calendar(ctx)
    return row


def reset(ctx: Any, key: str) -> None:
    """Back to the plugin's value: the partnership's own setting is removed, audited."""
    if key not in SETTINGS:
        raise NotFound(f"no setting called {key!r}")
    row = _rows(ctx.session).get(key)
    if row is None:
        return
    ctx.audit("settings.reset", row, setting=key, was=row.value)
    ctx.session.delete(row)
    ctx.session.flush()
    forget(ctx.policy)
    if key == "closure_days":
        follow_the_calendar(ctx)


def follow_the_calendar(ctx: Any) -> int:
    """Recompute the open local targets counted in working days: the closure days changed.

    A statutory deadline counts England and Wales bank holidays alone, so none moves; an
    information request keeps the date the agency was told in its e-mail.
    """
    from cspr.cases.models import Incident
    from cspr.deadlines import services as deadlines
    from cspr.deadlines.models import Deadline, DeadlineState
    from cspr.reviews.models import Review

    local = [kind for kind, rule in ctx.policy.deadline_rules.items()
             if not rule["statutory"] and rule["unit"] == "working_days"]
    if not local:
        return 0
    rows = ctx.session.execute(select(Deadline.incident_id, Deadline.review_id).where(
        Deadline.kind.in_(local), Deadline.state == DeadlineState.OPEN).distinct()).all()
    for incident_id, review_id in rows:
        incident = ctx.session.get(Incident, incident_id) if incident_id else None
        review = ctx.session.get(Review, review_id) if review_id else None
        deadlines.sync_case(ctx, incident=incident, review=review, reason="closure days changed")
    return len(rows)


def _actor_name(ctx: Any) -> str:
    from cspr.accounts.models import User

    user = ctx.session.get(User, ctx.user_id) if ctx.user_id else None
    return user.name if user else ctx.actor
