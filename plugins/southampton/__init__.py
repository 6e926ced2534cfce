"""Local policy of the Southampton Children and Adults Safeguarding Partnership (SCASP)."""

from __future__ import annotations

from typing import Any

from cspr import hookimpl

#: The partnership team's published address, for requests and for archived reports.
TEAM_EMAIL = "safeguarding.partnershipsteam@southampton.gov.uk"

CHILDREN_LOOKED_AFTER = "Children looked after"
#: The 2023 thematic review's briefing, which the page keeps listed.
PROFESSIONALS_BRIEFING = "Child Sexual Abuse & Children Looked After: professionals briefing"


@hookimpl
def cspr_partnership() -> dict[str, Any]:
    """Name the partnership, its area and its team."""
    # The Southampton Safeguarding Children Partnership (SSCP) became the Southampton
    # Children and Adults Safeguarding Partnership (SCASP) in December 2024. Its review
    # pages still say SSCP, but the platform shows the current name, so SCASP is the name
    # and SSCP goes in "formerly"; a page block explains the change to readers who know
    # the reviews by the old name.
    return {
        "slug": "southampton",
        "name": "Southampton Children and Adults Safeguarding Partnership",
        "short_name": "SCASP",
        "areas": ["Southampton"],
        "contact": {"email": TEAM_EMAIL},
        "formerly": ["Southampton Safeguarding Children Partnership"],
    }


@hookimpl
def cspr_partners() -> dict[str, Any]:
    """List Southampton's three safeguarding partners and its main relevant agencies."""
    return {
        "safeguarding_partners": [
            {"key": "southampton-council", "name": "Southampton City Council",
             "type": "local_authority"},
            {"key": "hiow-icb", "name": "NHS Hampshire and Isle of Wight Integrated Care Board",
             "type": "health"},
            {"key": "hiow-police", "name": "Hampshire and Isle of Wight Constabulary",
             "type": "police"},
        ],
        "relevant_agencies": [
            {"key": "uhs", "type": "relevant_agency",
             "name": "University Hospital Southampton NHS Foundation Trust"},
            {"key": "hiow-healthcare", "type": "relevant_agency",
             "name": "Hampshire and Isle of Wight Healthcare NHS Foundation Trust"},
            {"key": "probation", "name": "Probation Service (South Central)",
             "type": "relevant_agency"},
            {"key": "schools", "name": "Southampton schools and academies",
             "type": "relevant_agency"},
            {"key": "early-years", "name": "Early years settings in Southampton",
             "type": "relevant_agency"},
            {"key": "hiow-fire", "name": "Hampshire and Isle of Wight Fire and Rescue Service",
             "type": "relevant_agency"},
        ],
    }


@hookimpl
def cspr_briefing_formats() -> list[dict[str, Any]]:
    """Offer the partnership's 6-step briefing (its preferred format)."""
    return [{
        "key": "six-step",
        "name": "6-step briefing",
        "description": "Published with every review: its key learning for professionals in "
                       "six short steps.",
        # The partnership does not publish the step names; these six are ours.
        "sections": [
            {"key": "case-in-brief", "title": "The case in brief",
             "prompt": "Who the review is about and what happened, without identifying "
                       "anyone."},
            {"key": "what-we-found", "title": "What we found",
             "prompt": "The review's main findings about practice."},
            {"key": "why-it-matters", "title": "Why it matters",
             "prompt": "Why the findings matter for children in Southampton."},
            {"key": "what-good-looks-like", "title": "What good looks like",
             "prompt": "The practice the partnership expects to see."},
            {"key": "what-to-do-now", "title": "What to do now",
             "prompt": "The changes each practitioner and manager should make."},
            {"key": "reflect-and-find-out-more", "title": "Reflect and find out more",
             "prompt": "Questions for supervision or team meetings, and further reading."},
        ],
    }]


