"""Demo data: each partnership's published reviews and briefings, from its plugin."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.accounts.models import User
from cspr.actions.models import Recommendation
from cspr.audit import events as audit
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.plugins import PluginRegistry
from cspr.publication import publish as publishing
from cspr.publication.models import Briefing
from cspr.reviews import services as reviews
from cspr.reviews.models import PublicationForm, Review, ReviewKind
from cspr.services.context import Context


@dataclass
class DemoCount:
    """What the demo loader added for one partnership."""

    slug: str
    reviews: int = 0
    briefings: int = 0


def load(session: Session, registry: PluginRegistry) -> list[DemoCount]:
    """Load every partnership's demo content; already-loaded items are left as they are."""
    counts = []
    for row in partnerships.sync(session, registry):
        if row.slug not in registry.policies:
            continue
        policy = registry.policy(row.slug)
        content = policy.demo_content()
        count = DemoCount(row.slug)
        with acting_for(session, row.id):
            existing = {r.title: r for r in session.scalars(select(Review))}
            for item in content["reviews"]:
                if item["title"] in existing:
                    continue
                when = item["published_on"]  # as precise as the plugin knows it
                # stamped as publishing stamps a review: the kind's frameworks and co-publisher
                kind = policy.kind(item["kind"])
                review = Review(
                    kind=ReviewKind(item["kind"]), title=item["title"],
                    pseudonym=item["pseudonym"], legacy=item["legacy"],
                    stage="published", published_on=when.on,
                    published_precision=None if when.precision == "day" else when.precision,
                    report_url=item["report_url"], authors=item["authors"],
                    publisher=item["publisher"] or kind["publication"]["publisher"],
                    co_publisher=item["co_publisher"] or kind["publication"]["co_publisher"],
                    frameworks=list(kind["frameworks"]),
                    publication_form=PublicationForm(item["publication_form"]),
                    publication_note=item["publication_note"], summary=item["summary"],
                    themes=item["themes"],
                )
                session.add(review)
                session.flush()
                for number, rec in enumerate(item["recommendations"], start=1):
                    session.add(Recommendation(review_id=review.id, number=number,
                                               text=rec["text"], response=rec["response"]))
                existing[review.title] = review
                count.reviews += 1
            titles = set(session.scalars(select(Briefing.title)))
            for item in content["briefings"]:
                if item["title"] in titles:
                    continue
                review = existing.get(item["review"]) if item["review"] else None
                session.add(Briefing(
                    review_id=review.id if review else None, format_key=item["format"],
                    title=item["title"], sections=item["sections"],
                    published_on=item["published_on"],
                ))
                count.briefings += 1
            if count.reviews or count.briefings:
                audit.record(session, "demo.loaded", actor="cli",
                             detail={"reviews": count.reviews, "briefings": count.briefings})
        counts.append(count)
    return counts


def seed_cases(ctx: Context, count: int, seed: int = 1, finished: bool = False,
               prefix: str = "Synthetic case") -> int:
    """Add ``count`` fictional cases at mixed stages, through the lifecycle services.

    For load tests and benchmarks: every deadline and audit event is real. Pseudonyms
    are "<prefix> N", never a name. ``finished`` cases had every step on time and
    a no-review decision, so none of their deadlines is still due.
    """
    rng = random.Random(seed)
    areas = ctx.policy.identity["areas"]
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    for i in range(count):
        aware = ctx.today - dt.timedelta(days=rng.randint(60 if finished else 1, 700))
        incident = incidents.record(
            ctx, pseudonym=f"{prefix} {i + 1}", la_case_reference=f"SYN-{seed}-{i + 1}",
            la_area=areas[i % len(areas)], age_band=rng.choice(["under_1", "1_4", "5_9", "10_15"]),
            harm=rng.choice(["death", "serious_harm"]), incident_on=aware - dt.timedelta(days=1),
            aware_on=aware, looked_after=rng.random() < 0.2)
        step = 2 if finished else i % 4
        if step == 0 or aware > ctx.today - dt.timedelta(days=40):
            continue
        sent = ctx.calendar.add(aware, rng.randint(1, 5) if finished else rng.randint(2, 7))
        lac_death = incident.looked_after and incident.harm == "death"
        notifications.record(ctx, incident, sent_on=sent,
                             ofsted_sos_notified_on=sent if finished and lac_death else None)
        if step == 1:
            continue
        decided = ctx.calendar.add(sent, rng.randint(8, 14 if finished else 18))
        rapid_reviews.decide(ctx, incident, decision="no_review" if finished else "local_cspr",
                             sent_to_panel_on=decided)
        if step == 3 and decided + dt.timedelta(days=30) < ctx.today:
            review = incident.reviews[0]
            reviews.agree_terms(ctx, review, agreed_on=decided + dt.timedelta(days=14))
            reviews.commission_reviewer(ctx, review, commissioned_on=decided + dt.timedelta(days=20),
                                        reviewer_name="Independent reviewer")
            if decided + dt.timedelta(days=120) < ctx.today:
                reviews.agree_final_report(ctx, review, agreed_on=decided + dt.timedelta(days=110),
                                           agreed_by=partners)
    ctx.session.flush()
    return count


