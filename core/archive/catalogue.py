"""The NSPCC catalogue record of a deposit: what the repository files a report under, and the CSV of them.

The record has the report's title, partnership, authors, publisher, date of publication (as precise
as it is known), a summary of the case (the child's age band, sex, what happened, the month of the
incident: never the child's name, nor the pseudonym in anything public), the learning themes and the
recommendations. A report published anonymously through the NSPCC also carries a ``public_record``:
what the NSPCC may publish, with nothing that identifies the area or its case.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from cspr.archive.models import ArchiveDeposit
from cspr.cases.inputs import ABUSE_LABELS, AGE_LABELS, HARM_LABELS, SEX_LABELS
from cspr.reviews.inputs import FORM_LABELS, KIND_LABELS
from cspr.reviews.models import Review
from cspr.services import words
from cspr.services.worksheets import formula_safe

WITHHELD = "Withheld: published anonymously through the NSPCC"
NOT_RECORDED = "Not recorded"


def case_summary(review: Review) -> dict[str, Any]:
    """The child's age band, sex, what happened and when (month and year), from the review's incident."""
    incident = review.incident
    if incident is None:
        return {"age": None, "sex": None, "incident": None, "abuse": [], "incident_month": None}
    first = incident.children[0] if incident.children else None
    return {
        "age": AGE_LABELS.get(incident.age_band.value) if incident.age_band else None,
        "sex": SEX_LABELS.get(first.sex.value) if first is not None else None,
        "incident": HARM_LABELS.get(incident.harm.value) if incident.harm else None,
        "abuse": [ABUSE_LABELS.get(a, a) for a in (first.abuse if first is not None else [])],
        "incident_month": f"{incident.incident_on:%Y-%m}" if incident.incident_on else None,
    }


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """What the NSPCC may publish of a report deposited anonymously: nothing naming the area or its case."""
    case = dict(record["case"])
    month = case.pop("incident_month")
    case["incident_year"] = month[:4] if month else None
    return {
        "title": "A child safeguarding practice review published anonymously",
        "partnership": WITHHELD,
        "areas": WITHHELD,
        "authors": WITHHELD,
        "publisher": WITHHELD,
        "published_year": record["published_on"][:4] if record.get("published_on") else None,
        "kind": record["kind_words"],
        "case": case,
        "themes": record["themes"],
        "recommendations": [{"number": r["number"], "text": r["text"]} for r in record["recommendations"]],
    }


#: The catalogue export's columns: heading, and how each is read from a deposit's record.
COLUMNS: list[tuple[str, Any]] = [
    ("Title", lambda r, d: r["title"]),
    ("Partnership", lambda r, d: r["partnership"]["name"]),
    ("Areas", lambda r, d: ", ".join(r["partnership"].get("areas") or [])),
    ("Kind of review", lambda r, d: r.get("kind_words") or KIND_LABELS.get(r["kind"], r["kind"])),
    ("Authors", lambda r, d: ", ".join(r.get("authors") or []) or NOT_RECORDED),
    ("Publisher", lambda r, d: r.get("publisher") or NOT_RECORDED),
    ("Co-publisher", lambda r, d: r.get("co_publisher") or ""),
    ("Date of publication", lambda r, d: r.get("published_as_known") or r.get("published_on") or ""),
    ("How it was published", lambda r, d: FORM_LABELS.get(r.get("publication_form") or "full", "")),
    ("Published anonymously through the NSPCC", lambda r, d: "Yes" if r.get("publish_anonymously") else "No"),
    ("Child's age", lambda r, d: r["case"]["age"] or NOT_RECORDED),
    ("Child's sex", lambda r, d: r["case"]["sex"] or NOT_RECORDED),
    ("What happened", lambda r, d: r["case"]["incident"] or NOT_RECORDED),
    ("Abuse or neglect", lambda r, d: ", ".join(r["case"]["abuse"]) or NOT_RECORDED),
    ("Month of the incident", lambda r, d: _month(r["case"]["incident_month"])),
    ("Summary", lambda r, d: r.get("summary") or ""),
    ("Learning themes", lambda r, d: "; ".join(r.get("themes") or [])),
    ("Recommendations", lambda r, d: " ".join(f"{x['number']}. {x['text']}" for x in r["recommendations"])),
    ("Deposit status", lambda r, d: words.deposit_status(d.status.value)),
    ("Sent on", lambda r, d: f"{d.sent_at:%d/%m/%Y}" if d.sent_at else ""),
    ("Acknowledged on", lambda r, d: f"{d.acknowledged_on:%d/%m/%Y}" if d.acknowledged_on else ""),
    ("NSPCC copy number", lambda r, d: d.copy_number or ""),
    ("Package checksum (SHA-256)", lambda r, d: d.sha256),
]


def _month(iso: str | None) -> str:
    if not iso:
        return NOT_RECORDED
    return f"{dt.date.fromisoformat(iso + '-01'):%B %Y}"


def catalogue_csv(rows: list[tuple[ArchiveDeposit, dict[str, Any]]]) -> str:
    """Every deposit with the NSPCC as one CSV row of its catalogue record, in words."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for heading, _ in COLUMNS])
    for deposit, record in rows:
        writer.writerow([formula_safe(read(record, deposit)) for _, read in COLUMNS])
    return buffer.getvalue()
