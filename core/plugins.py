"""Plugin discovery, validation and the per-partnership policy view.

Partnership plugins are found through the ``cspr.partnerships`` entry-point
group (the bundled four register exactly as an outside plugin would). Each app
builds its own plugin manager. Every plugin is loaded, checked
(``check_pending``, required hooks, every answer through a schema, no statutory
rule relaxed) and given a :class:`Policy`: a view of the hooks that holds only
that plugin and the statutory defaults. A plugin that fails is reported with its
name and the reason and does not load; the others are unaffected.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy
from marshmallow import Schema, ValidationError

from cspr import defaults, hookspecs
from cspr.calendar import FIRST_YEAR, LAST_YEAR, MAX_CLOSURE_DAYS, WorkingCalendar, closable
from cspr.deadlines.names import ANCHOR_NAMES, FACT_NAMES, Anchor, Fact
from cspr.partnerships import policy as schemas
from cspr.reviews.models import KIND_NAMES, KIND_PLURALS
from cspr.services.words import plural

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

GROUP = "cspr.partnerships"
DEFAULTS_NAME = "cspr.defaults"


class PluginError(Exception):
    """A plugin is broken: the message names it and says why."""

    def __init__(self, plugin: str, reason: str) -> None:
        super().__init__(f"plugin '{plugin}': {reason}")
        self.plugin = plugin
        self.reason = reason


class PluginsFailed(Exception):
    """Start-up refused in strict mode because plugins are broken."""

    def __init__(self, errors: list[PluginError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class PluginInfo:
    """What ``cspr plugins`` shows of one installed plugin."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    status: str  # loaded, broken, denied
    partnership: str | None = None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None


def _load(schema: type[Schema], value: Any, what: str, many: bool = False) -> Any:
    if value is None:
        raise ValidationError(f"{what} returned nothing")
    try:
        return schema(many=many).load(value)
    except ValidationError as exc:
        raise ValidationError(f"{what} returned an invalid value: {exc.messages}") from exc


