"""Report files: a real PDF only (no scripts, actions, attachments, HTML), read within bounds, kept by key.

An uploaded report is read once, to check it is a PDF that may go public and to extract
its text for the anonymisation guard. The read is bounded, so a hostile file is refused
with a clear message instead of costing a worker its time-out:

- in pages (``MAX_PAGES``), checked on the declared count and on the page tree itself;
- in bytes: every decoded stream (``MAX_STREAM_BYTES``, pypdf's per-filter output limits,
  which stop a Flate bomb), all the pages' content together (``MAX_CONTENT_BYTES``) and the
  text extracted (``MAX_TEXT_CHARS``);
- in work: pypdf's parsing budget per content stream (``MAX_STREAM_TOKENS``), the form
  XObjects drawn per page (``MAX_FORMS_PER_PAGE``) and the objects scanned (``MAX_OBJECTS``);
- in time: a wall-clock budget for the whole read (``TIME_BUDGET_SECONDS``, below a worker's
  time-out), checked between objects, pages and content-stream operators, in the request's
  own thread (no signals). If the file used under half of it in CPU time, the machine was
  busy rather than the file hostile, and the message says to try again.

The file is refused if it is also a web page (HTML markup in its first bytes, or a PDF
header anywhere but at the start) or carries active content: JavaScript, launch or
form-submission actions, actions that run by themselves (``/AA``), attached files, XFA forms,
embedded media, or links other than to web pages and email addresses (``javascript:``, ``file:``).
Every refusal is an ``InputError`` for the upload's field.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from cspr.reviews.models import Document, Review
from cspr.services import stored_files
from cspr.services.context import Context
from cspr.services.errors import InputError

log = logging.getLogger(__name__)

MAX_BYTES = 25 * 1024 * 1024
MAX_PAGES = 2_000
MAX_STREAM_BYTES = 16 * 1024 * 1024
MAX_CONTENT_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 10_000_000
MAX_STREAM_TOKENS = 200_000
MAX_FORMS_PER_PAGE = 200
MAX_OBJECTS = 500_000
TIME_BUDGET_SECONDS = 20.0
SNIFF_BYTES = 4096  # browsers sniff at most the first 1,445 bytes; look further to be sure

# HTML that would make the file a web page as well as a PDF (a polyglot). Only tag names of
# three letters or more, followed by a delimiter, so compressed binary data never matches.
HTML_MARKUP = re.compile(
    rb"<(?:!doctype|html|head|body|script|svg|iframe|frame|frameset|object|embed|meta|style|link|"
    rb"base|img|form|math|template|\?xml-stylesheet)[\s/>]", re.IGNORECASE)

TOO_COMPLEX = ("The selected file is too large or complex to check for identifying names. Save it again "
               "as a simpler PDF, or split it into parts, and upload it again")
NO_SCRIPTS = "Save it again without scripts or actions and upload it again"
# What each kind of active content is called in the error, and how to fix it.
ACTIVE_CONTENT = {
    "javascript": f"The selected file contains JavaScript. {NO_SCRIPTS}",
    "launch": f"The selected file contains an action that starts another program. {NO_SCRIPTS}",
    "submit": f"The selected file contains a form action that sends or fetches data. {NO_SCRIPTS}",
    "additional_actions": f"The selected file contains actions that run by themselves when it is opened "
                          f"or read. {NO_SCRIPTS}",
    "embedded_files": "The selected file contains attached files. Save it again without attachments "
                      "and upload it again",
    "xfa": f"The selected file contains an XFA form, which can run scripts. {NO_SCRIPTS}",
    "link": "The selected file contains a link that is not to a web page or an email address. Save it "
            "again with only web (https) or email links and upload it again",
    "media": "The selected file contains embedded media (sound, video, Flash or 3D). Save it again "
             "without embedded media and upload it again",
}
_ACTION_KINDS = {"/JavaScript": "javascript", "/Launch": "launch", "/SubmitForm": "submit",
                 "/ImportData": "submit", "/GoToE": "embedded_files", "/RichMediaExecute": "media",
                 "/Rendition": "media", "/Movie": "media", "/Sound": "media"}
_KEY_KINDS = {"/JS": "javascript", "/JavaScript": "javascript", "/AA": "additional_actions",
              "/EmbeddedFiles": "embedded_files", "/EF": "embedded_files", "/XFA": "xfa",
              "/RichMediaContent": "media", "/RichMediaSettings": "media"}
# Links may go to web pages and email addresses; javascript:, data:, file: and the rest are refused.
SAFE_LINK = re.compile(r"(?:https?|mailto|tel):|[^:]*(?:[/?#]|$)", re.IGNORECASE)
_SUBTYPE_KINDS = {"/FileAttachment": "embedded_files", "/RichMedia": "media", "/Screen": "media",
                  "/Movie": "media", "/Sound": "media", "/3D": "media"}


class _OutOfTime(Exception):
    """The wall-clock budget for reading one file ran out."""


BUSY = ("The selected file could not be checked in time because the service is busy. Try again in a few "
        "minutes")


def _cpu_seconds() -> float:
    """CPU time this thread has used (what the file cost us, whatever else the machine is doing)."""
    return time.thread_time()


class _Budget:
    """What one read of a file may still spend: time and decoded page content."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cpu_start = _cpu_seconds()
        self.content_bytes = 0

    def busy(self) -> bool:
        """The time ran out while the file had used under half of it: the machine was busy, not the file."""
        return _cpu_seconds() - self.cpu_start < self.seconds / 2

    def tick(self, *_: object) -> None:
        """Raise once the time is spent (also a pypdf visitor, called before each operator)."""
        if time.monotonic() > self.deadline:
            raise _OutOfTime


