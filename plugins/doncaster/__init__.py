"""Local policy of the Doncaster Safeguarding Children Partnership (DSCP)."""

from __future__ import annotations

from typing import Any

from cspr import hookimpl


@hookimpl
def cspr_partnership() -> dict[str, Any]:
    """Name the DSCP, its area, its team and its independent chair."""
    return {
        "slug": "doncaster",
        "name": "Doncaster Safeguarding Children Partnership",
        "short_name": "DSCP",
        "areas": ["Doncaster"],
        # The seed page gives no e-mail address or site address: this is a placeholder
        # under the council's domain, to be replaced by the team's published address.
        "contact": {"email": "safeguarding.partnership@doncaster.gov.uk"},
        "chair": {"name": "Dot Evans", "title": "Independent Chair"},
        # The local safeguarding children board the partnership replaced in 2019.
        "formerly": ["Doncaster Safeguarding Children Board"],
    }


@hookimpl
def cspr_partners() -> dict[str, Any]:
    """List Doncaster's three safeguarding partners and its main relevant agencies."""
    return {
        "safeguarding_partners": [
            {"key": "doncaster-council", "name": "City of Doncaster Council",
             "type": "local_authority"},
            {"key": "sy-icb", "name": "NHS South Yorkshire Integrated Care Board",
             "type": "health"},
            {"key": "sy-police", "name": "South Yorkshire Police", "type": "police"},
        ],
        "relevant_agencies": [
            {"key": "dbth", "type": "relevant_agency",
             "name": "Doncaster and Bassetlaw Teaching Hospitals NHS Foundation Trust"},
            {"key": "rdash", "type": "relevant_agency",
             "name": "Rotherham Doncaster and South Humber NHS Foundation Trust"},
            {"key": "probation", "type": "relevant_agency",
             "name": "Probation Service (Yorkshire and the Humber)"},
            {"key": "schools", "name": "Doncaster schools and academies",
             "type": "relevant_agency"},
            {"key": "early-years", "name": "Early years settings in Doncaster",
             "type": "relevant_agency"},
            {"key": "sy-fire", "name": "South Yorkshire Fire and Rescue",
             "type": "relevant_agency"},
        ],
    }


@hookimpl
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Offer the DSCP's 2 Minute Briefing (its preferred format)."""
    return [{
        "key": "two-minute",
        "name": "2 Minute Briefing",
        "description": "The learning of a review or theme on one side, read in two minutes.",
        # The DSCP does not publish the section names; these three are ours.
        "sections": [
            {"key": "what-happened", "title": "What happened",
             "prompt": "The case or the theme in a few lines, with nothing that identifies "
                       "the child."},
            {"key": "key-learning", "title": "Key learning",
             "prompt": "The few points every practitioner should take away."},
            {"key": "what-to-do", "title": "What to do",
             "prompt": "What to do differently from tomorrow, and where to find out more."},
        ],
    }]


@hookimpl
def cspr_archive_rule() -> dict[str, Any]:
    """Twelve months on the DSCP site, then archived to the NSPCC repository."""
    return {"public_months": 12, "then": "nspcc", "request_contact": None}


@hookimpl
def cspr_review_kinds() -> list[str]:
    """Add the legacy serious case reviews to the kinds every partnership holds."""
    return ["scr"]  # added to the kinds every partnership holds


@hookimpl
def cspr_themes() -> list[str]:
    """Add child sexual exploitation, which the page's external review is about."""
    return ["Child sexual exploitation"]


