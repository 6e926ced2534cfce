"""Schemas for what plugins return from their hooks, checked when a plugin loads."""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from cspr.deadlines.names import Anchor, Fact
from cspr.reviews.dates import PublicationDate
from cspr.reviews.dates import parse as publication_date
from cspr.reviews.models import ReviewKind

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="use lower-case letters, digits and -")
KEY = validate.Regexp(r"^[a-z0-9_][a-z0-9_-]*$", error="use lower-case letters, digits, _ and -")
AGENCY_TYPES = ("local_authority", "health", "police", "relevant_agency")
ROLES = ("admin", "partner", "reviewer", "viewer", "chair", "contributor")  # contributor: the agency's
#: Events of a case that meet a deadline (and can anchor a local target).
EVENTS = tuple(f.value for f in Fact)
#: Dates a deadline can count from.
ANCHORS = tuple(a.value for a in Anchor)
UNITS = ("working_days", "months")
DIRECTIONS = ("within", "before", "at_least")
REVIEW_KINDS = [k.value for k in ReviewKind]


class PersonSchema(Schema):
    """A named office holder: the chair or the scrutineer."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(load_default=None, validate=validate.Length(max=200))
    email = fields.Email(load_default=None, metadata={"description": "Where escalations reach them."})


class ContactSchema(Schema):
    """How the public and practitioners reach the partnership's team."""

    email = fields.Email(required=True)
    phone = fields.String(load_default=None)
    url = fields.Url(load_default=None)


class IdentitySchema(Schema):
    """What ``cspr_partnership`` returns."""

    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    short_name = fields.String(required=True, validate=validate.Length(min=2, max=32))
    areas = fields.List(
        fields.String(validate=validate.Length(min=1)), required=True,
        validate=validate.Length(min=1, error="name at least one local authority area"),
    )
    contact = fields.Nested(ContactSchema, required=True)
    chair = fields.Nested(PersonSchema, load_default=None, allow_none=True)
    scrutineer = fields.Nested(PersonSchema, load_default=None, allow_none=True)
    formerly = fields.List(fields.String(), load_default=list)


class AgencySchema(Schema):
    """One agency: a safeguarding partner or a relevant agency."""

    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    type = fields.String(required=True, validate=validate.OneOf(AGENCY_TYPES))


class PartnersSchema(Schema):
    """What ``cspr_partners`` returns."""

    safeguarding_partners = fields.List(fields.Nested(AgencySchema), required=True)
    relevant_agencies = fields.List(fields.Nested(AgencySchema), load_default=list)

    @validates_schema
    def _statutory_three(self, data: dict, **_kwargs: object) -> None:
        types = [a["type"] for a in data["safeguarding_partners"]]
        missing = [t for t in ("local_authority", "health", "police") if t not in types]
        if missing:
            raise ValidationError(
                f"the safeguarding partners must include {', '.join(missing)} "
                "(Children Act 2004 s16E)", "safeguarding_partners",
            )
        keys = [a["key"] for a in data["safeguarding_partners"] + data["relevant_agencies"]]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValidationError(f"agency keys used twice: {', '.join(dupes)}")


class SectionSchema(Schema):
    """A section of a briefing format."""

    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    prompt = fields.String(load_default="")


class BriefingFormatSchema(Schema):
    """One briefing format from ``cspr_briefing_formats``."""

    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    description = fields.String(load_default="")
    sections = fields.List(
        fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1)
    )

    @validates_schema
    def _unique_sections(self, data: dict, **_kwargs: object) -> None:
        keys = [s["key"] for s in data["sections"]]
        if len(keys) != len(set(keys)):
            raise ValidationError("section keys must be unique", "sections")


THEN = ("nspcc", "on_request", "keep")
#: What happens to a review's learning briefings when its report leaves the page: they stay
#: readable ("keep", the learning for practitioners), or go with the report ("with_report").
BRIEFINGS = ("keep", "with_report")


class KindArchiveRuleSchema(Schema):
    """The archive rule for one kind of review: what it leaves unsaid comes from the main rule."""

    public_months = fields.Integer(load_default=None, allow_none=True,
                                   validate=validate.Range(min=1, max=1200))
    then = fields.String(required=True, validate=validate.OneOf(THEN))
    request_contact = fields.String(load_default=None, allow_none=True)
    legacy = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "Whether the rule also takes imported legacy reviews off the page."})
    briefings = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(BRIEFINGS))