def _limits() -> AbstractContextManager:
    """pypdf's own limits, lowered to what a report needs (for this thread's reads only)."""
    return apply_configuration(
        zlib_maximum_output_length=MAX_STREAM_BYTES, lzw_maximum_output_length=MAX_STREAM_BYTES,
        run_length_maximum_output_length=MAX_STREAM_BYTES, brotli_maximum_output_length=MAX_STREAM_BYTES,
        jbig2_maximum_output_length=MAX_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_STREAM_BYTES,
        maximum_declared_stream_length=MAX_STREAM_BYTES, image_maximum_buffer_size=MAX_STREAM_BYTES,
        stream_decoding_work_maximum_length=4 * MAX_STREAM_BYTES,
        xfa_decoding_work_maximum_length=MAX_STREAM_BYTES,
        stream_parsing_work_maximum_count=MAX_STREAM_TOKENS,
        xform_maximum_invocations_per_extraction=MAX_FORMS_PER_PAGE,
        page_tree_maximum_entries=2 * MAX_PAGES + 1,
        page_tree_maximum_page_entries=200 * MAX_PAGES)


def _sniff(data: bytes, field: str) -> None:
    if not data:
        raise InputError({field: "The selected file is empty"})
    if not data.startswith(b"%PDF-"):
        raise InputError({field: "The selected file must be a PDF"})
    if HTML_MARKUP.search(data, 0, SNIFF_BYTES):
        raise InputError({field: "The selected file contains web page code (HTML) as well as a PDF. Save it "
                                 "again as a PDF only and upload it again"})


def _open(data: bytes, field: str, budget: _Budget) -> PdfReader:
    """A reader over the file, decrypted if it has no password, with its page count checked."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = 0
        if not opened:
            raise InputError({field: "The selected file is protected with a password. Save it again without "
                                     "a password and upload it again"})
    pages_node = reader.trailer["/Root"].get_object()["/Pages"].get_object()
    declared = pages_node.get("/Count", 0)
    too_many = InputError({field: f"The selected file must have {MAX_PAGES:,} pages or fewer"})
    if isinstance(declared, int) and declared > MAX_PAGES:
        raise too_many
    budget.tick()
    try:
        count = len(reader.pages)
    except LimitReachedError:
        raise too_many from None
    if count > MAX_PAGES:
        raise too_many
    if count == 0:
        raise InputError({field: "The selected file has no pages"})
    return reader


def _walk(value: object) -> Iterator[DictionaryObject]:
    """The dictionaries in an object and its direct children (references are visited on their own)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            continue
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _active_kind(obj: DictionaryObject) -> str | None:
    """The kind of active content a dictionary is (or carries), if any."""
    for key, kind in _KEY_KINDS.items():
        if key in obj:
            return kind
    action = obj.get("/S")
    if isinstance(action, NameObject) and action in _ACTION_KINDS:
        return _ACTION_KINDS[action]
    if action == "/URI":
        uri = obj.get("/URI")
        text = uri.get_object() if isinstance(uri, IndirectObject) else uri
        text = text.decode("latin-1") if isinstance(text, bytes) else str(text or "")
        # Viewers drop control characters and spaces before the scheme ("java\tscript:"): so do we.
        text = "".join(c for c in text if c > " " and c != "\x7f")
        if text.lower().startswith(("javascript:", "vbscript:")):
            return "javascript"
        if not SAFE_LINK.match(text):
            return "link"
    if obj.get("/Type") == "/EmbeddedFile":
        return "embedded_files"
    subtype = obj.get("/Subtype")
    if isinstance(subtype, NameObject) and subtype in _SUBTYPE_KINDS and obj.get("/Type") != "/XObject":
        return _SUBTYPE_KINDS[subtype]
    return None


