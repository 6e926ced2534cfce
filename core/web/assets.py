"""Static files: GOV.UK Frontend's assets and the app's own, with fingerprinted names, cached and gzipped.

Templates ask ``asset_url("images/favicon.svg")`` or ``static_url("build/cspr.css")`` and get
a name carrying the first 12 hex digits of the file's SHA-256 (``favicon.1a2b3c4d5e6f.svg``),
served with ``Cache-Control: public, max-age=31536000, immutable``: a changed file gets a new
name, so a browser or a proxy may keep each one for a year. The plain names still work
(cached an hour, as before: the manifest's relative icon links use them). A name whose hash
is not the file's (a page from before a deployment) gets today's file with ``no-cache``.
The app's own CSS and JavaScript name other files by absolute path (``url("/assets/...")``,
``from "/assets/..."``); those names are fingerprinted as the file is served, so its hash
covers what it loads. Text types are gzipped once, in memory, for clients that accept it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.security import safe_join

bp = Blueprint("assets", __name__)

REPO = Path(__file__).resolve().parents[2]

IMMUTABLE = "public, max-age=31536000, immutable"
PLAIN = "public, max-age=3600"  # a name without a hash may change under the same URL
STALE = "no-cache"  # an old hash: today's file, checked again next time

#: ``name.<12 hex>.ext``: the hash goes before the last extension.
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
#: Absolute references to our own assets inside the app's CSS and JavaScript.
REFERENCE = re.compile(r"""(?P<quote>["'(])(?P<prefix>/(?:assets|static)/)(?P<name>[A-Za-z0-9_./-]+)""")
REWRITTEN = (".css", ".js", ".mjs")
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("font/woff", ".woff")


def assets_dir() -> Path:
    """Where govuk-frontend's dist/govuk folder is (CSPR_ASSETS_DIR overrides)."""
    configured = current_app.config.get("ASSETS_DIR")
    return Path(configured) if configured else REPO / "node_modules/govuk-frontend/dist/govuk"


def _roots(kind: str) -> tuple[Path, ...]:
    if kind == "static":
        return (Path(current_app.static_folder or REPO / "core/static"),)
    root = assets_dir()
    return (root / "assets", root)


def _find(kind: str, filename: str) -> Path | None:
    """The file ``filename`` names in the folders of ``kind``, never outside them."""
    for folder in _roots(kind):
        found = safe_join(str(folder), filename)
        # os.path.isfile answers False for any name the OS refuses (too long, NUL)
        if found is not None and os.path.isfile(found):
            return Path(found)
    return None


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@dataclass
class Built:
    """A file as served: its bytes (references fingerprinted), hash, type and gzipped bytes."""

    data: bytes
    digest: str
    mimetype: str
    stamps: dict[Path, tuple[int, int]]
    _gzipped: bytes | None = field(default=None, repr=False)

    @property
    def compressible(self) -> bool:
        """Text types worth gzipping (fonts and PNGs are compressed already)."""
        return self.mimetype.startswith(COMPRESSIBLE) and len(self.data) > 256

    def gzipped(self) -> bytes:
        """The bytes gzipped, once."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.data, compresslevel=9, mtime=0)
        return self._gzipped

    def fresh(self) -> bool:
        """True while neither the file nor anything it references has changed."""
        try:
            return all(_stamp(path) == stamp for path, stamp in self.stamps.items())
        except OSError:
            return False


_lock = threading.Lock()


def _cache() -> dict[tuple, Built]:
    """This app's built files, by path and the folders references resolve in."""
    return current_app.extensions.setdefault("cspr.assets", {})


def _build(kind: str, path: Path, depth: int = 0) -> Built:
    key = (path, str(assets_dir()), current_app.static_folder)
    with _lock:
        cached = _cache().get(key)
    if cached is not None and cached.fresh():
        return cached
    stamps = {path: _stamp(path)}
    data = path.read_bytes()
    if kind == "static" and path.suffix in REWRITTEN and depth < 4:
        data = _rewrite(data, stamps, depth)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    built = Built(data, hashlib.sha256(data).hexdigest()[:12], mimetype, stamps)
    with _lock:
        _cache()[key] = built
    return built


def _rewrite(data: bytes, stamps: dict[Path, tuple[int, int]], depth: int) -> bytes:
    """Fingerprint the absolute /assets/ and /static/ names a CSS or JavaScript file refers to."""
    text = data.decode("utf-8")

    def replace(match: re.Match) -> str:
        kind = "static" if match["prefix"] == "/static/" else "assets"
        target = _find(kind, match["name"])
        if target is None:
            return match.group(0)
        built = _build(kind, target, depth + 1)
        stamps.update(built.stamps)
        return f"{match['quote']}{match['prefix']}{fingerprint(match['name'], built.digest)}"

    return REFERENCE.sub(replace, text).encode("utf-8")


def fingerprint(filename: str, digest: str) -> str:
    """``images/favicon.svg`` -> ``images/favicon.<digest>.svg`` (names without an extension stay)."""
    head, dot, ext = filename.rpartition(".")
    if not dot or "/" in ext or not head or head.endswith("/"):
        return filename
    return f"{head}.{digest}.{ext}"


def _url(kind: str, endpoint: str, filename: str) -> str:
    """The URL of ``filename``'s fingerprinted name, kept while the file and what it loads are unchanged.

    A page names several assets: each is looked for in its folders once, then only its own and its
    references' modification times are checked (a changed file still gets a new name at once).
    """
    names = current_app.extensions.setdefault("cspr.asset_names", {})
    key = (kind, filename, current_app.config.get("ASSETS_DIR"), current_app.static_folder)
    named = names.get(key)
    if named is None or not named[1].fresh():
        path = _find(kind, filename)
        if path is None:
            return url_for(endpoint, filename=filename)
        built = _build(kind, path)
        named = names[key] = (fingerprint(filename, built.digest), built)
    return url_for(endpoint, filename=named[0])


def asset_url(filename: str) -> str:
    """The fingerprinted URL of one of GOV.UK Frontend's assets (fonts, images, JS, the manifest)."""
    return _url("assets", "assets.asset", filename)


def static_url(filename: str) -> str:
    """The fingerprinted URL of one of the app's own files in core/static (its CSS and JavaScript)."""
    return _url("static", "static", filename)


def serve(kind: str, filename: str) -> ResponseReturnValue:
    """The file by its plain or fingerprinted name; 404 when there is none."""
    path, digest = _find(kind, filename), None
    if path is None:
        match = FINGERPRINTED.match(filename)
        if match is not None:
            digest = match["digest"]
            path = _find(kind, match["stem"] + match["ext"])
    if path is None:
        abort(404)
    built = _build(kind, path)
    if digest is None:
        cache = PLAIN
    else:
        cache = IMMUTABLE if digest == built.digest else STALE
    zipped = built.compressible and request.accept_encodings["gzip"] > 0
    response = Response(built.gzipped() if zipped else built.data, mimetype=built.mimetype)
    if built.compressible:
        response.vary.add("Accept-Encoding")
    if zipped:
        response.content_encoding = "gzip"
    response.set_etag(built.digest + ("-gz" if zipped else ""))
    response.headers["Cache-Control"] = cache
    return response.make_conditional(request)


@bp.route("/assets/<path:filename>")
def asset(filename: str) -> ResponseReturnValue:
    """Fonts, images and the manifest, then the compiled CSS and JavaScript."""
    return serve("assets", filename)


def static_file(filename: str) -> ResponseReturnValue:
    """The app's own files (core/static), in place of Flask's static view."""
    return serve("static", filename)


def init_assets(app: Flask) -> None:
    """Serve the assets, give templates ``asset_url`` and ``static_url``, take over /static/."""
    app.register_blueprint(bp)
    if "static" in app.view_functions:
        app.view_functions["static"] = static_file
    app.jinja_env.globals.update(asset_url=asset_url, static_url=static_url)
