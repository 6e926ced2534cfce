"""Hostile PDFs: bombs, huge page counts, active content and HTML polyglots are refused; reports download inertly."""

from __future__ import annotations

import base64
import io
import re
import time
import zlib

import pytest
from pypdf import PdfReader, PdfWriter

from cspr.reviews import documents
from cspr.services.errors import InputError
from tests.api_kit import Api
from tests.publication.test_publishing import publish, ready, report_pdf  # noqa: F401 -- ``ready`` is a fixture

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 72 720 Td (Agencies did not share information about the family.) Tj ET"


# -- building the files by hand: each one a PDF a reader opens, with one hostile part ------

def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def raw_pdf(objects: list[bytes], *, before: bytes = b"", after_header: bytes = b"") -> bytes:
    """A PDF of the numbered objects (1 is the catalog) with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(before + b"%PDF-1.7\n" + after_header + b"%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def one_page(catalog_extra: bytes = b"", page_extra: bytes = b"", content: bytes = TEXT,
             content_filter: bytes = b"", more: list[bytes] = (), **kw: bytes) -> bytes:
    """A one-page PDF with text; objects 5.. are ``more``."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
                    b" /Contents 6 0 R %s>>" % page_extra,
                    FONT, b"null", stream(content, content_filter), *more], **kw)


def flate_bomb(megabytes: int = 300) -> bytes:
    """A content stream of hundreds of MB of zeros, compressed to a few hundred KB."""
    z = zlib.compressobj(9)
    chunk = b"0" * (1 << 20)
    data = b"".join(z.compress(chunk) for _ in range(megabytes)) + z.flush()
    return one_page(content=data, content_filter=b"/Filter /FlateDecode ")


def many_pages(count: int = 20_000, declared: int | None = None) -> bytes:
    """``count`` blank pages (about 3 MB), the page tree saying ``declared`` (default: the truth)."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * count
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, declared or count), *pages])


def dense_content() -> bytes:
    """One page whose 60 KB content stream decompresses to 2 MB of text operators (minutes for pypdf)."""
    return one_page(content=zlib.compress(b"BT (a) Tj ET\n" * 160_000, 9),
                    content_filter=b"/Filter /FlateDecode ")


def javascript_in_names() -> bytes:
    """What Acrobat writes for document-level JavaScript: the catalog's /Names /JavaScript tree."""
    return one_page(b"/Names << /JavaScript 7 0 R >>", more=[
        b"<< /Names [(hello) 8 0 R] >>", b"<< /S /JavaScript /JS (app.alert\\('hello'\\);) >>"])


