"""``cspr plugin new``: a ready-to-install partnership plugin package, outside this repository."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")

PYPROJECT = Template('''[build-system]
requires = ["setuptools>=75"]
build-backend = "setuptools.build_meta"

[project]
name = "cspr-$slug"
version = "0.1.0"
description = "Local policy of the $title Safeguarding Children Partnership for the CSPR platform."
requires-python = ">=3.11"
dependencies = ["cspr-platform"]

[project.entry-points."cspr.partnerships"]
$slug = "$module"

[tool.setuptools]
packages = ["$module"]

[tool.pytest.ini_options]
cspr_plugin = "$slug"
testpaths = ["tests"]
''')

MODULE = Template('''"""Local policy of the $title Safeguarding Children Partnership, a CSPR platform plugin.

Every hook the platform offers is below. The two required ones are filled in with
placeholders: replace them with your partnership's facts. The others are commented
out; the statutory defaults for England apply until you implement one. Reference:
docs/plugins.md in the platform's repository.
"""

from __future__ import annotations

from typing import Any

from cspr import hookimpl


@hookimpl
def cspr_partnership() -> dict[str, Any]:
    """Who the partnership is (required)."""
    return {
        "slug": "$slug",  # your pages live under /$slug/
        "name": "$title Safeguarding Children Partnership",
        "short_name": "$short",
        # each local authority area, one item each: ["Kingston upon Thames", "Richmond upon Thames"]
        "areas": ["$title"],
        "contact": {"email": "safeguarding.partnership@$slug.example.org"},  # TODO: the real team address
        # "chair": {"name": "...", "title": "Independent Chair", "email": "..."},
        # "scrutineer": {"name": "...", "title": "Independent Scrutineer"},
    }


@hookimpl
def cspr_partners() -> dict[str, Any]:
    """The three safeguarding partners, and the relevant agencies (required)."""
    return {
        "safeguarding_partners": [
            # two councils? one local_authority entry each, both safeguarding partners
            {"key": "council", "name": "$title Council", "type": "local_authority"},
            {"key": "icb", "name": "NHS $title Integrated Care Board", "type": "health"},
            {"key": "police", "name": "$title Police", "type": "police"},
        ],
        "relevant_agencies": [
            {"key": "schools", "name": "$title schools", "type": "relevant_agency"},
        ],
    }


# The briefing formats your learning briefings use; the 7 minute briefing is offered anyway.
# @hookimpl
# def cspr_briefing_formats() -> list[dict[str, Any]]:
#     return [{"key": "learning-on-a-page", "name": "Learning on a Page", "sections": [
#         {"key": "lived-experience", "title": "The child's lived experience"},
#         {"key": "key-learning", "title": "Key learning"},
#         {"key": "into-practice", "title": "Learning into practice"}]}]

# What happens after the public period: "nspcc" (the default), "on_request" or "keep".
# A rule per kind of review may be added: "kinds": {"scr": {"then": "keep", "legacy": True}}.
# @hookimpl
# def cspr_archive_rule() -> dict[str, Any]:
#     return {"public_months": 12, "then": "on_request", "request_contact": "team@example.org"}

# Closure days (at most 10 working days a year): local targets skip them, statutory clocks never.
# @hookimpl
# def cspr_closure_days(year: int) -> list[Any]:
#     return []

# Stricter local rules and local targets (never a relaxed statutory deadline).
# @hookimpl
# def cspr_deadline_rules(statutory: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
#     statutory["rapid_review"]["anchor"] = "aware"
#     return statutory

# When reminders go out and to whom ("chair" goes to the chair's email, else the contact address).
# @hookimpl
# def cspr_reminder_schedule(kind: str) -> list[dict[str, Any]] | None:
#     return None

# Whom an admin may choose as a reminder's recipients in the staff app (Settings).
# @hookimpl
# def cspr_reminder_recipients() -> list[str] | None:
#     return ["admin", "partner", "chair", "@$slug.example.org"]

# Working days an agency has to answer an information request (1 to 60; default 5).
# @hookimpl
# def cspr_information_request_days() -> int | None:
#     return 10

# The month your reporting year begins in (default 4: April to March).
# @hookimpl
# def cspr_reporting_year_start() -> int | None:
#     return 4

# Kinds of review you hold beyond local CSPRs, learning and thematic reviews (always there).
# A kind may be a dict: its name, local-target clocks, publication (forms, co-publisher), frameworks.
# @hookimpl
# def cspr_review_kinds() -> list[str | dict[str, Any]]:
#     return ["scr", {"key": "joint_dhr",
#                     "publication": {"co_publisher": "$title Community Safety Partnership"}}]

# Local learning themes, added to the national ones.
# @hookimpl
# def cspr_themes() -> list[str]:
#     return []

# Blocks of text on your public reviews page.
# @hookimpl
# def cspr_public_page_blocks() -> list[dict[str, Any]]:
#     return []

# GOV.UK Notify instead of e-mail by SMTP (ops set CSPR_NOTIFY_API_KEY_$SLUG_ENV).
# @hookimpl
# def cspr_notification_channel() -> dict[str, Any]:
#     return {"channel": "notify", "template_id": "..."}

# Single sign-on with your council's Microsoft Entra ID (the secret lives in the variable named).
# @hookimpl
# def cspr_single_sign_on() -> dict[str, Any] | None:
#     return {"issuer": "https://login.microsoftonline.com/<tenant-id>/v2.0", "client_id": "<app id>",
#             "client_secret_env": "CSPR_SSO_SECRET_$SLUG_ENV", "email_claim": "preferred_username",
#             "allowed_domains": ["example.gov.uk"], "display_name": "council account"}

# How long records are kept (your rule for a kind replaces the long default; holds always win).
# @hookimpl
# def cspr_retention_rules() -> list[dict[str, Any]]:
#     return [{"kind": "outbox_messages", "keep_for_years": 3, "counted_from": "sent", "action": "delete"}]

# Your own Celery tasks.
# @hookimpl
# def cspr_register_tasks(celery: Any) -> None:
#     pass

# Published reviews to show in a demo (facts only, pseudonyms only). "published_on" is as precise
# as you know it ("2015" for a year); "publication_form": "nspcc" for one published anonymously.
# @hookimpl
# def cspr_demo_content() -> dict[str, Any]:
#     return {"reviews": [{"kind": "scr", "title": "Child K", "published_on": "2015", "legacy": True}],
#             "briefings": []}
''')

TESTS = Template('''"""The platform's conformance test run against this plugin; cspr-platform ships it."""

