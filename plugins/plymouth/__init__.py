"""Local policy of the Plymouth Safeguarding Children Partnership (PSCP)."""

from __future__ import annotations

from typing import Any

from cspr import hookimpl

SCR_SUMMARY = (
    "A serious case review: the kind of review held before the arrangements introduced in 2018 "
    "replaced serious case reviews with child safeguarding practice reviews. The partnership "
    "keeps it on its page for the learning it still holds."
)


@hookimpl
def cspr_partnership() -> dict[str, Any]:
    """Name the PSCP, its area and its team."""
    return {
        "slug": "plymouth",
        "name": "Plymouth Safeguarding Children Partnership",
        "short_name": "PSCP",
        "areas": ["Plymouth"],
        # The seed page gives no e-mail address or site address: this is a placeholder
        # under the council's domain, to be replaced by the team's published address.
        "contact": {"email": "safeguarding.partnership@plymouth.gov.uk"},
        # The local safeguarding children board the partnership replaced in 2019.
        "formerly": ["Plymouth Safeguarding Children Board"],
    }


@hookimpl
def cspr_partners() -> dict[str, Any]:
    """List Plymouth's three safeguarding partners and its main relevant agencies."""
    return {
        "safeguarding_partners": [
            {"key": "plymouth-council", "name": "Plymouth City Council",
             "type": "local_authority"},
            {"key": "devon-icb", "name": "NHS Devon Integrated Care Board", "type": "health"},
            {"key": "dc-police", "name": "Devon and Cornwall Police", "type": "police"},
        ],
        "relevant_agencies": [
            {"key": "uhp", "name": "University Hospitals Plymouth NHS Trust",
             "type": "relevant_agency"},
            {"key": "livewell", "name": "Livewell Southwest", "type": "relevant_agency"},
            {"key": "probation", "name": "Probation Service (South West)",
             "type": "relevant_agency"},
            {"key": "schools", "name": "Plymouth schools and academies",
             "type": "relevant_agency"},
            {"key": "early-years", "name": "Early years settings in Plymouth",
             "type": "relevant_agency"},
            {"key": "ds-fire", "name": "Devon and Somerset Fire and Rescue Service",
             "type": "relevant_agency"},
        ],
    }


@hookimpl
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Offer the PSCP's Learning on a Page (its preferred format)."""
    return [{
        "key": "learning-on-a-page",
        "name": "Learning on a Page",
        "description": "One page beside each CSPR report: the child's lived experience, the "
                       "key learning and how to put it into practice.",
        "sections": [
            {"key": "lived-experience", "title": "The child's lived experience",
             "prompt": "What daily life was like for the child, in their own words where "
                       "possible."},
            {"key": "key-learning", "title": "Key learning",
             "prompt": "What the review found that practitioners need to know."},
            {"key": "learning-into-practice", "title": "Learning into practice",
             "prompt": "What practitioners and managers will do differently."},
        ],
    }]


@hookimpl
def cspr_archive_rule() -> dict[str, Any]:
    """A CSPR: at least a year on the PSCP page, then the NSPCC repository. Its SCRs stay listed."""
    return {
        "public_months": 12, "then": "nspcc", "request_contact": None,
        # the page still lists the serious case reviews from before the 2018 reforms
        "kinds": {"scr": {"then": "keep", "legacy": True}},
    }


@hookimpl
def cspr_review_kinds() -> list[str]:
    """Add the legacy serious case reviews to the kinds every partnership holds."""
    return ["scr"]  # added to the kinds every partnership holds


SCR_TITLES = ["Child WR", "Child A & B", "Harry", "Baby F", "Child G"]


@hookimpl
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """Explain the Learning on a Page documents and the legacy serious case reviews."""
    return [
        {
            "key": "learning-on-a-page",
            "title": "Learning on a Page",
            "body": (
                "A practice review report is long. So that busy practitioners can take in "
                "its learning quickly, each review also has a Learning on a Page.\n\n"
                "It sets out, on a single page, what life was like for the child, what the "
                "review learned, and what that learning means for everyday practice in "
                "Plymouth. It stays on this page after the report has moved to the NSPCC "
                "National Case Review Repository."
            ),
            "position": "top",
            "promises": [{"lists": "briefings", "format": "learning-on-a-page"}],
        },
        {
            # The opening words of the page's serious case reviews section.
            "key": "serious-case-reviews",
            "title": "Serious case reviews",
            "body": (
                "Before the 2018 reforms, cases where a child died or was seriously harmed "
                "and abuse or neglect was known or suspected were looked at through serious "
                "case reviews. Child safeguarding practice reviews have taken their place.\n\n"
                "The partnership keeps some of its serious case reviews listed here. Copies "
                "of published reports are also held in the NSPCC National Case Review "
                "Repository."
            ),
            "position": "legacy",
            "promises": [{"lists": "serious-case-reviews", "titles": SCR_TITLES}],
        },
    ]


def _scr(title: str, published_on: str = "not given") -> dict[str, Any]:
    """A legacy serious case review as listed on the PSCP page."""
    return {
        "kind": "scr",
        "title": title,
        "pseudonym": title,
        "published_on": published_on,
        "summary": SCR_SUMMARY,
        "legacy": True,
    }


@hookimpl
def cspr_demo_content() -> dict[str, Any]:
    """Give the PSCP's CSPR, its Learning on a Page and the legacy SCRs as demo data."""
    return {
        "reviews": [
            {
                "kind": "local_cspr",
                "title": "Young Person A",
                "pseudonym": "Young Person A",
                # Illustrative: the page does not give a publication date.
                "published_on": "2024-06-27",
                "summary": (
                    "A local child safeguarding practice review about a young person, "
                    "published with a Learning on a Page."
                ),
                # The page does not say what the review found, so no theme is claimed.
                "themes": [],
            },
            # In the order the page lists them. The page gives no date for any of them, not
            # even a year: only that they are serious case reviews, which the arrangements
            # introduced in 2018 replaced (some were still published in 2019 and after, so
            # even "before 2019" would be a guess). Their dates are recorded as not given.
            *(_scr(title) for title in SCR_TITLES),
        ],
        "briefings": [
            {
                "format": "learning-on-a-page",
                "title": "Young Person A: Learning on a Page",
                "review": "Young Person A",
                "published_on": "2024-06-27",
                # The page links to the document without giving its content, so this demo
                # entry says what each section holds rather than inventing findings.
                "sections": {
                    "lived-experience": (
                        "What life was like for Young Person A, drawn from the full review "
                        "report."
                    ),
                    "key-learning": "The main learning the review found for agencies in "
                                    "Plymouth.",
                    "learning-into-practice": (
                        "How practitioners and managers should put that learning to work."
                    ),
                },
            },
        ],
    }