def javascript_in_an_object_stream() -> bytes:
    """The OpenAction script compressed inside an object stream (PDF 1.5), found by a cross-reference stream."""
    hidden = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"8 0 "
    objstm = zlib.compress(header + hidden)
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 8 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
               b" /Contents 6 0 R >>", FONT, b"null", stream(TEXT),
               stream(objstm, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode " % len(header))]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_at = out.tell()
    rows = [(0, 0, 65535)] + [(1, o, 0) for o in offsets] + [(2, 7, 0), (1, xref_at, 0)]
    table = b"".join(t.to_bytes(1, "big") + f.to_bytes(4, "big") + g.to_bytes(2, "big") for t, f, g in rows)
    out.write(b"9 0 obj\n" + stream(table, b"/Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R ") + b"\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


ALERT = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
HOSTILE = {
    "flate bomb": (flate_bomb, documents.TOO_COMPLEX),
    "20,000 blank pages": (many_pages, "The selected file must have 2,000 pages or fewer"),
    "20,000 pages, the page tree saying 1": (lambda: many_pages(declared=1),
                                             "The selected file must have 2,000 pages or fewer"),
    "2 MB of text operators on one page": (dense_content, documents.TOO_COMPLEX),
    "JavaScript in the catalog's Names": (javascript_in_names, "The selected file contains JavaScript. Save it "
                                          "again without scripts or actions and upload it again"),
    "an OpenAction that runs JavaScript": (lambda: one_page(b"/OpenAction " + ALERT),
                                           "The selected file contains JavaScript"),
    "JavaScript under escaped names": (lambda: one_page(b"/OpenAction << /S /J#61vaScript /J#53 (x) >>"),
                                       "The selected file contains JavaScript"),
    "JavaScript inside a compressed object stream": (javascript_in_an_object_stream,
                                                     "The selected file contains JavaScript"),
    "a javascript: link": (
        lambda: one_page(page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                                    b"/A << /S /URI /URI (JavaScript:alert\\(document.domain\\)) >> >>]"),
        "The selected file contains JavaScript"),
    "a file: link": (
        lambda: one_page(page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                                    b"/A << /S /URI /URI (file:///C:/Windows/System32/calc.exe) >> >>]"),
        "The selected file contains a link that is not to a web page or an email address"),
    "a link that launches a program": (
        lambda: one_page(page_extra=b"/Annots [7 0 R]", more=[
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A << /S /Launch /F (cmd.exe) >> >>"]),
        "The selected file contains an action that starts another program"),
    "an attached file": (
        lambda: one_page(b"/Names << /EmbeddedFiles << /Names [(payload.exe) 7 0 R] >> >>", more=[
            b"<< /Type /Filespec /F (payload.exe) /EF << /F 8 0 R >> >>",
            stream(b"MZ not really", b"/Type /EmbeddedFile ")]),
        "The selected file contains attached files"),
    "additional actions on a page": (lambda: one_page(page_extra=b"/AA << /O << /S /URI /URI (https://x.invalid) >> >>"),
                                     "The selected file contains actions that run by themselves"),
    "an XFA form": (lambda: one_page(b"/AcroForm << /Fields [] /XFA 7 0 R >>",
                                     more=[stream(zlib.compress(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>"),
                                                  b"/Filter /FlateDecode ")]),
                    "The selected file contains an XFA form"),
    "embedded RichMedia": (lambda: one_page(page_extra=b"/Annots [<< /Type /Annot /Subtype /RichMedia "
                                                       b"/Rect [0 0 10 10] >>]"),
                           "The selected file contains embedded media"),
    "an HTML/PDF polyglot": (lambda: one_page(after_header=b"%<html><body><script>alert(document.cookie)"
                                                           b"</script></body></html>\n"),
                             "The selected file contains web page code (HTML)"),
    "a PDF header after HTML": (lambda: one_page(before=b"<html><script>alert(1)</script></html>\n"),
                                "The selected file must be a PDF"),
    "an HTML file named .pdf": (lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
                                "The selected file must be a PDF"),
    "a password-protected PDF": (None, "The selected file is protected with a password"),
}


def encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("a secret only the author knows", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def api_publication(partner: str, pdf: bytes) -> dict:
    return {"published_on": "2026-09-01", "publication_form": "full", "summary": "What we learned.",
            "signed_off_by": partner, "identifying_terms": "Jamie Smith\nOak Street Primary",
            "report_pdf": base64.b64encode(pdf).decode()}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_by_the_form_and_the_api_with_the_reason(app, ready, client, name):  # noqa: F811
    admin, rid, partner = ready
    build, message = HOSTILE[name]
    pdf = build() if build else encrypted()
    started = time.monotonic()

    form = publish(admin, rid, report=pdf, signed_off_by=partner)
    html = form.get_data(as_text=True)
    assert form.status_code == 400, html[:500]
    assert message.replace("'", "&#39;") in html
    assert 'href="#report"' in html  # the error summary links to the upload field

    api = Api(app.test_client(), admin.member).post(f"/reviews/{rid}/publication", api_publication(partner, pdf))
    assert api.status_code == 422, api.get_data(as_text=True)[:500]
    assert message in api.get_json()["errors"]["json"]["report"]

    assert "Child P" not in client.get("/doncaster/").get_data(as_text=True)  # nothing went public
    assert time.monotonic() - started < 120, "the refusal must come before any worker's time-out"


def test_a_clean_report_still_publishes_and_downloads_inertly(app, ready, client):  # noqa: F811
    admin, rid, partner = ready
    pdf = report_pdf(app, "Agencies did not share information about the family.")
    response = publish(admin, rid, report=pdf, signed_off_by=partner)
    assert "The review is published" in response.get_data(as_text=True)
    link = re.search(r'href="(/doncaster/reports/[0-9a-f]{32}\.pdf)"', client.get("/doncaster/").get_data(as_text=True))
    served = client.get(link.group(1))
    assert served.status_code == 200 and served.data == pdf
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"] == "attachment; filename=cspr-child-p.pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    csp = [d.strip() for d in served.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp and "default-src 'none'" in csp


def test_a_clean_report_is_published_through_the_api_too(app, ready):  # noqa: F811
    admin, rid, partner = ready
    pdf = report_pdf(app, "Agencies did not share information about the family.")
    api = Api(app.test_client(), admin.member)
    response = api.post(f"/reviews/{rid}/publication", api_publication(partner, pdf))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stage"] == "published"


def test_ordinary_links_and_bookmarks_are_not_active_content():
    pdf = one_page(b"/OpenAction [3 0 R /Fit] /Outlines << /Count 0 >>",
                   page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                              b"/A << /S /URI /URI (https://www.gov.uk/) >> >>]")
    assert documents.pdf_text(pdf) == ["Agencies did not share information about the family."]


def test_the_wall_clock_budget_refuses_a_file_that_reads_too_slowly(monkeypatch):
    pdf = one_page()
    assert documents.pdf_text(pdf)
    monkeypatch.setattr(documents, "TIME_BUDGET_SECONDS", 0.0)  # spent at once, all of it on the file
    with pytest.raises(InputError) as refused:
        documents.pdf_text(pdf)
    assert refused.value.errors == {"report": documents.TOO_COMPLEX}


def test_a_read_that_ran_out_of_time_on_a_busy_machine_says_to_try_again(monkeypatch):
    monkeypatch.setattr(documents, "TIME_BUDGET_SECONDS", 1e-9)
    monkeypatch.setattr(documents, "_cpu_seconds", lambda: 0.0)  # the file cost no CPU: other work took the time
    with pytest.raises(InputError) as refused:
        documents.pdf_text(one_page())
    assert refused.value.errors == {"report": documents.BUSY}


def test_a_pdf_locked_only_against_editing_is_read_and_accepted():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(one_page())))
    writer.encrypt(user_password="", owner_password="the author's own", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert documents.pdf_text(out.getvalue()) == ["Agencies did not share information about the family."]
