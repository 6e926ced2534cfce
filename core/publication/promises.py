"""What a public page's words promise its lists hold, read back from the rendered page and checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from cspr.plugins import Policy

#: The kinds each promised list of reviews holds (None: any kind).
REVIEW_LISTS: dict[str, set[str] | None] = {
    "reviews": None,
    "serious-case-reviews": {"scr"},
    "thematic-reviews": {"thematic"},
}


@dataclass
class Rendered:
    """What a rendered public page lists, as its data-cspr-* marks say."""

    blocks: set[str] = field(default_factory=set)
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (kind, title)
    briefings: list[tuple[str, str]] = field(default_factory=list)  # (format, title)
    on_request: list[tuple[str, str]] = field(default_factory=list)  # (kind, title)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = Rendered()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marks = {k: v or "" for k, v in attrs if k.startswith("data-cspr-")}
        title = marks.get("data-cspr-title", "")
        if "data-cspr-block" in marks:
            self.found.blocks.add(marks["data-cspr-block"])
        if "data-cspr-review" in marks:
            self.found.reviews.append((marks["data-cspr-review"], title))
        if "data-cspr-briefing" in marks:
            self.found.briefings.append((marks["data-cspr-briefing"], title))
        if "data-cspr-request" in marks:
            self.found.on_request.append((marks["data-cspr-request"], title))


def read(html: str) -> Rendered:
    """The lists of a rendered public page."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


def _items(promise: dict[str, Any], page: Rendered) -> list[str]:
    lists = promise["lists"]
    if lists == "briefings":
        return [title for fmt, title in page.briefings if promise.get("format") in (None, fmt)]
    if lists == "on-request":
        return [title for _, title in page.on_request]
    kinds = REVIEW_LISTS[lists]
    return [title for kind, title in page.reviews if kinds is None or kind in kinds]


def broken(policy: Policy, html: str, on: dt.date | None = None) -> list[str]:
    """Each promise of the partnership's page blocks (those showing ``on``) its rendered page breaks.

    A block that should show but is not on the page breaks its promises too: its section is empty.
    """
    page = read(html)
    problems: list[str] = []
    for position in ("top", "legacy", "briefings", "bottom"):
        for block in policy.blocks(position, on):
            if block["key"] not in page.blocks:
                problems.append(
                    f"{policy.slug}: the block '{block['title']}' is not on the page"
                    + (" (its section lists nothing)" if position in ("legacy", "briefings") else "")
                )
                continue
            for promise in block.get("promises", []):
                items = _items(promise, page)
                what = promise["lists"] + (f" ({promise['format']})" if promise.get("format") else "")
                if not items:
                    problems.append(f"{policy.slug}: '{block['title']}' promises {what}; the page lists none")
                missing = [t for t in promise.get("titles", []) if t not in items]
                if missing:
                    problems.append(
                        f"{policy.slug}: '{block['title']}' names {', '.join(missing)} among "
                        f"{what}; the page does not list them"
                    )
    return problems
