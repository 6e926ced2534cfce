"""Demo data: each partnership's published reviews and briefings, from its plugin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr import audit, partnerships
from cspr.models import Briefing, PublicationForm, Recommendation, Review, ReviewKind
from cspr.plugins import PluginRegistry
from cspr.tenancy import acting_for


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
        content = registry.policy(row.slug).demo_content()
        count = DemoCount(row.slug)
        with acting_for(session, row.id):
            existing = {r.title: r for r in session.scalars(select(Review))}
            for item in content["reviews"]:
                if item["title"] in existing:
                    continue
                review = Review(
                    kind=ReviewKind(item["kind"]), title=item["title"],
                    pseudonym=item["pseudonym"], legacy=item["legacy"],
                    stage="published", published_on=item["published_on"],
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
