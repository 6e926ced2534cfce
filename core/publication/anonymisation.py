"""The anonymisation guard: nothing goes public while an identifying term appears in it.

The admin gives the terms that identify this child and family (names, school, street).
Every text to be published (the report's pages, the summary, the briefings) is searched,
whole words, ignoring case; the places found are listed. The terms are never stored:
only keyed hashes, so an audit can show which check was run without revealing them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """An identifying term found in a text about to go public."""

    where: str  # e.g. "the report, page 3" or "the summary"
    term: str
    context: str


def parse_terms(raw: str) -> list[str]:
    """One term per line (or comma-separated), blanks dropped, shortest first removed if duplicated."""
    terms = [t.strip() for line in raw.splitlines() for t in line.split(",")]
    return sorted({t for t in terms if len(t) >= 2}, key=str.lower)


def find(terms: list[str], texts: dict[str, str]) -> list[Finding]:
    """Every place a term appears in the texts, as a whole word, ignoring case."""
    findings = []
    for term in terms:
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        for where, text in texts.items():
            for match in pattern.finditer(" ".join(text.split())):
                flat = " ".join(text.split())
                start, end = max(0, match.start() - 30), min(len(flat), match.end() + 30)
                findings.append(Finding(where, term, flat[start:end]))
    return findings


def fingerprints(terms: list[str], key: str) -> list[str]:
    """Keyed hashes of the terms: proof of what was checked, without the terms."""
    return [hmac.new(key.encode(), t.lower().encode(), hashlib.sha256).hexdigest()[:16] for t in terms]