class ArchiveRuleSchema(Schema):
    """What ``cspr_archive_rule`` returns: one rule, and optionally one rule per kind of review."""

    public_months = fields.Integer(
        required=True,
        validate=validate.Range(
            min=12, error="a report must stay public for at least 12 months (statutory minimum)"
        ),
    )
    then = fields.String(required=True, validate=validate.OneOf(THEN))
    request_contact = fields.String(load_default=None, allow_none=True)
    #: Imported legacy reviews are kept on the page unless a rule says it takes them too.
    legacy = fields.Boolean(load_default=False)
    briefings = fields.String(load_default="keep", validate=validate.OneOf(BRIEFINGS))
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(KindArchiveRuleSchema),
                        load_default=dict)

    @validates_schema
    def _contact_for_requests(self, data: dict, **_kwargs: object) -> None:
        if data["then"] == "on_request" and not data.get("request_contact"):
            raise ValidationError("'on_request' needs a request_contact", "request_contact")
        unknown = sorted(k for k in data.get("kinds", {}) if k not in REVIEW_KINDS)
        if unknown:
            raise ValidationError(f"archive rules for unknown kinds {unknown}; use {REVIEW_KINDS}",
                                  "kinds")


PUBLICATION_FORMS = ("full", "summary", "redacted", "nspcc")
#: Dates a kind's own clock may count from: the review's own (a kind's clock is the review's).
REVIEW_ANCHORS = tuple(a.value for a in Anchor if a.side == "review")


class KindStageSchema(Schema):
    """A stage of a kind of review: one of the platform's steps, with the partnership's title for it."""

    key = fields.String(required=True)
    title = fields.String(load_default=None, validate=validate.Length(min=2, max=120))


class KindClockSchema(Schema):
    """A local target for every review of a kind (never statutory: the core's table holds the law)."""

    key = fields.String(required=True, validate=KEY)
    label = fields.String(required=True, validate=validate.Length(min=2, max=200))
    anchor = fields.String(required=True, validate=validate.OneOf(
        REVIEW_ANCHORS, error="a kind's clock counts from a date of the review: {choices}"))
    period = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    direction = fields.String(load_default="within", validate=validate.OneOf(("within", "before")))
    met_by = fields.String(required=True, validate=validate.OneOf(EVENTS))
    source = fields.String(load_default="Local target set by the partnership")


class KindPublicationSchema(Schema):
    """How reviews of a kind are published: the forms allowed, the publisher and any co-publisher."""

    forms = fields.List(fields.String(validate=validate.OneOf(PUBLICATION_FORMS)), load_default=None,
                        validate=validate.Length(min=1, error="name at least one publication form"))
    publisher = fields.String(load_default=None, validate=validate.Length(min=2, max=200))
    co_publisher = fields.String(load_default=None, validate=validate.Length(min=2, max=200))


class ReviewKindSchema(Schema):
    """One kind of review from ``cspr_review_kinds``, as data (a plain key string is the older form)."""

    key = fields.String(required=True, validate=validate.OneOf(
        REVIEW_KINDS, error="unknown kind; use one of {choices}"))
    name = fields.String(load_default=None, validate=validate.Length(min=2, max=120))
    stages = fields.List(fields.Nested(KindStageSchema), load_default=None)
    clocks = fields.List(fields.Nested(KindClockSchema), load_default=list)
    publication = fields.Nested(KindPublicationSchema, load_default=dict)
    frameworks = fields.List(fields.String(validate=validate.OneOf(("cspr", "dhr", "sar"))),
                             load_default=None)


class InformationRequestDaysSchema(Schema):
    """What ``cspr_information_request_days`` returns, as ``{"days": n}``."""

    days = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=60, error="an agency needs between 1 and 60 working days to answer a request"))


class ReportingYearSchema(Schema):
    """What ``cspr_reporting_year_start`` returns, as ``{"month": n}``."""

    month = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=12, error="the reporting year starts in a month from 1 (January) to 12 (December)"))


