"""Serving stored files: always a download, never a page of this site's origin.

An uploaded report is checked before it is stored (``cspr.reviews.documents``), and served as a
download too, so a file that slipped past the checks can never run as a page of the
site: ``Content-Disposition: attachment`` (the browser saves it or hands it to its PDF
viewer as a file, not as a document of this origin), the declared type with
``X-Content-Type-Options: nosniff`` (no sniffing it into HTML) and a sandboxing
Content-Security-Policy on the response itself (no scripts, no same origin, nothing
loaded) in case a browser renders it anyway.

Why not inline with the sandbox for the public: Chromium refuses to start its PDF viewer
in a sandboxed document ("This page has been blocked by Chrome") and Safari shows an empty
window, so "inline + sandbox" would be a broken link for most readers, and "inline
without the sandbox" is what this module exists to prevent.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, send_file

FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"


def send_document(path: Path, *, filename: str, mimetype: str = "application/pdf",
                  max_age: int | None = None) -> Response:
    """The stored file as an attachment named ``filename``, with the headers that keep it inert."""
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename or "report.pdf",
                         max_age=max_age)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
