"""Figures tests measure (probes run, leaks found, fuzz cases), printed at the end of the run."""

from __future__ import annotations

import json
from pathlib import Path

FIGURES: list[str] = []
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def report(line: str, artifact: str | None = None, data: dict | None = None) -> None:
    """Keep a figure for the run's summary (and write its data to test-artifacts/<artifact>)."""
    FIGURES.append(line)
    if artifact and data is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / artifact).write_text(json.dumps(data, indent=2, sort_keys=True))