from cspr.testing import ConformanceTests


class TestConformance(ConformanceTests):
    """Identity, partners, briefings, archive rule, closure days, deadlines, public page, demo data."""


def test_the_plugin_is_installed(cspr_policy):
    assert cspr_policy.slug == "$slug"
''')

README = Template('''# cspr-$slug

The $title Safeguarding Children Partnership's local policy for the CSPR platform.

    pip install -e .        # into the platform's environment
    pytest                  # the platform's conformance test, against this plugin
    cspr plugins            # $slug should be listed as loaded
''')


class ScaffoldError(ValueError):
    """The plugin cannot be made: the message says why."""


#: Words a place name keeps in lower case ("Kingston and Richmond", "Kingston upon Thames").
SMALL_WORDS = {"and", "of", "on", "upon", "the", "in", "with", "under", "by"}
TITLE = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.'&()-]{1,99}$")


def title_of(slug: str) -> str:
    """'kingston-and-richmond' -> 'Kingston and Richmond' (small words stay lower case, never dropped)."""
    words = slug.replace("-", " ").split()
    return " ".join(w if i and w in SMALL_WORDS else w.capitalize() for i, w in enumerate(words))


def new_plugin(name: str, directory: Path, title: str | None = None) -> Path:
    """Write ``cspr-<name>/`` under ``directory``; return its path.

    ``title`` is the area's name as written ("Kingston and Richmond"); by default it is made from
    ``name``, small words such as "and" kept in lower case.
    """
    if not NAME.match(name):
        raise ScaffoldError("use 2 to 41 lower-case letters, digits and hyphens, starting with a letter")
    if title is not None and not TITLE.match(title.strip()):
        raise ScaffoldError("--name is the area's name in words, for example 'Kingston and Richmond' "
                            "(letters, digits, spaces and - , . ' & ( ); at most 100 characters)")
    target = directory / f"cspr-{name}"
    if target.exists():
        raise ScaffoldError(f"{target} exists already")
    title = " ".join((title or title_of(name)).split())
    words = [w for w in re.split(r"[\s-]+", title) if w and w.lower() not in SMALL_WORDS]
    values = {
        "slug": name, "module": f"cspr_{name.replace('-', '_')}",
        "title": title.replace("$", ""),
        "short": ("".join(w[0] for w in words if w[0].isalnum()) + "SCP").upper()[:8],
        "SLUG_ENV": name.upper().replace("-", "_"),
    }
    package = target / values["module"]
    (target / "tests").mkdir(parents=True)
    package.mkdir()
    (target / "pyproject.toml").write_text(PYPROJECT.substitute(values))
    (package / "__init__.py").write_text(MODULE.substitute(values))
    (target / "tests" / "test_conformance.py").write_text(TESTS.substitute(values))
    (target / "README.md").write_text(README.substitute(values))
    return target