class DeadlineRuleSchema(Schema):
    """One row of the deadline rules table."""

    label = fields.String(required=True, validate=validate.Length(min=2, max=200))
    anchor = fields.Enum(Anchor, by_value=True, required=True)
    period = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    statutory = fields.Boolean(required=True)
    met_by = fields.Enum(Fact, by_value=True, load_default=None)
    source = fields.String(load_default="")

    @validates_schema
    def _local_targets_say_what_meets_them(self, data: dict, **_kwargs: object) -> None:
        if not data["statutory"] and not data.get("met_by"):
            raise ValidationError(f"a local target needs met_by, one of {', '.join(EVENTS)}", "met_by")


class ReminderStageSchema(Schema):
    """One stage of a reminder schedule."""

    key = fields.String(required=True, validate=KEY)
    offset = fields.Integer(required=True, validate=validate.Range(min=-60, max=250))
    recipients = fields.List(
        fields.String(validate=validate.Length(min=1)), required=True,
        validate=validate.Length(min=1),
    )

    @validates_schema
    def _recipients(self, data: dict, **_kwargs: object) -> None:
        bad = [r for r in data["recipients"] if r not in ROLES and "@" not in r]
        if bad:
            raise ValidationError(
                f"unknown recipients {bad}: use {', '.join(ROLES)} or an e-mail address",
                "recipients",
            )


#: An e-mail address, or "@domain" for any address at that domain.
RECIPIENT_ADDRESS = re.compile(r"^(?:[^@\s]+)?@[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)


class AllowedRecipientsSchema(Schema):
    """What ``cspr_reminder_recipients`` returns: roles, addresses and ``@domain`` entries."""

    recipients = fields.List(fields.String(validate=validate.Length(min=1, max=254)), required=True)

    @validates_schema
    def _known(self, data: dict, **_kwargs: object) -> None:
        bad = [r for r in data["recipients"] if r not in ROLES and not RECIPIENT_ADDRESS.match(r)]
        if bad:
            raise ValidationError(f"unknown recipients {bad}: use {', '.join(ROLES)}, an e-mail address or "
                                  "@domain", "recipients")


class ChannelSchema(Schema):
    """What ``cspr_notification_channel`` returns."""

    channel = fields.String(required=True, validate=validate.OneOf(("email", "notify")))
    template_id = fields.UUID(load_default=None)

    @validates_schema
    def _template_for_notify(self, data: dict, **_kwargs: object) -> None:
        if data["channel"] == "notify" and not data.get("template_id"):
            raise ValidationError("GOV.UK Notify needs the template_id of the reminder template",
                                  "template_id")


#: What a block's words may promise the page lists: its reviews (any, the serious case reviews, the
#: thematic ones), its learning briefings, the reports available on request.
PROMISED_LISTS = ("reviews", "serious-case-reviews", "thematic-reviews", "briefings", "on-request")
#: Where a block shows: above or below the lists, or as the opening words of the serious case
#: reviews' or the learning briefings' section (shown only when that section has something in it).
BLOCK_POSITIONS = ("top", "bottom", "legacy", "briefings")


class PromiseSchema(Schema):
    """What a block's words say the page lists, so that a test can check the list keeps it."""

    lists = fields.String(required=True, validate=validate.OneOf(PROMISED_LISTS))
    #: briefings only: of this format (its key)
    format = fields.String(load_default=None, allow_none=True, validate=KEY)
    #: the items the words name; none: at least one item
    titles = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list)


class ContentBlockSchema(Schema):
    """A content block of the public page."""

    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1))
    position = fields.String(load_default="top", validate=validate.OneOf(BLOCK_POSITIONS))
    promises = fields.List(fields.Nested(PromiseSchema), load_default=list)
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)

    @validates_schema
    def _no_html(self, data: dict, **_kwargs: object) -> None:
        if "<" in data["body"]:
            raise ValidationError("body is plain text: no HTML", "body")


DOMAIN = validate.Regexp(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
                         error="use a lower-case e-mail domain, e.g. doncaster.gov.uk")
ENV_NAME = validate.Regexp(r"^[A-Z_][A-Z0-9_]*$", error="use the NAME of an environment variable, e.g. "
                           "CSPR_SSO_SECRET_DONCASTER (never the secret itself)")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


