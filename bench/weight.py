"""Benchmark: what a visitor downloads for a partnership's public page, compressed, and how it is cached.

Fetches the page as a browser would (``Accept-Encoding: gzip``), then every file it names (style
sheets, scripts, icons, images, the manifest) and the files those style sheets name (fonts,
images), each once. Prints the requests, the bytes on the wire and uncompressed, and how many
files a browser may keep for a year (``immutable``, fingerprinted names). Nothing is timed.

    python bench/weight.py [--slug doncaster]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import scratch_database
from cspr import create_app
from cspr.db import get_db
from cspr.partnerships import services as partnerships

#: What a page loads: style sheets, scripts, icons, images, the manifest (not the links a person follows).
PAGE_REFS = re.compile(
    r"""<(?:link[^>]*\brel="(?:stylesheet|icon|mask-icon|apple-touch-icon|manifest)"[^>]*\bhref"""
    r"""|script[^>]*\bsrc|img[^>]*\bsrc)="(?P<url>[^"]+)\"""",
    re.IGNORECASE,
)
#: The files a style sheet loads (fonts, images).
CSS_REFS = re.compile(r"""url\(\s*["']?(?P<url>[^"')]+)["']?\s*\)""")


def fetch(client, url: str) -> tuple[int, int, str, str, bytes]:  # noqa: ANN001
    """Status, bytes on the wire, Cache-Control, content type and the decoded body of ``url``."""
    import gzip

    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    wire = response.get_data()
    body = gzip.decompress(wire) if response.headers.get("Content-Encoding") == "gzip" else wire
    return (
        response.status_code,
        len(wire),
        response.headers.get("Cache-Control", ""),
        response.mimetype or "",
        body,
    )


def main() -> None:
    """Fetch the page and what it loads; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", default="doncaster")
    args = parser.parse_args()
    with scratch_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": tmp, "BROKER_URL": "memory://", "LOG_LEVEL": "WARNING"}
        )
        with app.app_context(), get_db().session_scope() as session:
            partnerships.sync(session, app.extensions["cspr.plugins"])
        client = app.test_client()
        page = f"/{args.slug}/"
        status, wire, _, _, body = fetch(client, page)
        if status != 200:
            sys.exit(f"bench/weight.py: {page} answered {status}")
        html = body.decode("utf-8")
        queue = [urljoin(page, m["url"]) for m in PAGE_REFS.finditer(html)]
        seen: set[str] = set()
        files = []
        while queue:
            ref = queue.pop(0)
            if urlsplit(ref).netloc or ref in seen or ref.startswith("data:"):
                continue  # another site's file, or one already fetched
            seen.add(ref)
            status, size, cache, mimetype, content = fetch(client, ref)
            if status != 200:
                sys.exit(f"bench/weight.py: {ref}, which the page loads, answered {status}")
            files.append((ref, size, len(content), cache))
            if mimetype == "text/css":
                queue += [urljoin(ref, m["url"]) for m in CSS_REFS.finditer(content.decode("utf-8"))]
        on_wire = wire + sum(f[1] for f in files)
        plain = len(body) + sum(f[2] for f in files)
        immutable = sum("immutable" in f[3] for f in files)
        print(f"public page {page}: {len(body)} bytes, {wire} on the wire")
        for ref, size, full, cache in files:
            print(f"  {ref}: {full} bytes, {size} on the wire, Cache-Control: {cache}")
        print(
            f"requests={1 + len(files)} bytes on the wire={on_wire} uncompressed={plain} "
            f"compression ratio {on_wire / plain:.2f}x"
        )
        print(f"files cached for a year (immutable, fingerprinted): {immutable} of {len(files)}")


if __name__ == "__main__":
    main()
