"""Learning briefings: a partnership's format filled with its sections, as HTML, PDF and Word."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import render_template
from markupsafe import Markup

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) " of " counter(pages); } }
body { font-family: Arial, sans-serif; font-size: 11pt; line-height: 1.4; color: #0b0c0c; }
.govuk-caption-m { color: #505a5f; font-size: 12pt; display: block; }
h2 { font-size: 22pt; margin: 4pt 0 12pt; }
h3 { font-size: 14pt; margin: 14pt 0 4pt; border-top: 2pt solid #1d70b8; padding-top: 6pt; }
section { break-inside: avoid; }
.govuk-hint { color: #505a5f; }
"""


class BriefingError(ValueError):
    """The sections do not fit the format."""


def paragraphs(text: str) -> list[list[str]]:
    r"""A section's text as paragraphs of lines: the one reading HTML, PDF and Word all lay out.

    A blank line (however written: ``\n\n``, ``\r\n\r\n``, spaces between) starts a paragraph; a
    single line break stays a line break within it, in all three formats.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    return [[line.strip() for line in block.strip().split("\n")] for block in blocks if block.strip()]


def complete(fmt: dict[str, Any] | None, sections: dict[str, str] | None) -> bool:
    """Whether every section of the format is written: until then the briefing is a draft, never public."""
    if fmt is None:
        return False
    return all(paragraphs((sections or {}).get(section["key"], "")) for section in fmt["sections"])


def download_name(slug: str, title: str, fmt: dict[str, Any], extension: str) -> str:
    """A file name that says what it is: 'york-child-a-2-minute-briefing.pdf', never 'briefing-1.pdf'."""
    def slugged(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return f"{slugged(slug)}-{slugged(title)[:60].strip('-')}-{slugged(fmt['name'])}.{extension}"


def check_sections(fmt: dict[str, Any], sections: dict[str, str]) -> None:
    """Every section given belongs to the format."""
    keys = {s["key"] for s in fmt["sections"]}
    unknown = sorted(set(sections) - keys)
    if unknown:
        raise BriefingError(f"sections {unknown} are not in the format {fmt['key']!r}")


def render_html(fmt: dict[str, Any], title: str, sections: dict[str, str], partnership: str) -> str:
    """The briefing as an accessible HTML fragment, laid out in the format's order."""
    check_sections(fmt, sections)
    return Markup(render_template("briefing.html", fmt=fmt, title=title, sections=sections,
                                  partnership=partnership, paragraphs=paragraphs))


def render_pdf(fmt: dict[str, Any], title: str, sections: dict[str, str], partnership: str) -> bytes:
    """The briefing as a tagged A4 PDF (WeasyPrint), laid out as the HTML."""
    from weasyprint import CSS, HTML

    body = render_html(fmt, title, sections, partnership)
    page = f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_escape(title)}</title>" \
           f"</head><body>{body}</body></html>"
    return HTML(string=page).write_pdf(stylesheets=[CSS(string=PRINT_CSS)], pdf_variant="pdf/ua-1")


def render_docx(fmt: dict[str, Any], title: str, sections: dict[str, str], partnership: str) -> bytes:
    """The briefing as a Word document: real headings, one per section, in the format's order."""
    from docx import Document

    check_sections(fmt, sections)
    document = Document()
    document.core_properties.title = title
    document.core_properties.subject = f"{partnership}: {fmt['name']}"
    document.add_paragraph(f"{partnership}: {fmt['name']}")
    document.add_heading(title, level=1)
    for number, section in enumerate(fmt["sections"], start=1):
        document.add_heading(f"{number}. {section['title']}", level=2)
        blocks = paragraphs(sections.get(section["key"], "")) or [["Not written yet."]]
        for lines in blocks:
            paragraph = document.add_paragraph()
            for number_of_line, line in enumerate(lines):
                run = paragraph.add_run(line)
                if number_of_line < len(lines) - 1:
                    run.add_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