def _refuse_active_content(reader: PdfReader, field: str, budget: _Budget) -> None:
    """Every object in the file, not only those a viewer reaches first: none may be active content."""
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        raise InputError({field: TOO_COMPLEX})
    for index, (num, gen) in enumerate([(None, None), *sorted(numbers)]):
        if index % 256 == 0:
            budget.tick()
        root = reader.trailer if num is None else reader.get_object(IndirectObject(num, gen, reader))
        for obj in _walk(root):
            kind = _active_kind(obj)
            if kind is not None:
                raise InputError({field: ACTIVE_CONTENT[kind]})


def _page_content_bytes(page: DictionaryObject) -> int:
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    total = 0
    for stream in streams:
        stream = stream.get_object()
        if hasattr(stream, "get_data"):
            total += len(stream.get_data())  # pypdf keeps the decoded data for the extraction
    return total


def _read(data: bytes, field: str, max_bytes: int, extract: bool) -> list[str]:
    """Check the file and (if asked) extract each page's text, within every bound."""
    if len(data or b"") > max_bytes:
        raise InputError({field: f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB"})
    _sniff(data, field)
    budget = _Budget(TIME_BUDGET_SECONDS)
    texts: list[str] = []
    try:
        with _limits():
            reader = _open(data, field, budget)
            _refuse_active_content(reader, field, budget)
            chars = 0
            for page in reader.pages if extract else ():
                budget.tick()
                budget.content_bytes += _page_content_bytes(page)
                if budget.content_bytes > MAX_CONTENT_BYTES:
                    raise InputError({field: TOO_COMPLEX})
                text = page.extract_text(visitor_operand_before=budget.tick) or ""
                budget.tick()
                chars += len(text)
                if chars > MAX_TEXT_CHARS:
                    raise InputError({field: TOO_COMPLEX})
                texts.append(text)
    except InputError:
        raise
    except _OutOfTime:
        log.info("pdf.refused_time", extra={"busy": budget.busy()})
        raise InputError({field: BUSY if budget.busy() else TOO_COMPLEX}) from None
    except (LimitReachedError, MemoryError, RecursionError) as exc:
        log.info("pdf.refused_limit", extra={"reason": type(exc).__name__, "detail": str(exc)[:200]})
        raise InputError({field: TOO_COMPLEX}) from None
    except Exception as exc:
        log.info("pdf.refused_unreadable", extra={"reason": type(exc).__name__, "detail": str(exc)[:200]})
        raise InputError({field: "The selected file is not a PDF that can be read"}) from None
    return texts


def check_pdf(data: bytes, field: str = "report", max_bytes: int = MAX_BYTES) -> None:
    """The bytes are a PDF that may go public (bounded, no active content, not HTML), else an InputError."""
    _read(data, field, max_bytes, extract=False)


def pdf_text(data: bytes, field: str = "report", max_bytes: int = MAX_BYTES) -> list[str]:
    """The text of each page of a PDF that may go public, read within the bounds; else an InputError."""
    return _read(data, field, max_bytes, extract=True)


def clean_filename(filename: str | None, default: str) -> str:
    """A file's own name, stripped to letters, digits and ``._- `` (never a path), else ``default``."""
    safe = "".join(c for c in Path(filename or default).name if c.isalnum() or c in "._- ")[:120]
    return safe or default


def keep(ctx: Context, data: bytes, extension: str, documents_dir: Path) -> tuple[str, str]:
    """Write the bytes outside the web root under a random key; the key and their SHA-256."""
    key = f"{ctx.policy.slug}/{secrets.token_hex(16)}.{extension}"
    path = documents_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stored_files.written(ctx.session, path)  # gone again if the rows are rolled back
    return key, hashlib.sha256(data).hexdigest()


def store(ctx: Context, review: Review, data: bytes, filename: str, kind: str, public: bool,
          documents_dir: Path) -> Document:
    """Keep the file under a random key, with its checksum, and record it."""
    key, sha256 = keep(ctx, data, "pdf", documents_dir)
    document = Document(review_id=review.id, kind=kind, title=review.title,
                        filename=clean_filename(filename, "report.pdf"),
                        media_type="application/pdf", size_bytes=len(data),
                        sha256=sha256, storage_key=key, public=public)
    ctx.session.add(document)
    ctx.session.flush()
    ctx.audit("document.stored", document, review=review.id, sha256=document.sha256, public=public)
    return document
