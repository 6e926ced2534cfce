"""Browser tests: the app served on a real port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CSPR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser tab; a screenshot is kept in test-artifacts/ if the test fails."""
    # bypass_csp lets the test inject axe-core; the app's own pages run under their CSP
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    yield tab
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    context.close()


def axe_violations(tab) -> list[dict]:
    """Serious and critical WCAG 2.2 AA violations on the page, by axe-core."""
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


#: Every rule set a page state must pass: WCAG 2.2 A and AA, and axe's best practices.
ALL_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_problems(tab) -> list[dict]:
    """Every axe-core violation of WCAG 2.2 AA or a best practice, whatever its impact."""
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                          ALL_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]


def sideways_scroll(tab) -> dict | None:
    """How far the page scrolls sideways (WCAG 1.4.10 Reflow), and the widest elements; None if it does not."""
    return tab.evaluate("""() => {
        const root = document.documentElement;
        if (root.scrollWidth <= root.clientWidth) return null;
        const wide = [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
            .filter(e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
                              if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
                           return true; })
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                      (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''));
        return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest: wide.slice(-5)};
    }""")


#: Codes that must never be shown where words belong: the platform's own keys, and any snake_case
#: word (``sent_to_panel_on``) in the text a person reads.
CODE_WORDS = ("local_cspr", "sent_to_panel", "rapid_review", "joint_dhr", "joint_sar", "terms_agreed",
              "serious_harm", "on_request")
SNAKE_CASE = r"\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\\b"


def codes_shown(tab) -> list[str]:
    """Codes in the page's visible text (not in links' addresses, hidden fields or e-mail addresses)."""
    return tab.evaluate("""([words, pattern]) => {
        const text = document.body.innerText.replace(/\\S+@\\S+/g, ' ');
        const found = new Set(text.match(new RegExp(pattern, 'g')) || []);
        for (const w of words) if (text.includes(w)) found.add(w);
        return [...found].sort();
    }""", [list(CODE_WORDS), SNAKE_CASE])


def page_problems(tab) -> dict:
    """Everything wrong with the page state the tab shows, by check; empty when it passes them all."""
    found = {"axe": axe_problems(tab), "sideways": sideways_scroll(tab), "codes": codes_shown(tab)}
    return {check: what for check, what in found.items() if what}


def at_both_widths(tab) -> dict:
    """The page state the tab shows, checked as it reflows to 320 CSS px and at 1280 (no reload)."""
    found = {}
    for width in (320, 1280):
        tab.set_viewport_size({"width": width, "height": 900})
        problems = page_problems(tab)
        if problems:
            found[width] = problems
    return found