@hookimpl
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """Show the chair's statement on Child Cameron for its first year, and the learning resources."""
    return [
        {
            "key": "chair-statement-child-cameron",
            "title": "Statement from the independent chair on the review of Child Cameron",
            # Reported in our own words, not quoted: the chair's own statement is on the
            # DSCP page. It shows for the year the report stays on the page.
            "body": (
                "The partnership has published its local child safeguarding practice review "
                "about Cameron. Dot Evans, the independent chair, spoke for the whole "
                "partnership in offering heartfelt sympathy to Cameron's family and in "
                "expressing the partners' deep sadness at his death.\n\n"
                "The review made recommendations both to improve practice and to raise "
                "public awareness. The safeguarding partners have accepted every one of them "
                "and are putting them into effect.\n\n"
                "The partnership remains committed to keeping every child in Doncaster safe "
                "and well."
            ),
            "position": "top",
            "since": "2023-01-31",
            "until": "2024-01-31",
        },
        {
            # The opening words of the learning briefings' section. The archive rule itself is
            # said once, by the page's "After the public period" (not again here).
            "key": "learning-resources",
            "title": "Learning resources",
            "body": (
                "The partnership also shares learning from its earlier serious case reviews. "
                "Its 2 Minute Briefing on professional curiosity is listed below.\n\n"
                "The Resources section of the partnership's own website keeps the other "
                "learning materials from serious case reviews: the 2 Minute Briefings on the "
                "P and A, C and TS reviews, and the independent review of South Yorkshire "
                "Police's handling of child sexual exploitation from 1997 to 2016."
            ),
            "position": "briefings",
            "promises": [{"lists": "briefings", "format": "two-minute",
                          "titles": ["Professional Curiosity"]}],
        },
    ]


@hookimpl
def cspr_demo_content() -> dict[str, Any]:
    """Give the DSCP's published LCSPR and its 2 Minute Briefings as demo data."""
    return {
        "reviews": [
            {
                "kind": "local_cspr",
                "title": "Child Cameron",
                "pseudonym": "Cameron",
                # Published in January 2023; the page gives the month only, so the month is
                # what is recorded (its 12 months on the page count from the month's end).
                "published_on": "2023-01",
                "publication_form": "full",
                "summary": (
                    "A local child safeguarding practice review following the death of a "
                    "child known as Cameron. Its recommendations cover both practice "
                    "improvement and public awareness; the partners accepted them all."
                ),
                # The page does not say what the review found, so no theme is claimed.
                "themes": [],
            },
        ],
        # The page lists these as learning materials from serious case reviews. Only the
        # professional curiosity briefing is a general theme, so only it carries learning
        # points; the others hold what is known of them, their title and their source.
        # "C Review" is one of those serious case reviews, so it is not tied to the LCSPR
        # about Child Cameron.
        "briefings": [
            {
                "format": "two-minute",
                "title": "Professional Curiosity",
                "sections": {
                    "what-happened": (
                        "A theme briefing rather than the story of one case. Serious case "
                        "reviews, locally and nationally, keep finding that practitioners "
                        "took what they were told at face value when the wider picture "
                        "should have prompted questions."
                    ),
                    "key-learning": (
                        "Being professionally curious means looking, asking and checking "
                        "instead of assuming: who lives in or visits the home, whether an "
                        "explanation fits what you can see, and what daily life is like for "
                        "the child. Hold concerns over time; one good visit does not cancel "
                        "a pattern."
                    ),
                    "what-to-do": (
                        "Ask open questions and check the answers with other agencies. "
                        "Record what you saw apart from what you were told. Take your "
                        "doubts to supervision, and use the escalation procedure when you "
                        "disagree with another agency's view."
                    ),
                },
            },
            {
                "format": "two-minute",
                "title": "P and A Review",
                "sections": {
                    "what-happened": (
                        "The learning from the serious case review known as the P and A "
                        "Review, kept among the partnership's learning resources."
                    ),
                },
            },
            {
                "format": "two-minute",
                "title": "C Review",
                "sections": {
                    "what-happened": (
                        "The learning from the serious case review known as the C Review, "
                        "kept among the partnership's learning resources."
                    ),
                },
            },
            {
                "format": "two-minute",
                "title": "TS Review",
                "sections": {
                    "what-happened": (
                        "The learning from the serious case review known as the TS Review, "
                        "kept among the partnership's learning resources."
                    ),
                },
            },
        ],
    }
