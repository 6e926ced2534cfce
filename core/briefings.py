"""Learning briefings: a partnership's format filled with its sections, rendered for reading."""

from __future__ import annotations

from typing import Any

from flask import render_template


class BriefingError(ValueError):
    """The sections do not fit the format."""


def check_sections(fmt: dict[str, Any], sections: dict[str, str]) -> None:
    """Every section given belongs to the format."""
    keys = {s["key"] for s in fmt["sections"]}
    unknown = sorted(set(sections) - keys)
    if unknown:
        raise BriefingError(f"sections {unknown} are not in the format {fmt['key']!r}")


def render_html(fmt: dict[str, Any], title: str, sections: dict[str, str], partnership: str) -> str:
    """The briefing as an accessible HTML fragment, laid out in the format's order."""
    check_sections(fmt, sections)
    return render_template("briefing.html", fmt=fmt, title=title, sections=sections,
                           partnership=partnership)
