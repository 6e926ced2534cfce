"""Static assets: fingerprinted URLs on the page, cached a year, gzipped when asked, old hashes still served."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest

from cspr.web.assets import assets_dir

HASHED = r"[0-9a-f]{12}"


def page_assets(client, path: str = "/") -> list[str]:
    page = client.get(path).get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/(?:assets|static)/[^"]+)"', page)


def one(urls: list[str], pattern: str) -> str:
    found = [u for u in urls if re.fullmatch(pattern, u)]
    assert len(found) == 1, (pattern, urls)
    return found[0]


def test_the_pages_asset_urls_carry_a_content_hash(client):
    urls = page_assets(client)
    assert urls, "the page links no assets"
    one(urls, rf"/static/build/cspr\.{HASHED}\.css")
    one(urls, rf"/static/init\.{HASHED}\.js")
    one(urls, rf"/assets/images/favicon\.{HASHED}\.svg")
    one(urls, rf"/assets/manifest\.{HASHED}\.json")
    for url in urls:
        assert re.search(rf"\.{HASHED}\.\w+$", url), url


def test_a_fingerprinted_asset_is_cached_for_a_year_as_immutable(client):
    for url in page_assets(client):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert response.data


def test_the_apps_css_and_javascript_name_what_they_load_by_its_fingerprint(client):
    urls = page_assets(client)
    css = client.get(one(urls, rf"/static/build/cspr\.{HASHED}\.css")).get_data(as_text=True)
    crest = re.findall(r'url\("?(/assets/images/govuk-crest[^")]*)"?\)', css)
    assert crest and all(re.fullmatch(rf"/assets/images/govuk-crest\.{HASHED}\.svg", u) for u in crest)
    assert client.get(crest[0]).headers["Cache-Control"].endswith("immutable")
    js = client.get(one(urls, rf"/static/init\.{HASHED}\.js")).get_data(as_text=True)
    module = re.search(r'from "(/assets/[^"]+)"', js)[1]
    assert re.fullmatch(rf"/assets/govuk-frontend\.min\.{HASHED}\.js", module)
    served = client.get(module)
    assert served.status_code == 200 and b"initAll" in served.data
    assert served.mimetype in ("text/javascript", "application/javascript")


def test_gzip_is_served_when_the_client_asks(client):
    url = one(page_assets(client), rf"/static/build/cspr\.{HASHED}\.css")
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and b".govuk-template" in plain.data
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 3
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # already-compressed types are not zipped again
    png = one(page_assets(client), rf"/assets/images/govuk-icon-180\.{HASHED}\.png")
    assert "Content-Encoding" not in client.get(png, headers={"Accept-Encoding": "gzip"}).headers


def test_a_repeat_request_with_the_etag_is_answered_304(client):
    url = one(page_assets(client), rf"/static/build/cspr\.{HASHED}\.css")
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_a_stale_hash_still_serves_todays_file_without_the_long_cache(client):
    current = one(page_assets(client), rf"/static/build/cspr\.{HASHED}\.css")
    stale = client.get("/static/build/cspr.0123456789ab.css")
    assert stale.status_code == 200
    assert stale.data == client.get(current).data
    assert stale.headers["Cache-Control"] == "no-cache"
    old_favicon = client.get("/assets/images/favicon.0123456789ab.svg")
    assert old_favicon.status_code == 200 and old_favicon.headers["Cache-Control"] == "no-cache"


def test_plain_names_still_work_with_a_short_cache(client):
    response = client.get("/assets/govuk-frontend.min.js")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=3600"
    assert client.get("/static/build/cspr.css").status_code == 200


@pytest.mark.parametrize("path", [
    "/assets/nothing.0123456789ab.css", "/static/nothing.js", "/assets/../../pyproject.toml",
    "/static/../../pyproject.toml", "/assets/images/%00.svg", "/static/" + "a" * 5000 + ".css",
    "/assets/images/favicon.svg/x", "/static/build/cspr.css.0123456789ab",
])
def test_unknown_or_hostile_names_are_404_never_500(client, path):
    assert client.get(path).status_code == 404


def test_a_changed_file_gets_a_new_url(app, client, tmp_path):
    govuk = tmp_path / "govuk"
    (govuk / "assets" / "images").mkdir(parents=True)
    source = assets_dir_for(app)
    shutil.copy(source / "assets/images/favicon.svg", govuk / "assets/images/favicon.svg")
    shutil.copy(source / "govuk-frontend.min.js", govuk / "govuk-frontend.min.js")
    app.config["ASSETS_DIR"] = str(govuk)
    before = page_assets(client)
    favicon = one(before, rf"/assets/images/favicon\.{HASHED}\.svg")
    init_js = one(before, rf"/static/init\.{HASHED}\.js")

    svg = govuk / "assets/images/favicon.svg"
    svg.write_text(svg.read_text() + "\n<!-- a new version -->\n")
    module = govuk / "govuk-frontend.min.js"
    module.write_text(module.read_text() + "\n// a new release\n")
    after = page_assets(client)
    new_favicon = one(after, rf"/assets/images/favicon\.{HASHED}\.svg")
    assert new_favicon != favicon
    assert b"a new version" in client.get(new_favicon).data
    assert client.get(new_favicon).headers["Cache-Control"].endswith("immutable")
    # the old URL is not an error: it gets the new file, not to be kept
    old = client.get(favicon)
    assert old.status_code == 200 and b"a new version" in old.data and old.headers["Cache-Control"] == "no-cache"
    # init.js imports GOV.UK Frontend by its fingerprinted name, so a new release changes init.js's URL too
    new_init = one(after, rf"/static/init\.{HASHED}\.js")
    assert new_init != init_js
    imported = re.search(r'from "(/assets/[^"]+)"', client.get(new_init).get_data(as_text=True))[1]
    assert b"a new release" in client.get(imported).data


def test_a_changed_file_of_the_apps_own_gets_a_new_url(app, client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(Path(app.static_folder), static)
    app.static_folder = str(static)
    css = one(page_assets(client), rf"/static/build/cspr\.{HASHED}\.css")
    (static / "build/cspr.css").write_text((static / "build/cspr.css").read_text() + ".cspr-new{color:red}")
    new_css = one(page_assets(client), rf"/static/build/cspr\.{HASHED}\.css")
    assert new_css != css and b".cspr-new" in client.get(new_css).data


def assets_dir_for(app) -> Path:
    with app.app_context():
        return assets_dir()