DEMO_ACCOUNTS = [
    ("admin@demo.example.org", "Demo Admin", "admin", None),
    ("partner@demo.example.org", "Demo Partner", "partner", "doncaster"),
    ("reviewer@demo.example.org", "Demo Reviewer", "reviewer", "doncaster"),
    ("viewer@demo.example.org", "Demo Viewer", "viewer", "doncaster"),
]


#: The distribution the four bundled plugins come in: only they get the demo accounts and cases.
BUNDLED_DISTRIBUTION = "cspr-platform"


def demo_partnerships(registry: PluginRegistry, also: tuple[str, ...] | list[str] = ()) -> set[str]:
    """The partnerships that get demo accounts and fictional cases: the bundled four, and ``also``.

    A partnership installed from its own distribution is a real one: it is never given the demo
    admin or made-up cases unless asked for by name (``cspr demo --partnership SLUG``).
    """
    slugs = {i.partnership for i in registry.infos
             if i.status == "loaded" and i.partnership and i.distribution == BUNDLED_DISTRIBUTION}
    return slugs | {s for s in also if s in registry.policies}


def load_cases(session: Session, registry: PluginRegistry, per_partnership: int = 6, *,
               documents_dir: Path | None = None, secret_key: str | None = None,
               only: set[str] | None = None) -> int:
    """Fictional live cases ("Demo child N") in each partnership that has none yet.

    ``only``: the partnerships to give them to (default: :func:`demo_partnerships`).

    Each partnership also gets one review published through ``publishing.publish``; the documents
    directory and the key for the terms' fingerprints default to the running app's settings.
    """
    from flask import current_app

    from cspr.cases.models import Incident

    if documents_dir is None:
        documents_dir = Path(current_app.config["DOCUMENTS_DIR"])
    if secret_key is None:
        secret_key = current_app.config["SECRET_KEY"]

    added = 0
    only = demo_partnerships(registry) if only is None else only
    for row in partnerships.sync(session, registry):
        if row.slug not in registry.policies or row.slug not in only:
            continue
        with acting_for(session, row.id):
            if session.scalar(select(Incident.id).limit(1)) is not None:
                continue
            ctx = Context(session, row, registry.policy(row.slug), actor="cli")
            added += seed_cases(ctx, per_partnership, seed=row.id, prefix="Demo child")
            publish_example(ctx, documents_dir=documents_dir, secret_key=secret_key)
    return added


# The fictional family's names: the guard searches the report and the summary for them at publication.
DEMO_IDENTIFYING_TERMS = "Jordan Exampleton\nExampleton Street Primary School"
DEMO_REPORT = ("Agencies each held pieces of information about the child. Shared, they would have "
               "shown the risk sooner. The partnership has changed how referrals are shared.")