@hookimpl
def cspr_archive_rule() -> dict[str, Any]:
    """One year on the page from publication, then available on request from the team.

    The page says every review is published for one year, so the rule takes its older serious
    case review off the page too (``legacy``).
    """
    return {"public_months": 12, "then": "on_request", "request_contact": TEAM_EMAIL,
            "legacy": True}


@hookimpl
def cspr_review_kinds() -> list[Any]:
    """Add serious case reviews (a 2021 one) and, as a children-and-adults partnership, joint SARs.

    Since December 2024 the partnership covers adults too (SCASP), so it runs safeguarding adults
    reviews itself (Care Act 2014 s44): a review of a case that is both a child's and an adult's is
    one joint review. The Care Act sets no time limit for a SAR, so its clock is a local target.
    """
    return [
        "scr",
        {
            "key": "joint_sar",
            "name": "Joint child safeguarding practice review and safeguarding adults review",
            "clocks": [{
                "key": "sar_report_agreed",
                "label": "Agree the joint review's final report (local target)",
                "anchor": "decision", "period": 6, "unit": "months", "met_by": "final_report_agreed",
                "source": "Local target of the partnership (the Care Act 2014 sets no time limit)",
            }],
            "publication": {"publisher": "Southampton Children and Adults Safeguarding Partnership"},
        },
    ]


@hookimpl
def cspr_themes() -> list[str]:
    """Add children looked after, the subject of the 2023 thematic review."""
    return [CHILDREN_LOOKED_AFTER]


@hookimpl
def cspr_public_page_blocks() -> list[dict[str, Any]]:
    """Explain the change of name and the 6-step briefings that outlast their reports."""
    return [
        {
            "key": "new-name",
            "title": "Our name",
            "body": (
                "In December 2024 the Southampton Safeguarding Children Partnership (SSCP) "
                "became the Southampton Children and Adults Safeguarding Partnership "
                "(SCASP), covering both children and adults. Reviews published before then "
                "carry the old name."
            ),
            "position": "top",
            "since": "2024-12-01",
        },
        {
            # The opening words of the learning briefings' section. How long a report stays and
            # how to ask for an older one is said once, by "After the public period".
            "key": "six-step-briefings",
            "title": "6-step briefings",
            "body": (
                "The partnership publishes a 6-step briefing with its reviews: the key "
                "learning for professionals, in six short steps. A briefing stays readable "
                "here after its review's report has been taken off this page."
            ),
            "position": "briefings",
            "promises": [{"lists": "briefings", "format": "six-step",
                          "titles": [PROFESSIONALS_BRIEFING]}],
        },
    ]


