"""The whole plugin API: every ``cspr_*`` hook a partnership plugin may implement.

Each docstring here is the hook's reference (docs/plugins.md repeats it with
examples, and a test keeps the two in step). A partnership plugin is a module
with ``@hookimpl`` functions, registered through the ``cspr.partnerships``
entry-point group. The core calls each partnership's hooks through a view that
holds only that partnership's plugin and the built-in statutory defaults
(:mod:`cspr.defaults`), so a plugin never needs to ask "is this call for me?".

Shapes, decided once:

* ``firstresult`` hooks want one answer. The partnership's plugin answers
  first; returning ``None`` means "use the default".
* list hooks return a list; the core concatenates the partnership's answer and
  the defaults', rejects duplicate keys, and validates every item.

Everything a hook returns is checked against a schema in :mod:`cspr.partnerships.policy`
when the plugin loads; a wrong value stops that plugin with its name and the reason.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("cspr")
hookimpl = pluggy.HookimplMarker("cspr")

#: Hooks every partnership plugin must implement itself (not left to the defaults).
REQUIRED_HOOKS = ("cspr_partnership", "cspr_partners")


@hookspec(firstresult=True)
def cspr_partnership() -> dict[str, Any]:
    """Say who the partnership is.

    Required. Returns a dict:

    - ``slug``: lower-case letters, digits and hyphens; its URLs live under ``/<slug>/``;
    - ``name``: the full name, e.g. "Doncaster Safeguarding Children Partnership";
    - ``short_name``: e.g. "DSCP";
    - ``areas``: the local authority areas it covers (one or more);
    - ``contact``: ``{"email": ..., "phone": ..., "url": ...}`` (email required);
    - ``chair``: optional ``{"name": ..., "title": ..., "email": ...}``, the independent chair;
      escalations (reminders to ``chair``) go to its ``email``, or, with no chair or no
      ``email``, to the ``contact`` email;
    - ``scrutineer``: optional ``{"name": ..., "title": ..., "email": ...}``, the independent
      scrutineer;
    - ``formerly``: optional list of earlier names.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_partners() -> dict[str, Any]:
    """List the safeguarding partners and the relevant agencies.

    Required. Returns ``{"safeguarding_partners": [...], "relevant_agencies": [...]}``.
    Each agency is ``{"key": ..., "name": ..., "type": ...}``; ``key`` is how
    actions name their owner. The safeguarding partners must include one each of
    type ``local_authority``, ``health`` (the ICB) and ``police`` (Children Act
    2004 s16E); relevant agencies use type ``relevant_agency``.

    .. versionadded:: 0.1
    """


@hookspec
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Add learning briefing formats.

    A list hook: every format returned is offered. Each format is
    ``{"key", "name", "description", "sections": [{"key", "title", "prompt"}]}``.
    The defaults offer the seven-minute briefing. The first format a
    partnership's plugin returns is its preferred one.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_archive_rule() -> dict[str, Any] | None:
    """Say what happens to a published report when its time on the public page ends.

    Returns ``{"public_months": int, "then": "nspcc" | "on_request" | "keep",
    "request_contact": str | None}``. ``public_months`` may not be under 12,
    the statutory minimum; "on_request" needs a ``request_contact``. Default:
    12 months, then the NSPCC National Case Review Repository.

    Optional keys: ``"kinds"``, a rule per kind of review
    (``{"scr": {"then": "keep"}}``; each may set ``public_months``, ``then``,
    ``request_contact`` and ``legacy``, and takes what it leaves out from the main
    rule), never under 12 months for any kind (refused at load, naming the kind);
    and ``"legacy"`` (default False): imported legacy reviews stay on the page
    unless the rule that covers them says ``"legacy": True``.

    ``"briefings"`` (default ``"keep"``): a review's learning briefings stay public
    after its report leaves the page; ``"with_report"`` takes them off with it.

    .. versionchanged:: 0.4
       ``"briefings"``.

    .. versionchanged:: 0.3
       A rule per kind, and legacy reviews kept unless a rule says otherwise.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_information_request_days() -> int | None:
    """Say how many working days an agency has to answer an information request.

    A local target: the due date of each request the admin sends an agency for a
    rapid review or a local review is this many of the partnership's working days
    after the day it is sent (the admin may choose another date). Between 1 and 60.
    Default: 5.

    Example::

        @hookimpl
        def cspr_information_request_days():
            return 10

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def cspr_reporting_year_start() -> int | None:
    """Say in which month the partnership's reporting year begins (1 to 12).

    The yearly figures (:mod:`cspr.reporting.figures`), their page, API and exports count
    what happened in a reporting year that starts on the 1st of this month and ends the day
    before the same date a year later. Return None for the default: April (4), so the year
    runs from 1 April to 31 March, as most partnerships' yearly reports do.

    Example::

        @hookimpl
        def cspr_reporting_year_start():
            return 9  # September to August, with the school year

    .. versionadded:: 0.3
    """