def demo_report_pdf(ctx: Context) -> bytes:
    """The fictional review's final report as a real PDF (needs the app's templates)."""
    from cspr.publication.briefings import render_pdf

    fmt = {"key": "report", "name": "Report", "sections": [{"key": "findings", "title": "Findings"}]}
    return render_pdf(fmt, "Demo child A (fictional): final report", {"findings": DEMO_REPORT},
                      ctx.partnership.name)


def publish_example(ctx: Context, *, documents_dir: Path, secret_key: str,
                    kind: ReviewKind = ReviewKind.LOCAL_CSPR, title: str = "Demo child A (fictional)",
                    publication_form: str = "full", **publishing_kw: object) -> Review:
    """A fictional local review taken through every step to publication two months ago.

    It is published as any review is: a partner's sign-off, a real PDF report and the family's
    (fictional) identifying terms, through the guard.
    """
    from cspr.deadlines.services import PUBLISHED_BY_LAW

    today = ctx.today
    decided = today - dt.timedelta(days=240)
    review = reviews.start(ctx, kind=kind, title=title, pseudonym="Demo child A", decided_on=decided)
    reviews.agree_terms(ctx, review, agreed_on=decided + dt.timedelta(days=14))
    reviews.commission_reviewer(ctx, review, commissioned_on=decided + dt.timedelta(days=21),
                                reviewer_name="An independent reviewer")
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    published = today - dt.timedelta(days=60)
    sent = ctx.calendar.add(published, -10)
    reviews.agree_final_report(ctx, review, agreed_on=sent - dt.timedelta(days=14), agreed_by=partners)
    reviews.plan_publication(ctx, review, planned_on=published)
    if ReviewKind(kind) in PUBLISHED_BY_LAW:
        reviews.send_report(ctx, review, sent_on=sent)
    theme = "Information sharing" if "Information sharing" in ctx.policy.themes else ctx.policy.themes[0]
    publishing.publish(ctx, review, published_on=published, signed_off_by=partners[0],
                       identifying_terms=DEMO_IDENTIFYING_TERMS, documents_dir=documents_dir,
                       secret_key=secret_key, publication_form=publication_form,
                       summary="A fictional review showing how a published review appears: agencies "
                               "held pieces of information that, shared, would have shown the risk.",
                       themes=[theme], report=demo_report_pdf(ctx),
                       report_filename="demo-child-a-report.pdf", **publishing_kw)
    return review


def _reset_account(session: Session, user: User, password: str) -> None:
    """A demo account back to new: the password, and two-factor set up again at the next sign-in."""
    from cspr.accounts.users import hash_password, reset_two_factor

    user.password_hash = hash_password(password)
    user.active, user.failed_sign_ins, user.locked_until = True, 0, None
    reset_two_factor(session, user, actor="cli")


def load_accounts(session: Session, registry: PluginRegistry, password: str,
                  only: set[str] | None = None) -> list[str]:
    """Demo accounts (admin of the demo partnerships; partner, reviewer and viewer in Doncaster).

    All with ``password``. ``only``: the partnerships the demo admin joins (default:
    :func:`demo_partnerships`, so an installed fifth partnership gets no demo admin).
    """
    from cspr.accounts.models import Membership, Role, User
    from cspr.accounts.users import create_user

    only = demo_partnerships(registry) if only is None else only
    rows = {p.slug: p for p in partnerships.sync(session, registry)
            if p.slug in registry.policies and p.slug in only}
    made = []
    for email, name, role, slug in DEMO_ACCOUNTS:
        targets = [rows[slug]] if slug in rows else ([] if slug else list(rows.values()))
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(session, email, name, password,
                               memberships=[(p, Role(role)) for p in targets])
        else:
            _reset_account(session, user, password)
            for p in targets:
                with acting_for(session, p.id):
                    if session.scalar(select(Membership).where(Membership.user_id == user.id)) is None:
                        session.add(Membership(user_id=user.id, role=Role(role)))
        made.append(email)
    operator = session.scalar(select(User).where(User.email == "operator@demo.example.org"))
    if operator is None:
        create_user(session, "operator@demo.example.org", "Demo Operator", password, is_operator=True)
    else:
        _reset_account(session, operator, password)
    made.append("operator@demo.example.org")
    session.flush()
    return made
