"""Local policy of the City of York Safeguarding Children Partnership (CYSCP)."""

from __future__ import annotations

from typing import Any

from cspr import hookimpl

LEGACY_SCR = "A serious case review held by the former City of York Safeguarding Children Board."


@hookimpl
def cspr_partnership() -> dict[str, Any]:
    """Name the CYSCP, its area and its team."""
    return {
        "slug": "york",
        "name": "City of York Safeguarding Children Partnership",
        "short_name": "CYSCP",
        "areas": ["York"],
        # The seed page gives no e-mail address or site address: this is a placeholder
        # under the council's domain, to be replaced by the team's published address.
        "contact": {"email": "safeguarding.partnership@york.gov.uk"},
        # The local safeguarding children board (CYSCB) named on the page's older reviews.
        "formerly": ["City of York Safeguarding Children Board"],
    }


@hookimpl
def cspr_partners() -> dict[str, Any]:
    """List York's three safeguarding partners and its main relevant agencies."""
    return {
        "safeguarding_partners": [
            {"key": "york-council", "name": "City of York Council", "type": "local_authority"},
            {"key": "hny-icb", "name": "NHS Humber and North Yorkshire Integrated Care Board",
             "type": "health"},
            {"key": "ny-police", "name": "North Yorkshire Police", "type": "police"},
        ],
        "relevant_agencies": [
            {"key": "york-hospitals", "type": "relevant_agency",
             "name": "York and Scarborough Teaching Hospitals NHS Foundation Trust"},
            {"key": "tewv", "type": "relevant_agency",
             "name": "Tees, Esk and Wear Valleys NHS Foundation Trust"},
            {"key": "probation", "name": "Probation Service (Yorkshire and the Humber)",
             "type": "relevant_agency"},
            {"key": "schools", "name": "York schools and academies", "type": "relevant_agency"},
            {"key": "early-years", "name": "Early years settings in York",
             "type": "relevant_agency"},
            {"key": "ny-fire", "name": "North Yorkshire Fire and Rescue Service",
             "type": "relevant_agency"},
        ],
    }


@hookimpl
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Offer York's 7 point briefing (preferred) and the summary with lessons."""
    return [
        {
            "key": "seven-point",
            "name": "7 point briefing",
            "description": "The learning of a review in seven points, for team meetings and "
                           "supervision.",
            # York does not publish the points' names; these seven are ours.
            "sections": [
                {"key": "background", "title": "Background",
                 "prompt": "The case in brief, with nothing that identifies the child."},
                {"key": "why-it-matters", "title": "Why it matters",
                 "prompt": "Why the learning matters for children in York."},
                {"key": "learning-1", "title": "What we learned (1)", "prompt": ""},
                {"key": "learning-2", "title": "What we learned (2)", "prompt": ""},
                {"key": "learning-3", "title": "What we learned (3)", "prompt": ""},
                {"key": "what-to-do", "title": "What to do",
                 "prompt": "What practitioners and managers should do differently."},
                {"key": "reflect", "title": "Questions to reflect on",
                 "prompt": "Questions for supervision or a team meeting."},
            ],
        },
        {
            "key": "summary-with-lessons",
            "name": "Summary with lessons",
            "description": "A brief summary of the case and its lessons, published instead of "
                           "the report when legal reasons restrict publication.",
            "sections": [
                {"key": "summary", "title": "Summary of the case",
                 "prompt": "A brief account that identifies no one and respects any legal "
                           "restriction."},
                {"key": "lessons", "title": "Lessons",
                 "prompt": "The lessons for agencies and practitioners."},
            ],
        },
    ]


@hookimpl
def cspr_archive_rule() -> dict[str, Any]:
    """At least twelve months on the page, and older reports stay listed there."""
    return {"public_months": 12, "then": "keep", "request_contact": None}


@hookimpl
def cspr_review_kinds() -> list[str]:
    """Add the legacy serious case reviews to the kinds every partnership holds."""
    return ["scr"]  # added to the kinds every partnership holds


@hookimpl
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """Explain the summaries and redactions, and why older reports are still listed."""
    return [
        {
            "key": "legal-restrictions",
            "title": "Summaries and redacted reports",
            "body": (
                "Sometimes legal reasons, such as court proceedings, prevent the partnership "
                "from publishing a full report.\n\n"
                "When that happens we publish what the law allows: either a short summary "
                "of the case with the lessons learned, or an executive summary with some "
                "parts removed. Each such review is marked on this page."
            ),
            "position": "top",
            "promises": [{"lists": "serious-case-reviews", "titles": ["Child B", "Baby A"]}],
        },
        {
            "key": "older-reviews",
            "title": "Older reviews",
            "body": (
                "Reviews carried out by the former City of York Safeguarding Children Board "
                "remain listed here because their lessons still apply. Reviews from other "
                "areas can be found in the NSPCC National Case Review Repository."
            ),
            "position": "bottom",
            "promises": [
                {"lists": "serious-case-reviews", "titles": ["Child A, B and C", "Child B", "Baby A"]},
                {"lists": "thematic-reviews",
                 "titles": ["Thematic review of child neglect", "Messages from reviews"]},
            ],
        },
    ]


@hookimpl
def cspr_demo_content() -> dict[str, Any]:
    """Give the reviews York lists, from 2011 to 2014, as demo data."""
    return {
        "reviews": [
            {
                "kind": "scr", "title": "Child A, B and C", "pseudonym": "Child A, B and C",
                "published_on": "2011-01-31", "summary": LEGACY_SCR, "legacy": True,
            },
            {
                "kind": "scr", "title": "Child B", "pseudonym": "Child B",
                "published_on": "2013-10-10", "legacy": True,
                "publication_form": "summary",
                "publication_note": "Legal reasons allow only a short summary of the case "
                                    "and its lessons to be published.",
                "summary": LEGACY_SCR,
            },
            {
                "kind": "scr", "title": "Baby A", "pseudonym": "Baby A",
                "published_on": "2013-10-11", "legacy": True,
                "publication_form": "redacted",
                "publication_note": "Parts of the executive summary are removed for legal "
                                    "reasons.",
                "summary": LEGACY_SCR,
            },
            {
                "kind": "thematic", "title": "Thematic review of child neglect",
                "published_on": "2013-01-24", "legacy": True,
                "summary": "A study, over two years, of how professionals in York responded "
                           "to the neglect of children.",
                "themes": ["Neglect"],
            },
            {
                "kind": "thematic", "title": "Messages from reviews",
                # The page gives the year only, so the year is all that is recorded.
                "published_on": "2014", "legacy": True,
                "summary": "Draws together the learning of every case review the former "
                           "board carried out from 2007 to 2014.",
            },
        ],
        "briefings": [
            {
                "format": "summary-with-lessons",
                "title": "Child B: summary and lessons",
                "review": "Child B",
                "published_on": "2013-10-10",
                # The page links to the summary without giving its text; the demo entry
                # says what it is rather than inventing the case or its lessons.
                "sections": {
                    "summary": (
                        "The brief account of the case that the law allowed to be published "
                        "in place of the full serious case review report."
                    ),
                },
            },
        ],
    }