@hookimpl
def cspr_demo_content() -> dict[str, Any]:
    """Give the reviews the partnership lists for 2021 to 2023 as demo data."""
    # The page groups reviews by year only, so the year is all that is recorded (no day or month
    # is made up; the 12 months on the page count from the year's end). It does not say what the
    # single-child reviews found, so they claim no theme.
    return {
        "reviews": [
            {
                "kind": "local_cspr", "title": "Willow", "pseudonym": "Willow",
                "published_on": "2023",
                "summary": "A local child safeguarding practice review, published with a "
                           "6-step briefing for professionals.",
            },
            {
                "kind": "local_cspr", "title": "Uma", "pseudonym": "Uma",
                "published_on": "2023",
                "summary": "A local child safeguarding practice review, published with a "
                           "6-step briefing for professionals.",
            },
            {
                "kind": "local_cspr", "title": "Stephen", "pseudonym": "Stephen",
                "published_on": "2023",
                "summary": "A local child safeguarding practice review, published with a "
                           "6-step briefing for professionals.",
            },
            {
                "kind": "thematic",
                "title": "Child Sexual Abuse & Children Looked After",
                "published_on": "2023",
                "publication_note": "Published as a professionals briefing.",
                "summary": (
                    "A thematic review of several cases in which children in care, or young "
                    "people who had been in care, were sexually abused."
                ),
                "themes": ["Child sexual abuse", CHILDREN_LOOKED_AFTER],
            },
            {
                "kind": "local_cspr", "title": "TED", "pseudonym": "TED",
                "published_on": "2022",
                "summary": "A local child safeguarding practice review, published with a "
                           "6-step briefing for professionals.",
            },
            {
                # Titled a thematic SCR: it was held as a serious case review under the
                # arrangements before 2019 and looks across cases, so it is recorded as a
                # legacy SCR and tagged with its theme.
                "kind": "scr",
                "title": "Non-Accidental Injury - Thematic SCR",
                "published_on": "2021",
                "summary": (
                    "A thematic serious case review looking across several cases of "
                    "non-accidental injury to children."
                ),
                "themes": ["Non-accidental injury"],
                "legacy": True,
            },
        ],
        "briefings": [
            {
                "format": "six-step",
                "title": PROFESSIONALS_BRIEFING,
                "review": "Child Sexual Abuse & Children Looked After",
                "published_on": "2023-09-28",
                "sections": {
                    "case-in-brief": (
                        "A thematic review that looked across cases of sexual abuse of "
                        "children in care and care-experienced young people, rather than at "
                        "one child's story."
                    ),
                    "why-it-matters": (
                        "Many children come into care having already been harmed, and "
                        "children in care are more exposed to sexual abuse and exploitation "
                        "than their peers. The council and its partners are their corporate "
                        "parents: noticing and acting on signs of abuse falls to every "
                        "agency around the child."
                    ),
                    # The page names the review and its subject but not its findings: these
                    # steps say what it looked at and the practice every agency is asked for,
                    # and send readers to the report for the findings themselves.
                    "what-we-found": (
                        "The review explored how agencies recognised and responded to sexual "
                        "abuse of care-experienced children. Its detailed findings are in the "
                        "report."
                    ),
                    "what-good-looks-like": (
                        "Practitioners notice changes in a child's behaviour and treat them "
                        "as communication, know who the child spends time with in person and "
                        "online, and share any concern with the child's social worker straight "
                        "away."
                    ),
                    "what-to-do-now": (
                        "Talk with the children you work with about safe relationships, record "
                        "what you see and hear, and follow the local child protection "
                        "procedures when you are worried."
                    ),
                    "reflect-and-find-out-more": (
                        "Discuss in supervision how you would recognise the signs of sexual "
                        "abuse in a child in care. This briefing stays on the partnership's "
                        "page; after its year there, the review's report is available on "
                        f"request from the partnership team at {TEAM_EMAIL}."
                    ),
                },
            },
            {
                "format": "six-step",
                "title": "Non-Accidental Injury: 6-step briefing",
                "review": "Non-Accidental Injury - Thematic SCR",
                "published_on": "2021-05-27",
                "sections": {
                    "case-in-brief": (
                        "A thematic serious case review that looked at non-accidental "
                        "injuries to children across several cases."
                    ),
                    "why-it-matters": (
                        "Babies and children who cannot yet move about on their own are the "
                        "most vulnerable to serious injury, and a bruise or mark on a child "
                        "who is not yet mobile is rarely accidental."
                    ),
                    "what-we-found": (
                        "The review looked across several cases of non-accidental injury to "
                        "children. Its detailed findings are in the report."
                    ),
                    "what-good-looks-like": (
                        "Every practitioner who sees a baby or a child who is not yet mobile "
                        "looks for bruises and marks, asks how they happened, and treats an "
                        "injury as a safeguarding concern until it is explained."
                    ),
                    "what-to-do-now": (
                        "Follow the local procedure for bruising and injuries in children "
                        "who are not independently mobile, and share any concern with "
                        "children's social care without delay."
                    ),
                    "reflect-and-find-out-more": (
                        "Discuss in supervision what you would do if you saw a mark on a "
                        "baby. After its year on the partnership's page, the review's report "
                        f"is available on request from the partnership team at {TEAM_EMAIL}."
                    ),
                },
            },
        ],
    }
