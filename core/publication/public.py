"""What is public: a partnership's published reviews and briefings, and the feeds of new ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from cspr.db.tenancy import acting_for, public_view
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry, Policy
from cspr.publication import search
from cspr.publication.briefings import complete
from cspr.publication.models import Briefing
from cspr.reviews.dates import DatePrecision
from cspr.reviews.models import Document, PublicationForm, Review, ReviewKind

THEMATIC = {ReviewKind.THEMATIC}
LEGACY = {ReviewKind.SCR}


@dataclass
class PublicPage:
    """The reviews a partnership's public page lists, in its sections."""

    by_year: list[tuple[int | str, list[Review]]] = field(default_factory=list)
    thematic: list[Review] = field(default_factory=list)
    legacy: list[Review] = field(default_factory=list)
    #: Published anonymously through the NSPCC: the page says only that they exist, and when.
    anonymous: list[tuple[int | str, int]] = field(default_factory=list)  # (year, how many)
    briefings: dict[int | None, list[Briefing]] = field(default_factory=dict)
    #: Briefings whose review's report has left the page (archived): the learning stays readable.
    kept_briefings: list[tuple[Briefing, Review]] = field(default_factory=list)
    documents: dict[int, list[Document]] = field(default_factory=dict)


def _published():  # noqa: ANN202
    return select(Review).where(Review.published_on.is_not(None), Review.archived_on.is_(None))


def _public_reviews():  # noqa: ANN202
    """What the page, the library and the feeds show: not what the NSPCC publishes anonymously."""
    return _published().where(or_(Review.publication_form.is_(None),
                                  Review.publication_form != PublicationForm.NSPCC))


def outlives_report(policy: Policy | None, review: Review) -> bool:
    """Whether a review's briefings stay public after its report has left the page.

    They do (the learning for practitioners stays readable) unless the partnership's archive
    rule for the review's kind says ``"briefings": "with_report"``. Never for a review the NSPCC
    publishes anonymously, nor one not published.
    """
    if policy is None or review.published_on is None or review.publication_form == PublicationForm.NSPCC:
        return False
    return policy.archive_rule_for(review.kind.value, review.legacy).get("briefings", "keep") == "keep"


#: The heading of the reviews whose source gives no date (listed after every year).
UNDATED = "Date not given"


def _by_year(reviews: list[Review]) -> list[tuple[int | str, list[Review]]]:
    """Reviews by the year they were published; those whose date is not given last, under a heading."""
    dated = [r for r in reviews if r.published_precision != DatePrecision.NOT_GIVEN]
    groups: list[tuple[int | str, list[Review]]] = [
        (year, list(items)) for year, items in groupby(dated, lambda r: r.published_on.year)]
    undated = [r for r in reviews if r.published_precision == DatePrecision.NOT_GIVEN]
    return [*groups, (UNDATED, undated)] if undated else groups


def page(session: Session, policy: Policy | None = None) -> PublicPage:
    """The public page's content for the partnership the session acts for.

    With its ``policy``, only complete briefings are listed (a briefing with a section still to
    write is a draft).
    """
    reviews = session.scalars(_public_reviews().order_by(Review.published_on.desc(), Review.id)).all()
    result = PublicPage()
    current = [r for r in reviews if r.kind not in THEMATIC | LEGACY]
    result.by_year = _by_year(current)
    result.thematic = [r for r in reviews if r.kind in THEMATIC]
    result.legacy = [r for r in reviews if r.kind in LEGACY]
    years = session.scalars(_published().where(Review.publication_form == PublicationForm.NSPCC)
                            .order_by(Review.published_on.desc())).all()
    result.anonymous = [(year, len(items)) for year, items in _by_year(years)]
    public_ids = {r.id for r in reviews}
    if public_ids:
        for document in session.scalars(select(Document).where(
                Document.review_id.in_(public_ids), Document.public.is_(True)).order_by(Document.id)):
            result.documents.setdefault(document.review_id, []).append(document)
    archived: dict[int, Review] = {}
    for briefing in session.scalars(select(Briefing).order_by(Briefing.title)):
        layout = policy.briefing_format(briefing.format_key) if policy is not None else None
        if policy is not None and not complete(layout, briefing.sections):
            continue
        if briefing.review_id is None or briefing.review_id in public_ids:
            result.briefings.setdefault(briefing.review_id, []).append(briefing)
            continue
        review = archived.get(briefing.review_id) or session.get(Review, briefing.review_id)
        if review is not None and review.archived_on is not None and outlives_report(policy, review):
            archived[review.id] = review
            result.kept_briefings.append((briefing, review))
    result.kept_briefings.sort(key=lambda item: (item[1].published_on, item[0].title), reverse=True)
    return result


