"""The partnerships on this deployment: their rows kept in step with the installed plugins."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry, Policy


def sync(session: Session, registry: PluginRegistry) -> list[Partnership]:
    """Create or update a partnership row for every loaded plugin; return them by slug."""
    rows = {p.slug: p for p in session.scalars(select(Partnership))}
    for policy in registry:
        row = rows.get(policy.slug)
        if row is None:
            row = Partnership(slug=policy.slug, name="", short_name="")
            session.add(row)
            rows[policy.slug] = row
        row.name = policy.identity["name"]
        row.short_name = policy.identity["short_name"]
    session.flush()
    return [rows[slug] for slug in sorted(rows)]


SLUG_TEXT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # every slug a plugin may declare (and more)


def get(session: Session, slug: str) -> Partnership | None:
    """A partnership by slug (None for text no slug can be, e.g. a NUL the database would refuse)."""
    if not slug or not SLUG_TEXT.fullmatch(slug):
        return None
    return session.scalar(select(Partnership).where(Partnership.slug == slug))


def active(session: Session, registry: PluginRegistry) -> list[tuple[Partnership, Policy]]:
    """Enabled partnerships whose plugin is loaded, with their policy, by name."""
    loaded = list(registry.policies)  # read only their rows: a deployment may hold many more
    rows = session.scalars(
        select(Partnership).where(Partnership.enabled.is_(True), Partnership.slug.in_(loaded))
        .order_by(Partnership.name)
    )
    return [(row, registry.policies[row.slug]) for row in rows if row.slug in registry.policies]