def check_deadline_rules(rules: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Validate a rules table and refuse any relaxation of a statutory rule."""
    if not isinstance(rules, dict):
        raise ValidationError("cspr_deadline_rules must return a dict keyed by kind")
    checked = {}
    for kind, rule in rules.items():
        if isinstance(rule, dict):
            _check_names(kind, rule)
        checked[kind] = _load(schemas.DeadlineRuleSchema, rule, f"deadline rule '{kind}'")
    for kind, law in defaults.STATUTORY_RULES.items():
        rule = checked.get(kind)
        if rule is None:
            raise ValidationError(f"the statutory rule '{kind}' cannot be removed")
        if not rule["statutory"]:
            raise ValidationError(f"the rule '{kind}' is statutory and must stay so")
        if rule["met_by"] != law["met_by"]:
            raise ValidationError(f"'{kind}' is met by '{law['met_by']}' by law")
        if rule["unit"] != law["unit"] or rule["direction"] != law["direction"]:
            raise ValidationError(
                f"'{kind}' must stay {law['direction']} {law['period']} {law['unit']}"
            )
        if rule["anchor"] != law["anchor"] and rule["anchor"] not in defaults.STRICTER_ANCHORS.get(
            kind, set()
        ):
            raise ValidationError(
                f"'{kind}' counts from '{law['anchor']}' by law; counting from "
                f"'{rule['anchor']}' would relax it"
            )
        shorter_is_stricter = law["direction"] == "within"
        relaxed = (
            rule["period"] > law["period"] if shorter_is_stricter else rule["period"] < law["period"]
        )
        if relaxed:
            bound = "at most" if shorter_is_stricter else "at least"
            raise ValidationError(
                f"'{kind}' would relax a statutory deadline: the period must be {bound} "
                f"{law['period']} {law['unit'].replace('_', ' ')}, not {rule['period']}"
            )
    return checked


def _check_names(kind: str, rule: dict[str, Any]) -> None:
    """Refuse a rule that counts from, or is met by, a date the platform does not know."""
    anchor, met_by = rule.get("anchor"), rule.get("met_by")
    if anchor is not None and not (isinstance(anchor, str) and anchor in ANCHOR_NAMES):
        raise ValidationError(
            f"deadline rule '{kind}' counts from an unknown anchor {anchor!r}; "
            f"the known anchors are {', '.join(Anchor)}")
    if met_by is not None and not (isinstance(met_by, str) and met_by in FACT_NAMES):
        raise ValidationError(
            f"deadline rule '{kind}' is met by an unknown fact {met_by!r}; "
            f"the known facts are {', '.join(Fact)}")


def check_retention_rules(answers: list[Any]) -> dict[str, dict[str, Any]]:
    """Validate retention rules, by kind: the partnership's rule for a kind replaces the default's."""
    rules: dict[str, dict[str, Any]] = {}
    for answer in answers:  # the partnership's answer first, then the defaults'
        if not isinstance(answer, list):
            raise ValidationError(f"cspr_retention_rules must return a list, not {type(answer).__name__}")
        loaded = [_load(schemas.RetentionRuleSchema, item, "retention rule") for item in answer]
        kinds = [rule["kind"] for rule in loaded]
        dupes = sorted({k for k in kinds if kinds.count(k) > 1})
        if dupes:
            raise ValidationError(f"retention rules given twice for {', '.join(dupes)}")
        for rule in loaded:
            rules.setdefault(rule["kind"], rule)
    for kind, rule in rules.items():
        floor, source = defaults.RETENTION_FLOORS.get(kind, (None, ""))
        if floor is not None and rule["action"] == "delete" and rule["keep_for_years"] < floor:
            raise ValidationError(
                f"cspr_retention_rules: {kind} must be kept at least {floor} years from "
                f"'{rule['counted_from']}' ({source}); a rule may lengthen that, never shorten it "
                f"to {rule['keep_for_years']}"
            )
    return rules


class Policy:
    """One partnership's local policy: its plugin's answers over the statutory defaults.

    Static answers are computed and validated once, when the plugin loads. The
    few hooks that take arguments are called on demand; a failure there raises a
    :class:`PluginError` naming the plugin and never reaches another partnership.
    """

    def __init__(self, name: str, hook: Callable[[str], Any], version: str | None) -> None:
        self.plugin_name = name
        self.version = version
        self._hook = hook
        # while loading, one view per hook (no plugin registers meanwhile): the closure days
        # are asked for every year; afterwards each call gets a fresh view
        self._loading: dict[str, Any] | None = {}
        self.identity = _load(schemas.IdentitySchema, self._call("cspr_partnership"), "cspr_partnership")
        self.slug: str = self.identity["slug"]
        self.partners = _load(schemas.PartnersSchema, self._call("cspr_partners"), "cspr_partners")
        self.briefing_formats = self._keyed(
            schemas.BriefingFormatSchema, self._flat("cspr_briefing_formats"), "briefing format"
        )
        self.archive_rule = _load(
            schemas.ArchiveRuleSchema, self._call("cspr_archive_rule"), "cspr_archive_rule"
        )
        self.deadline_rules = check_deadline_rules(
            self._call("cspr_deadline_rules", statutory=copy.deepcopy(defaults.STATUTORY_RULES))
        )
        if self.archive_rule["public_months"] < self.deadline_rules["public_period"]["period"]:
            raise ValidationError("the archive rule is shorter than the rule for the public period")
        self._check_archive_kinds()
        kinds = self._flat("cspr_review_kinds")  # the plugin's kinds, then the defaults'
        unknown = [k for k in kinds if isinstance(k, str) and k not in schemas.REVIEW_KINDS]
        if unknown:
            raise ValidationError(
                f"cspr_review_kinds: unknown kinds {unknown}; use {schemas.REVIEW_KINDS}"
            )
        #: Each kind the partnership holds, as data: name, stages, clocks, publication, frameworks.
        self.kinds: dict[str, dict[str, Any]] = self._review_kinds(kinds)
        # the kinds every partnership holds come first and are always there; a plugin adds
        self.review_kinds: list[str] = list(dict.fromkeys([*defaults.STATUTORY_REVIEW_KINDS, *self.kinds]))
        for key, kind in self.kinds.items():  # a kind's own clocks are local targets for its reviews
            for clock in kind["clocks"]:
                if clock["key"] in self.deadline_rules:
                    raise ValidationError(f"cspr_review_kinds: the clock '{clock['key']}' of '{key}' has "
                                          "the name of another deadline rule; give it its own")
                rule = check_deadline_rules({**defaults.STATUTORY_RULES, clock["key"]: {
                    **{k: v for k, v in clock.items() if k != "key"}, "statutory": False}})[clock["key"]]
                self.deadline_rules[clock["key"]] = {**rule, "kinds": [key]}
        themes = self._flat("cspr_themes")
        if not all(isinstance(t, str) and t.strip() for t in themes):
            raise ValidationError("cspr_themes must return non-empty strings")
        self.themes: list[str] = sorted(dict.fromkeys(t.strip() for t in themes), key=str.lower)
        self.public_blocks = self._keyed(
            schemas.ContentBlockSchema, self._flat("cspr_public_page_blocks"), "content block"
        )
        self.reminder_schedules = {kind: self.reminder_schedule(kind) for kind in self.deadline_rules}
        #: Whom an admin may choose as reminder recipients in the app (cspr.partnerships.settings).
        self.reminder_recipients_allowed: list[str] = self._allowed_recipients()
        #: Working days an agency has to answer an information request (cspr.returns).
        self.information_request_days: int = _load(
            schemas.InformationRequestDaysSchema, {"days": self._call("cspr_information_request_days")},
            "cspr_information_request_days")["days"]
        #: The month the reporting year begins (cspr.reporting.figures).
        self.reporting_year_start: int = _load(
            schemas.ReportingYearSchema, {"month": self._call("cspr_reporting_year_start")},
            "cspr_reporting_year_start")["month"]
        self.channel = _load(schemas.ChannelSchema, self._call("cspr_notification_channel"),
                             "cspr_notification_channel")
        sso = self._call("cspr_single_sign_on")
        self.single_sign_on: dict[str, Any] | None = (
            None if sso is None else _load(schemas.SingleSignOnSchema, sso, "cspr_single_sign_on"))
        self.retention_rules = check_retention_rules(self._call("cspr_retention_rules"))
        # every year the calendar covers, so an unbounded closure is refused now, not on a
        # deadline years from now (about a hundred calls of the hook, once)
        closures = {year: self.closure_days(year) for year in range(FIRST_YEAR, LAST_YEAR + 1)}
        #: The partnership's calendar, for its local targets only: the statutory clocks use
        #: :data:`cspr.calendar.ENGLAND` (see :func:`cspr.deadlines.services.clock`).
        self.calendar = WorkingCalendar(closures.__getitem__)
        # demo content is checked now like every other answer, so a mistake in it is "the plugin does
        # not load: ..." with the reason, never a traceback from `cspr demo` or the kit's fixtures
        self.demo_content()
        self._loading = None

    def _allowed_recipients(self) -> list[str]:
        """The plugin's list, or every role, its schedules' addresses and its contact e-mail's domain."""
        given = self._call("cspr_reminder_recipients")
        if given is None:
            named = [r for stages in self.reminder_schedules.values() for s in stages for r in s["recipients"]
                     if "@" in r]
            domain = self.identity["contact"]["email"].rsplit("@", 1)[-1].lower()
            given = [*schemas.ROLES, *named, f"@{domain}"]
        loaded = _load(schemas.AllowedRecipientsSchema, {"recipients": given}, "cspr_reminder_recipients")
        return list(dict.fromkeys(loaded["recipients"]))

    def _check_archive_kinds(self) -> None:
        """Refuse a rule for a kind that would take its reports off the page before the law allows."""
        floor = self.deadline_rules["public_period"]["period"]
        for kind in self.archive_rule["kinds"]:
            rule = self.archive_rule_for(kind, legacy=False)
            label = KIND_NAMES.get(kind, kind)
            if rule["public_months"] < floor:
                raise ValidationError(
                    f"cspr_archive_rule: the rule for {label} ('{kind}') takes reports off the page "
                    f"after {rule['public_months']} months; a report must stay public for at least "
                    f"{floor} months from publication (the statutory minimum for a child safeguarding "
                    "practice review, Working Together 2018 and 2023)")
            if rule["then"] == "on_request" and not rule["request_contact"]:
                raise ValidationError(
                    f"cspr_archive_rule: the rule for {label} ('{kind}') is 'on_request' and needs a "
                    "request_contact")

    def _review_kinds(self, answers: list[Any]) -> dict[str, dict[str, Any]]:
        """Every kind offered, the core's definition under the plugin's data (never for a fixed kind)."""
        given: dict[str, dict[str, Any]] = {}
        for item in answers:  # the plugin's first: its definition of a kind wins over a bare key
            if isinstance(item, str):
                given.setdefault(item, {"key": item})
                continue
            loaded = _load(schemas.ReviewKindSchema, item, "cspr_review_kinds")
            if given.get(loaded["key"], {}).keys() - {"key"}:
                raise ValidationError(f"cspr_review_kinds: the kind '{loaded['key']}' is described twice")
            given[loaded["key"]] = loaded
        for key in defaults.STATUTORY_REVIEW_KINDS:
            given.setdefault(key, {"key": key})
        return {key: self._kind(key, item) for key, item in given.items()}

    def _kind(self, key: str, item: dict[str, Any]) -> dict[str, Any]:
        core = copy.deepcopy(defaults.CORE_KINDS[key])
        label = KIND_NAMES.get(key, key)
        changes = {k for k, v in item.items() if k != "key" and v not in (None, [], {})}
        if core["fixed"] and changes:
            raise ValidationError(
                f"cspr_review_kinds: {label} ('{key}') is defined by law and stays as the core defines it: "
                f"a plugin may offer it, not change its {', '.join(sorted(changes))}")
        stages = core["stages"]
        titles = {s: defaults.STAGES[s] for s in stages}
        if item.get("stages"):
            chosen = [s["key"] for s in item["stages"]]
            wrong = [s for s in chosen if s not in defaults.STAGES]
            if wrong:
                raise ValidationError(f"cspr_review_kinds: '{key}' has unknown stages {wrong}; a stage is "
                                      f"one of the platform's steps: {', '.join(defaults.STAGES)}")
            if chosen != [s for s in defaults.ALL_STAGES if s in chosen] or len(set(chosen)) != len(chosen):
                raise ValidationError(f"cspr_review_kinds: the stages of '{key}' must follow the platform's "
                                      f"order, each once: {', '.join(defaults.STAGES)}")
            needed = [s for s in core["stages"] if s in ("decided", "sent_to_panel", "published")]
            missing = [s for s in needed if s not in chosen]
            if missing:
                raise ValidationError(f"cspr_review_kinds: {label} ('{key}') cannot leave out the stages "
                                      f"{missing}" + (" (the law sends a joint review's final report to the "
                                                      "Panel)" if "sent_to_panel" in missing else ""))
            stages = chosen
            titles = {s["key"]: s["title"] or defaults.STAGES[s["key"]] for s in item["stages"]}
        publication = item.get("publication") or {}
        frameworks = item.get("frameworks") or core["frameworks"]
        if key.startswith("joint_") and not set(core["frameworks"]) <= set(frameworks):
            raise ValidationError(f"cspr_review_kinds: {label} ('{key}') is held under "
                                  f"{' and '.join(core['frameworks'])} at least")
        return {
            "key": key, "name": item.get("name") or core["name"], "fixed": core["fixed"],
            "stages": [{"key": s, "title": titles[s]} for s in stages],
            "clocks": list(item.get("clocks") or []),
            "publication": {"forms": publication.get("forms") or list(schemas.PUBLICATION_FORMS),
                            "publisher": publication.get("publisher"),
                            "co_publisher": publication.get("co_publisher")},
            "frameworks": list(dict.fromkeys(frameworks)),
        }

    def kind(self, key: str) -> dict[str, Any]:
        """One kind of review as the partnership holds it (the core's definition if it does not)."""
        return self.kinds.get(key) or self._kind(key, {"key": key})

    def archive_rule_for(self, kind: str, legacy: bool = False) -> dict[str, Any]:
        """The archive rule a review of ``kind`` follows: its kind's rule over the main one.

        An imported legacy review stays on the page (``then`` is ``keep``) unless its rule says
        ``legacy: True``: a rule written for new reviews does not take the old ones away.
        """
        main = {k: v for k, v in self.archive_rule.items() if k != "kinds"}
        own = {k: v for k, v in self.archive_rule["kinds"].get(kind, {}).items() if v is not None}
        rule = {**main, **own}
        if legacy and not rule["legacy"]:
            rule["then"] = "keep"
        return rule

    @property
    def archive_request_contact(self) -> str | None:
        """Where requests for reports "available on request" go (None if no rule files them so)."""
        rules = [self.archive_rule, *self.archive_rule["kinds"].values()]
        contacts = [r.get("request_contact") or self.archive_rule["request_contact"]
                    for r in rules if r["then"] == "on_request"]
        return next((c for c in contacts if c), None)

    def archive_statements(self) -> list[tuple[str | None, dict[str, Any]]]:
        """What the public page says of the archive rules: the main rule, then each kind's own."""
        shown: list[tuple[str | None, dict[str, Any]]] = [(None, self.archive_rule_for(""))]
        for kind in self.archive_rule["kinds"]:
            shown.append((KIND_PLURALS.get(kind, kind), self.archive_rule_for(kind)))
        return shown

    # -- calling hooks -------------------------------------------------------
    def _call(self, name: str, **kwargs: Any) -> Any:
        caller = self._loading.get(name) if self._loading is not None else None
        if caller is None:
            caller = self._hook(name)
            if self._loading is not None:
                self._loading[name] = caller
        try:
            return caller(**kwargs)
        except (ValidationError, PluginError):
            raise
        except Exception as exc:  # a plugin's own bug: name it, contain it
            raise PluginError(self.plugin_name, f"{name} raised {type(exc).__name__}: {exc}") from exc

    def _flat(self, name: str, **kwargs: Any) -> list[Any]:
        results = self._call(name, **kwargs)
        items: list[Any] = []
        for result in results:
            if not isinstance(result, list):
                raise ValidationError(f"{name} must return a list, not {type(result).__name__}")
            items.extend(result)
        return items

    @staticmethod
    def _keyed(schema: type[Schema], items: list[Any], what: str) -> list[dict[str, Any]]:
        loaded = [_load(schema, item, what) for item in items]
        keys = [item["key"] for item in loaded]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValidationError(f"{what} keys used twice: {', '.join(dupes)}")
        return loaded

    # -- answers that take arguments ----------------------------------------
    def closure_days(self, year: int) -> frozenset[dt.date]:
        """The partnership's closure days in ``year`` (validated)."""
        try:
            days = {schemas.parse_date(d) for d in self._flat("cspr_closure_days", year=year)}
        except ValidationError as exc:
            raise PluginError(self.plugin_name, f"cspr_closure_days({year}): {exc.messages}") from exc
        wrong = sorted(d for d in days if d.year != year)
        if wrong:
            raise PluginError(
                self.plugin_name, f"cspr_closure_days({year}) returned days of another year: {wrong}"
            )
        closed = closable(days)
        if len(closed) > MAX_CLOSURE_DAYS:
            raise PluginError(
                self.plugin_name,
                f"cspr_closure_days({year}) closes {len(closed)} working days ({closed[0]} to "
                f"{closed[-1]}); at most {MAX_CLOSURE_DAYS} working days a year may be closure days "
                "(they move local targets only, never a statutory deadline)",
            )
        return frozenset(days)

    def reminder_schedule(self, kind: str) -> list[dict[str, Any]]:
        """The reminder stages for a deadline kind."""
        stages = _load(
            schemas.ReminderStageSchema, self._call("cspr_reminder_schedule", kind=kind),
            f"cspr_reminder_schedule({kind!r})", many=True,
        )
        keys = [s["key"] for s in stages]
        if len(keys) != len(set(keys)):
            raise ValidationError(f"cspr_reminder_schedule({kind!r}): stage keys must be unique")
        law = defaults.STATUTORY_RULES.get(kind)
        if law is not None and law["direction"] != "at_least":  # the law's deadlines are chased
            before = [s for s in stages if s["offset"] <= 0]
            after = [s for s in stages if 0 < s["offset"] <= defaults.ESCALATE_WITHIN]
            if not before or not after:
                missing = "no reminder on or before the due day" if not before else (
                    f"no escalation within {defaults.ESCALATE_WITHIN} working days after it")
                raise ValidationError(
                    f"cspr_reminder_schedule({kind!r}) has {missing}: every statutory deadline "
                    "keeps a reminder on or before its due day (offset 0 or less) and an escalation "
                    f"after it (offset 1 to {defaults.ESCALATE_WITHIN}); add stages or choose "
                    "recipients, never remove them"
                )
        return stages

    def demo_content(self) -> dict[str, Any]:
        """The plugin's demo data, validated."""
        content = _load(schemas.DemoContentSchema, self._call("cspr_demo_content"), "cspr_demo_content")
        for briefing in content["briefings"]:
            fmt = self.briefing_format(briefing["format"])
            if fmt is None:
                raise ValidationError(f"demo briefing uses unknown format {briefing['format']!r}")
            keys = {s["key"] for s in fmt["sections"]}
            unknown = sorted(k for k in briefing["sections"] if k not in keys)
            if unknown:
                raise ValidationError(
                    f"demo briefing {briefing['title']!r} has unknown sections {unknown} "
                    f"for the format {fmt['key']!r}"
                )
        for review in content["reviews"]:
            if review["kind"] not in self.review_kinds:
                raise ValidationError(
                    f"demo review {review['title']!r}: kind {review['kind']!r} is not one of "
                    f"this partnership's review kinds {self.review_kinds}"
                )
            unknown = [t for t in review["themes"] if t not in self.themes]
            if unknown:
                raise ValidationError(f"demo review {review['title']!r} has unknown themes {unknown}")
            forms = self.kind(review["kind"])["publication"]["forms"]
            if review["publication_form"] not in forms:
                raise ValidationError(
                    f"demo review {review['title']!r}: publication_form {review['publication_form']!r} is "
                    f"not one the kind {review['kind']!r} is published in here: {', '.join(forms)}"
                )
        return content

    # -- conveniences --------------------------------------------------------
    @property
    def name(self) -> str:
        """The partnership's full name."""
        return self.identity["name"]

    @property
    def agencies(self) -> list[dict[str, Any]]:
        """The safeguarding partners, then the relevant agencies."""
        return self.partners["safeguarding_partners"] + self.partners["relevant_agencies"]

    def agency(self, key: str) -> dict[str, Any] | None:
        """One agency by key."""
        return next((a for a in self.agencies if a["key"] == key), None)

    def blocks(self, position: str, on: dt.date | None = None) -> list[dict[str, Any]]:
        """The public page's content blocks at ``position`` that show on a day (today)."""
        day = on or dt.date.today()
        return [
            b for b in self.public_blocks
            if b["position"] == position
            and (b["since"] is None or b["since"] <= day)
            and (b["until"] is None or day <= b["until"])
        ]

    def briefing_format(self, key: str) -> dict[str, Any] | None:
        """One briefing format by key."""
        return next((f for f in self.briefing_formats if f["key"] == key), None)


class PluginRegistry:
    """The plugins of one app: the manager, each partnership's policy, and what failed."""

    def __init__(
        self,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        extra: Iterable[tuple[str, ModuleType | object]] = (),
    ) -> None:
        self.allow = set(allow)
        self.deny = set(deny)
        self.pm = pluggy.PluginManager("cspr")
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(defaults, name=DEFAULTS_NAME)
        self.policies: dict[str, Policy] = {}
        self.infos: list[PluginInfo] = []
        self.errors: list[PluginError] = []
        #: Failures of loaded plugins while serving (plugin name -> last message), for ops.
        self.runtime_errors: dict[str, str] = {}
        self._extra = list(extra)

    # -- discovery -----------------------------------------------------------
    def load(self) -> PluginRegistry:
        """Find, register and check every installed partnership plugin."""
        candidates: list[tuple[str, Callable[[], object], str, str | None, str | None]] = []
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else None
            version = ep.dist.version if ep.dist else None
            candidates.append((ep.name, _loader(ep), ep.value, dist, version))
        for name, obj in self._extra:  # plugins handed in directly (tests, the author's kit)
            candidates.append((name, (lambda o=obj: o), getattr(obj, "__name__", name), None, None))
        seen: set[str] = set()
        for name, load, module, dist, version in candidates:
            info = PluginInfo(name=name, module=module, distribution=dist, version=version,
                              status="loaded")
            self.infos.append(info)
            if name in seen:
                self._fail(info, f"another installed plugin is already called '{name}'")
                continue
            seen.add(name)
            if (self.allow and name not in self.allow) or name in self.deny:
                info.status = "denied"
                continue
            self._register(info, load)
        return self

    def _fail(self, info: PluginInfo, reason: str) -> None:
        info.status = "broken"
        info.error = reason
        error = PluginError(info.name, reason)
        self.errors.append(error)
        log.error("%s", error, extra={"plugin": info.name})

    def _register(self, info: PluginInfo, load: Callable[[], object]) -> None:
        try:
            plugin = load()
        except Exception as exc:
            self._fail(info, f"cannot be imported: {type(exc).__name__}: {exc}")
            return
        try:
            self.pm.register(plugin, name=info.name)
        except ValueError as exc:
            self._fail(info, f"cannot be registered: {exc}")
            return
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(plugin)
            self._fail(info, f"implements a hook that does not exist: {exc}")
            return
        info.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        missing = [h for h in hookspecs.REQUIRED_HOOKS if h not in info.hooks]
        if missing:
            self.pm.unregister(plugin)
            self._fail(info, f"does not implement the required {plural(len(missing), 'hook')} "
                             f"{', '.join(missing)}")
            return
        try:
            policy = Policy(info.name, self._view(plugin), info.version)
        except ValidationError as exc:
            self.pm.unregister(plugin)
            self._fail(info, _message(exc))
            return
        except PluginError as exc:
            self.pm.unregister(plugin)
            self._fail(info, exc.reason)
            return
        if policy.slug in self.policies:
            self.pm.unregister(plugin)
            other = self.policies[policy.slug].plugin_name
            self._fail(info, f"claims the slug '{policy.slug}', already taken by plugin '{other}'")
            return
        info.partnership = policy.slug
        self.policies[policy.slug] = policy

    def _view(self, plugin: object) -> Callable[[str], Any]:
        """A hook lookup that sees only ``plugin`` and the defaults."""
        def hook(name: str) -> Any:
            others = [
                p for p in self.pm.get_plugins()
                if p is not plugin and self.pm.get_name(p) != DEFAULTS_NAME
            ]
            return self.pm.subset_hook_caller(name, remove_plugins=others)
        return hook

    # -- app-wide hooks ------------------------------------------------------
    def register_tasks(self, celery: Any) -> None:
        """Call ``cspr_register_tasks`` of each loaded plugin, on its own, through pluggy.

        A plugin that raises is contained like one that fails to load: its partnership is
        not served, the beat entries it added are taken out, and it is reported as broken
        (``cspr plugins``, ``/healthz``); the other partnerships are unaffected.
        """
        for policy in list(self.policies.values()):
            plugin = self.pm.get_plugin(policy.plugin_name)
            schedule = celery.conf.beat_schedule
            scheduled = set(schedule)
            try:
                self._view(plugin)("cspr_register_tasks")(celery=celery)
            except Exception as exc:  # a plugin's own bug: name it, contain it
                for key in set(schedule) - scheduled:
                    del schedule[key]
                self._quarantine(policy, f"cspr_register_tasks raised {type(exc).__name__}: {exc}")

    def _quarantine(self, policy: Policy, reason: str) -> None:
        """Take a loaded plugin out (its partnership is no longer served) and report it as broken."""
        plugin = self.pm.get_plugin(policy.plugin_name)
        if plugin is not None:
            self.pm.unregister(plugin)
        del self.policies[policy.slug]
        info = next(i for i in self.infos if i.name == policy.plugin_name and i.status == "loaded")
        info.partnership = None
        self._fail(info, reason)

    # -- lookup --------------------------------------------------------------
    def policy(self, slug: str) -> Policy:
        """The policy of a loaded partnership; KeyError if there is none."""
        return self.policies[slug]

    def __iter__(self):  # noqa: ANN204
        return iter(self.policies.values())


def get_registry(app: Flask | None = None) -> PluginRegistry:
    """The plugin registry of the app (the current one by default)."""
    from flask import current_app

    return (app or current_app).extensions["cspr.plugins"]


def _loader(ep: EntryPoint) -> Callable[[], object]:
    return ep.load


def _message(exc: ValidationError) -> str:
    messages = exc.messages
    if isinstance(messages, list) and len(messages) == 1:
        return str(messages[0])
    return str(messages)
