"""Case document files, checked by their content: a PDF, Word (DOCX), ODT or XLSX with nothing active in it.

A PDF goes through the report check (:func:`cspr.reviews.documents.check_pdf`). The others are
zip packages, recognised by what is inside (``[Content_Types].xml`` for DOCX and XLSX, the
``mimetype`` entry for ODT), never by the file's name. A package is refused if it is a zip bomb
(more than ``MAX_PARTS`` parts, or more than ``MAX_UNPACKED`` bytes unpacked), carries macros,
embedded (OLE) objects, links to content outside the file, DDE fields, spreadsheet formulas or
embedded web pages. Every XML part is parsed with defusedxml (no entities, no DTDs). Every
refusal is an ``InputError`` for the upload's field, in plain words with what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from cspr.reviews.documents import check_pdf
from cspr.services.errors import InputError

MAX_PARTS = 2_000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
#: The file's type: its extension, and the words people read.
TYPES = {PDF: ("pdf", "PDF"), DOCX: ("docx", "Word document"), XLSX: ("xlsx", "Excel spreadsheet"),
         ODT: ("odt", "OpenDocument text")}

_MAIN_PARTS = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX}
_MACRO_TYPES = ("macroenabled", "vbaproject", "ms-office.activex", "ms-word.vbadata", "ms-excel.macrosheet")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "message/rfc822", "text/xml-stylesheet")
_HTML_EXTENSIONS = (".htm", ".html", ".mht", ".mhtml", ".xhtml", ".svg")

WRONG_TYPE = "The selected file must be a PDF, Word (DOCX), OpenDocument text (ODT) or Excel (XLSX) file"
SAVE_AGAIN = "and upload it again"
REFUSALS = {
    "bomb": "The selected file is too large or complex when unpacked. Save it again as a simpler file "
            "or split it into parts, " + SAVE_AGAIN,
    "macros": f"The selected file contains macros. Save it again without macros {SAVE_AGAIN}",
    "ole": "The selected file contains embedded objects. Save it again without embedded objects "
           + SAVE_AGAIN,
    "external": "The selected file links to content outside it. Save it again without links to other "
                f"files or web pages {SAVE_AGAIN}",
    "dde": f"The selected file contains fields that fetch data from other programs (DDE). Save it again "
           f"without them {SAVE_AGAIN}",
    "formulas": "The selected file contains formulas. Save it again with values only (copy, then paste "
                f"values) {SAVE_AGAIN}",
    "html": f"The selected file contains web page code (HTML). Save it again without it {SAVE_AGAIN}",
    "broken": "The selected file is damaged and cannot be read. Save it again " + SAVE_AGAIN,
}


@dataclass(frozen=True)
class Checked:
    """A file that passed: its media type and the extension it is saved with."""

    media_type: str
    extension: str


def _refuse(field: str, why: str) -> InputError:
    return InputError({field: REFUSALS[why]})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, name: str) -> str:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, field: str, budget: list[int]) -> bytes:
    """A part's bytes, counted against the unpacked budget as they come (declared sizes may lie)."""
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(1024 * 1024):
            out += chunk
            budget[0] += len(chunk)
            if budget[0] > MAX_UNPACKED or len(out) > MAX_PART_BYTES:
                raise _refuse(field, "bomb")
    return bytes(out)


def _xml(data: bytes, field: str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise _refuse(field, "broken") from None


def _package_type(archive: zipfile.ZipFile, names: set[str], field: str, budget: list[int]) -> str:
    if "mimetype" in names:
        kind = _read(archive, archive.getinfo("mimetype"), field, budget).strip()
        if kind == ODT.encode():
            return ODT
        raise InputError({field: WRONG_TYPE})
    if "[Content_Types].xml" not in names:
        raise InputError({field: WRONG_TYPE})
    root = _xml(_read(archive, archive.getinfo("[Content_Types].xml"), field, budget), field)
    declared = [_attr(e, "ContentType").lower() for e in root.iter()]
    if any(m in t for t in declared for m in _MACRO_TYPES):
        raise _refuse(field, "macros")
    if any("oleobject" in t for t in declared):
        raise _refuse(field, "ole")
    if any(t.startswith(_HTML_TYPES) for t in declared):
        raise _refuse(field, "html")
    found = {_MAIN_PARTS[t] for t in declared if t in _MAIN_PARTS}
    if len(found) != 1:
        raise InputError({field: WRONG_TYPE})
    return found.pop()


def _refuse_by_name(name: str, field: str) -> None:
    lower = name.lower()
    if "vbaproject" in lower or lower.startswith(("basic/", "scripts/")):
        raise _refuse(field, "macros")
    if "/embeddings/" in lower or "oleobject" in lower or lower.startswith("object "):
        raise _refuse(field, "ole")
    if lower.endswith(_HTML_EXTENSIONS):
        raise _refuse(field, "html")
    if "externallink" in lower:
        raise _refuse(field, "external")


#: The one kind of outside link a document may hold: a hyperlink to a web page or an e-mail address.
_WEB_LINK = re.compile(r"\s*(?:https?://|mailto:)", re.IGNORECASE)


def _web_link(relationship: Element) -> bool:
    """Whether an external relationship is a plain hyperlink (a report cites its sources), not a
    template, picture, frame or data source fetched from outside when the file is opened.
    """
    return (_attr(relationship, "Type").endswith("/hyperlink")
            and bool(_WEB_LINK.match(_attr(relationship, "Target"))))


def _refuse_active(root: Element, media_type: str, field: str) -> None:
    for element in root.iter():
        tag = _local(element.tag)
        if _attr(element, "TargetMode").lower() == "external" and not _web_link(element):
            raise _refuse(field, "external")
        if tag in ("altChunk",):
            raise _refuse(field, "html")
        if tag in ("ddeLink", "dde-connection-decl", "dde-source", "dde-connection"):
            raise _refuse(field, "dde")
        instruction = element.text if tag == "instrText" else _attr(element, "instr")
        if instruction and instruction.strip().upper().startswith(("DDE", "DDEAUTO", "INCLUDE", "IMPORT")):
            raise _refuse(field, "dde")
        if media_type == XLSX and tag == "f":
            raise _refuse(field, "formulas")
        if media_type == ODT and _attr(element, "formula"):
            raise _refuse(field, "formulas")
        if tag in ("object-ole", "oleObj", "OLEObject", "control"):
            raise _refuse(field, "ole")


def _check_package(data: bytes, field: str) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError({field: WRONG_TYPE}) from None
    with archive:
        if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise _refuse(field, "bomb")
        names = {i.filename for i in infos}
        budget = [0]
        try:
            media_type = _package_type(archive, names, field, budget)
            for info in infos:
                _refuse_by_name(info.filename, field)
                if info.filename.lower().endswith((".xml", ".rels")):
                    _refuse_active(_xml(_read(archive, info, field, budget), field), media_type, field)
        except InputError:
            raise
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            raise _refuse(field, "broken") from None
    return media_type


def check_document(data: bytes, field: str, max_bytes: int) -> Checked:
    """The file's type, told by its content, if it is a safe PDF, DOCX, ODT or XLSX; else an InputError."""
    if not data:
        raise InputError({field: "The selected file is empty"})
    if len(data) > max_bytes:
        raise InputError({field: f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB"})
    if data.startswith(b"%PDF-"):
        check_pdf(data, field, max_bytes)
        media_type = PDF
    elif data.startswith(b"PK\x03\x04"):
        media_type = _check_package(data, field)
    else:
        raise InputError({field: WRONG_TYPE})
    return Checked(media_type, TYPES[media_type][0])
