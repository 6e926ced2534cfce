"""Learning briefings in each partnership's own format: HTML, PDF and Word, laid out by the format."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader

from cspr import create_app
from cspr.publication.briefings import BriefingError, render_docx, render_html, render_pdf


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("b"))})


@pytest.mark.parametrize("slug", ["doncaster", "plymouth", "southampton", "york"])
def test_each_partnerships_format_renders_in_its_order(app, registry, slug):
    policy = registry.policy(slug)
    fmt = policy.briefing_formats[0]
    sections = {s["key"]: f"What {s['title'].lower()} says.\n\nA second paragraph." for s in fmt["sections"]}
    with app.test_request_context():
        html = str(render_html(fmt, "Learning from Child Z", sections, policy.name)).replace("&#39;", "'")
        pdf_bytes = render_pdf(fmt, "Learning from Child Z", sections, policy.name)
        docx_bytes = render_docx(fmt, "Learning from Child Z", sections, policy.name)
    titles = [s["title"] for s in fmt["sections"]]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)  # the format's order
    assert pdf_bytes[:5] == b"%PDF-"
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages).split())
    assert "Learning from Child Z" in pdf_text and all(t in pdf_text for t in titles)
    document = Document(io.BytesIO(docx_bytes))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Learning from Child Z"] + [f"{n}. {t}" for n, t in enumerate(titles, start=1)]
    assert document.core_properties.title == "Learning from Child Z"


def test_plymouths_learning_on_a_page_has_its_three_parts(app, registry):
    fmt = registry.policy("plymouth").briefing_format("learning-on-a-page")
    with app.test_request_context():
        html = str(render_html(fmt, "Young Person A", {}, "Plymouth")).replace("&#39;", "'")
    for title in ("The child's lived experience", "Key learning", "Learning into practice"):
        assert title in html
    assert html.count("Not written yet.") == len(fmt["sections"])


def test_sections_that_are_not_in_the_format_are_refused(app, registry):
    fmt = registry.policy("doncaster").briefing_formats[0]
    with app.test_request_context(), pytest.raises(BriefingError, match="not in the format"):
        render_html(fmt, "T", {"no-such-section": "x"}, "Doncaster")