@hookspec
def cspr_closure_days(year: int) -> list[Any]:
    """Add the partnership's own closure days in ``year`` to its local working-day calendar.

    A list hook: return ``datetime.date`` objects (or ISO strings) that fall in
    ``year``. Bank holidays for England and Wales are already excluded by the
    core. Closure days move **local targets only** (the plugin's own targets, and
    anything else counted in the partnership's working days). They never move a
    statutory deadline: an office closing is not a non-working day in law, so
    ``notify_panel``, ``notify_ofsted_sos``, ``rapid_review``, ``report_to_panel``
    and the month-based clocks count England and Wales bank holidays only.

    The core asks for every year the calendar covers (``cspr.calendar.FIRST_YEAR``
    to ``LAST_YEAR``) when the plugin loads, and refuses the plugin if any year
    closes more than ``cspr.calendar.MAX_CLOSURE_DAYS`` (10) working days.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_deadline_rules(statutory: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
    """Adjust the deadline rules: make a statutory one stricter, or add local targets.

    Receives a copy of the statutory rules, keyed by kind (``notify_panel``,
    ``notify_ofsted_sos``, ``rapid_review``, ``publication``, ``report_to_panel``,
    ``public_period``), each ``{"label", "anchor", "period", "unit", "direction",
    "statutory", "met_by", "source"}``. ``anchor`` is the date the rule counts from
    and ``met_by`` the event that meets it: the values of
    :class:`cspr.deadlines.names.Anchor` and :class:`cspr.deadlines.names.Fact`,
    written as plain strings (``"aware"``, ``"terms_of_reference"``). A rule counting
    from a review's date gives each review of an incident its own deadline. Returns
    the full table to use. A rule may be made stricter (a shorter period, or for
    ``rapid_review`` the earlier anchor ``aware``); new kinds with
    ``"statutory": False`` are local targets and need a ``met_by``. Relaxing or
    removing a statutory rule, or naming an unknown anchor or fact, is refused when
    the plugin loads.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_reminder_schedule(kind: str) -> list[dict[str, Any]] | None:
    """Say when reminders go out for a deadline of ``kind`` and to whom.

    Returns a list of stages ``{"key", "offset", "recipients"}``: ``offset`` is
    in working days from the due date (negative before, 0 on the day, positive
    while overdue); ``recipients`` are roles (``admin``, ``partner``,
    ``reviewer``, ``viewer``) or ``chair`` or e-mail addresses. Return None for
    the default: 3 working days before, on the day, 1 day overdue, and 5 days
    overdue escalating to the chair.

    For a statutory deadline (every statutory kind but ``public_period``) the
    schedule must keep a stage on or before the due day (offset 0 or less) and
    an escalation after it (offset 1 to 5); a schedule without either is refused
    at load. Add stages and choose recipients; never remove them. Offsets of a
    statutory deadline count England and Wales working days (no closure days).

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_reminder_recipients() -> list[str] | None:
    """Say whom a partnership admin may choose as a reminder's recipients in the staff app.

    Returns roles (``admin``, ``partner``, ``reviewer``, ``viewer``, ``chair``,
    ``contributor``), e-mail addresses, and ``@domain`` entries allowing any address at
    that domain (``@doncaster.example.org``). The admin's choice (Settings, Reminder
    recipients) replaces the recipients of a stage of :func:`cspr_reminder_schedule`;
    the stages themselves, and so every statutory reminder, stay. Return None for the
    default: every role, the addresses your schedules name, and any address at the
    domain of your contact e-mail.

    .. versionadded:: 0.2
    """


@hookspec
def cspr_review_kinds() -> list[str | dict[str, Any]]:
    """Add kinds of review the partnership offers, as keys or as data describing each kind.

    A list hook, like themes: the kinds every partnership holds (local CSPR, local
    learning review, thematic review) are always offered and cannot be removed, so a
    rapid review can always decide on a local CSPR; a plugin adds to them. Add
    ``scr`` to keep legacy serious case reviews, ``joint_dhr`` or ``joint_sar`` for
    joint reviews (national reviews are recorded when the Panel holds one). A kind
    named twice is offered once; an unknown kind is refused at load.

    An item is a key of :class:`cspr.reviews.models.ReviewKind` (the core's definition of
    the kind), or a dict: ``{"key", "name", "stages": [{"key", "title"}], "clocks":
    [{"key", "label", "anchor", "period", "unit", "direction", "met_by", "source"}],
    "publication": {"forms", "publisher", "co_publisher"}, "frameworks"}``, every key
    but ``key`` optional. ``stages`` are the platform's steps the kind goes through, in
    order, with the partnership's titles; ``clocks`` are **local targets** for every
    review of the kind (counted from a date of the review; never statutory);
    ``publication.forms`` the forms it may be published in (``full``, ``summary``,
    ``redacted``, ``nspcc``); ``frameworks`` what one joint review is held under
    (``cspr``, ``dhr``, ``sar``). The kinds the law defines (``local_cspr``,
    ``national``) are offered as they are: describing them is refused at load, and a
    joint review's CSPR part keeps the statutory CSPR clocks.

    .. versionchanged:: 0.3
       An item may be a dict describing the kind; a key string still works.

    .. versionchanged:: 0.2
       A list hook that adds to the defaults (it replaced them before).

    .. versionadded:: 0.1
    """


@hookspec
def cspr_themes() -> list[str]:
    """Add learning themes to the controlled vocabulary used to tag reviews.

    A list hook: the defaults give the national themes; a plugin adds local ones.

    .. versionadded:: 0.1
    """


@hookspec
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """Add content blocks to the partnership's public reviews page.

    A list hook. Each block is ``{"key", "title", "body", "position"}`` where
    ``position`` is ``"top"``, ``"bottom"``, ``"legacy"`` or ``"briefings"`` (the
    opening words of that section) and ``body`` is plain text (paragraphs
    separated by blank lines; no HTML). Optional ``"since"`` and ``"until"`` ISO
    dates limit when it shows (e.g. the chair's statement on a new publication);
    optional ``"promises"`` say what its words tell readers the page lists
    (``{"lists", "format", "titles"}``, checked by ``cspr.publication.promises``).

    .. versionchanged:: 0.4
       The ``legacy`` and ``briefings`` positions, and ``promises``.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_demo_content() -> dict[str, Any] | None:
    """Give demo data: the reviews and briefings the partnership has published.

    Returns ``{"reviews": [...], "briefings": [...]}``; see docs/plugins.md for
    the fields. ``cspr demo`` loads it. Facts only, in the plugin's own words.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_notification_channel() -> dict[str, Any] | None:
    """Say how the partnership's reminders are delivered.

    Returns ``{"channel": "email"}`` (the default: SMTP through the platform's mail
    server) or ``{"channel": "notify", "template_id": "<GOV.UK Notify template id>"}``
    to send through GOV.UK Notify. The Notify template must use the placeholders
    ``((subject))`` and ``((body))``. Its API key is a deployment secret, not plugin
    code: ops set ``CSPR_NOTIFY_API_KEY_<SLUG>`` (the slug in capitals, ``-`` as ``_``).

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def cspr_single_sign_on() -> dict[str, Any] | None:
    """Let the partnership's staff sign in with their own organisation's account (OpenID Connect).

    Returns None (the default: e-mail and password only) or a dict:

    - ``issuer``: the OpenID Connect issuer URL, HTTPS; its discovery document is at
      ``<issuer>/.well-known/openid-configuration``. Microsoft Entra ID:
      ``https://login.microsoftonline.com/<tenant-id>/v2.0``;
    - ``client_id``: the application (client) id registered with the provider;
    - ``client_secret_env``: the NAME of the environment variable that holds the client
      secret (secrets never live in plugin code);
    - ``scopes``: default ``["openid", "email", "profile"]`` (must include ``openid``);
    - ``email_claim``: the id token claim holding the e-mail address, default ``"email"``
      (Entra ID often needs ``"preferred_username"``);
    - ``allowed_domains``: the e-mail domains accepted, e.g. ``["doncaster.gov.uk"]``;
    - ``display_name``: shown as "Sign in with <display_name>";
    - ``mfa_by_provider``: True if the provider enforces multi-factor authentication, so
      the platform's own second step is skipped; default False.

    Only existing, active members of the partnership can sign in this way: accounts are
    still made by the partnership's admins.

    .. versionadded:: 0.2
    """


@hookspec
def cspr_register_tasks(celery: Any) -> None:
    """Register the plugin's own Celery tasks on the platform's Celery app.

    Called once when the app (and so every worker) is built, for every loaded plugin;
    not a per-partnership policy hook. Name tasks after the plugin
    (``"<plugin>.<task>"``); they run in the app's context like the core's tasks. Add
    them to the schedule with ``celery.conf.beat_schedule[...]`` if they run by the clock.
    If it raises, the plugin is taken out as if it had failed to load (and reported);
    the other partnerships are unaffected.

    .. versionadded:: 0.1
    """


@hookspec
def cspr_retention_rules() -> list[dict[str, Any]]:
    """Say how long each kind of record is kept before the retention job deletes it.

    A list hook. Each rule is ``{"kind", "keep_for_years", "counted_from", "action"}``:
    ``kind`` is one of ``case_records`` (an incident and everything under it, or a
    review without an incident, counted from ``closure``), ``review_drafts`` (the
    drafts and unpublished documents of a published review, from ``published``),
    ``archive_deposits`` (a review's deposit package, from ``deposited``),
    ``outbox_messages`` (sent or failed e-mails, from ``sent``), ``api_tokens``
    (revoked tokens, from ``revoked``) and ``audit_events`` (always ``keep``);
    ``action`` is ``"delete"`` or ``"keep"`` (never deleted). The partnership's rule
    for a kind replaces the default's, but may only lengthen the core's floor for it
    (``cspr.defaults.RETENTION_FLOORS``: 25 years for case records, drafts and deposits,
    1 year for e-mails and revoked tokens); a shorter rule is refused at load. A kind no
    rule names is never deleted, and nothing under a legal hold is deleted whatever the
    rule says.

    .. versionadded:: 0.2
    """