def public_briefing(session: Session, briefing_id: int, policy: Policy | None = None) -> Briefing | None:
    """A briefing anyone may read: standalone, of a review on the public page, or of one whose
    report has left the page when the partnership's rule keeps its learning (``policy``).
    """
    briefing = session.get(Briefing, briefing_id)
    if briefing is None:
        return None
    if briefing.review_id is not None:
        review = session.get(Review, briefing.review_id)
        if review is None or review.published_on is None or review.publication_form == PublicationForm.NSPCC:
            return None
        if review.archived_on is not None and not outlives_report(policy, review):
            return None
    return briefing


def public_document(session: Session, storage_key: str) -> Document | None:
    """A public file of a review still on the public page, by its random key."""
    document = session.scalar(select(Document).where(Document.storage_key == storage_key,
                                                     Document.public.is_(True)))
    if document is None:
        return None
    review = session.get(Review, document.review_id)
    if review is None or review.published_on is None or review.archived_on is not None:
        return None
    return document


def feed(session: Session, registry: PluginRegistry, slug: str | None = None,
         limit: int = 50) -> list[tuple[Partnership, Review]]:
    """The newest publications, of one partnership or of every enabled one."""
    entries: list[tuple[Partnership, Review]] = []
    rows = session.scalars(select(Partnership).where(Partnership.enabled.is_(True))).all()
    for row in rows:
        if row.slug not in registry.policies or (slug and row.slug != slug):
            continue
        with acting_for(session, row.id):
            for review in session.scalars(_public_reviews().order_by(Review.published_on.desc())
                                          .limit(limit)):
                entries.append((row, review))
    entries.sort(key=lambda e: (e[1].published_on, e[1].id), reverse=True)
    return entries[:limit]


@dataclass
class LibraryQuery:
    """What someone searches the learning library for."""

    text: str = ""
    theme: str = ""
    kind: str = ""
    year: int | None = None
    partnership: str = ""


KINDS = frozenset(kind.value for kind in ReviewKind)


def library(session: Session, registry: PluginRegistry, query: LibraryQuery,
            limit: int = 100) -> list[tuple[Partnership, Review]]:
    """Currently published reviews of every enabled partnership matching the query.

    PostgreSQL ranks with full-text search over title, summary and themes (an index
    serves it); SQLite, the embedded default, matches words with LIKE.
    """
    dialect = session.get_bind().dialect.name
    with public_view(session):  # published reviews only: no cross-partnership access
        # only the partnerships whose plugin is loaded (a deployment's other rows are not read)
        slugs = [query.partnership] if query.partnership else list(registry.policies)
        partnerships = {p.id: p for p in session.scalars(
            select(Partnership).where(Partnership.enabled.is_(True), Partnership.slug.in_(slugs)))
            if p.slug in registry.policies}
        if not partnerships:
            return []
        stmt: Select = _public_reviews().where(Review.partnership_id.in_(partnerships))
        if query.kind:
            if query.kind not in KINDS:  # the enum refuses it when the query is sent: a 500, not "none"
                return []
            stmt = stmt.where(Review.kind == query.kind)
        if query.year:
            stmt = stmt.where(func.extract("year", Review.published_on) == query.year)
        if query.theme:
            stmt = stmt.where(cast(Review.themes, String).contains(f'"{query.theme}"'))
        order = [Review.published_on.desc(), Review.id]
        if query.text.strip():
            conditions, rank = search.matches(dialect, query.text)
            stmt = stmt.where(*conditions)
            if rank is not None:
                order = [rank.desc(), *order]
        rows = session.scalars(stmt.order_by(*order).limit(limit)).all()
        return [(partnerships[r.partnership_id], r) for r in rows]


def themes_in_use(registry: PluginRegistry) -> list[str]:
    """Every theme any loaded partnership's vocabulary offers."""
    return sorted({t for p in registry for t in p.themes}, key=str.lower)