class SingleSignOnSchema(Schema):
    """What ``cspr_single_sign_on`` returns: an OpenID Connect provider for the partnership's staff."""

    issuer = fields.Url(required=True, schemes={"https", "http"}, require_tld=False)
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_secret_env = fields.String(required=True, validate=ENV_NAME)
    scopes = fields.List(fields.String(validate=validate.Length(min=1)),
                         load_default=lambda: ["openid", "email", "profile"])
    email_claim = fields.String(load_default="email", validate=validate.Length(min=1, max=100))
    allowed_domains = fields.List(fields.String(validate=DOMAIN), required=True,
                                  validate=validate.Length(min=1, error="name at least one e-mail domain"))
    display_name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    mfa_by_provider = fields.Boolean(load_default=False)

    @validates_schema
    def _sound(self, data: dict, **_kwargs: object) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(data["issuer"])
        if parts.scheme != "https" and parts.hostname not in LOOPBACK:
            raise ValidationError("the issuer must be an https URL", "issuer")
        if parts.query or parts.fragment:
            raise ValidationError("the issuer is a plain URL, without ? or #", "issuer")
        if "openid" not in data["scopes"]:
            raise ValidationError("the scopes must include 'openid'", "scopes")


#: Record kinds retention knows, each with the one date its period counts from.
RETENTION_KINDS: dict[str, str] = {
    "case_records": "closure",
    "review_drafts": "published",
    "archive_deposits": "deposited",
    "outbox_messages": "sent",
    "api_tokens": "revoked",
    "audit_events": "occurred",
}
#: Kinds nothing may delete (the database refuses DELETE on audit_events).
RETENTION_KEEP_ONLY = ("audit_events",)


class RetentionRuleSchema(Schema):
    """One rule from ``cspr_retention_rules``."""

    kind = fields.String(required=True, validate=validate.OneOf(tuple(RETENTION_KINDS)))
    keep_for_years = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=1, max=200))
    counted_from = fields.String(required=True)
    action = fields.String(required=True, validate=validate.OneOf(("delete", "keep")))

    @validates_schema
    def _consistent(self, data: dict, **_kwargs: object) -> None:
        anchor = RETENTION_KINDS[data["kind"]]
        if data["counted_from"] != anchor:
            raise ValidationError(f"{data['kind']} is counted from '{anchor}'", "counted_from")
        if data["action"] == "delete" and data.get("keep_for_years") is None:
            raise ValidationError("a rule that deletes needs keep_for_years", "keep_for_years")
        if data["kind"] in RETENTION_KEEP_ONLY and data["action"] != "keep":
            raise ValidationError(f"{data['kind']} are never deleted: the action must be 'keep'", "action")



class DemoRecommendationSchema(Schema):
    """A recommendation in demo content."""

    text = fields.String(required=True)
    response = fields.String(load_default=None)


class PublicationDateField(fields.Field):
    """A publication date as precise as known: a date, "2013-10-11", "2013-10", "2013", "before 2019"."""

    def _deserialize(self, value: object, attr: str | None, data: object,
                     **kwargs: object) -> PublicationDate:
        try:
            return publication_date(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class DemoReviewSchema(Schema):
    """A published (or legacy) review in a plugin's demo content."""

    kind = fields.String(required=True, validate=validate.OneOf(REVIEW_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    pseudonym = fields.String(load_default=None)
    published_on = PublicationDateField(required=True)
    report_url = fields.Url(load_default=None, schemes={"https", "http"})
    authors = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    publisher = fields.String(load_default=None, validate=validate.Length(max=200))
    co_publisher = fields.String(load_default=None, validate=validate.Length(max=200))
    publication_form = fields.String(
        load_default="full", validate=validate.OneOf(PUBLICATION_FORMS)
    )
    publication_note = fields.String(load_default=None)
    summary = fields.String(load_default=None)
    themes = fields.List(fields.String(), load_default=list)
    legacy = fields.Boolean(load_default=False)
    recommendations = fields.List(fields.Nested(DemoRecommendationSchema), load_default=list)


class DemoBriefingSchema(Schema):
    """A learning briefing in demo content."""

    format = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    review = fields.String(load_default=None)  # the title of the review it belongs to
    published_on = fields.Date(load_default=None)
    sections = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class DemoContentSchema(Schema):
    """What ``cspr_demo_content`` returns."""

    reviews = fields.List(fields.Nested(DemoReviewSchema), load_default=list)
    briefings = fields.List(fields.Nested(DemoBriefingSchema), load_default=list)


def parse_date(value: object) -> dt.date:
    """A closure day as a date (a date, or an ISO string)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from exc
    raise ValidationError(f"{value!r} is not a date")
