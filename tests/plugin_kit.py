"""Small plugins built in tests: a valid one to start from, and ways to break it."""

from __future__ import annotations

from typing import Any

from cspr import hookimpl


class Minimal:
    """A valid partnership plugin with only the required hooks."""

    def __init__(self, slug: str = "riverside", name: str = "Riverside Safeguarding Partnership") -> None:
        self.slug = slug
        self.name = name

    @hookimpl
    def cspr_partnership(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "name": self.name, "short_name": "RSCP",
            "areas": ["Riverside"], "contact": {"email": "team@riverside.example.org"},
        }

    @hookimpl
    def cspr_partners(self) -> dict[str, Any]:
        return {
            "safeguarding_partners": [
                {"key": "council", "name": "Riverside Council", "type": "local_authority"},
                {"key": "icb", "name": "NHS Riverside ICB", "type": "health"},
                {"key": "police", "name": "Riverside Police", "type": "police"},
            ],
            "relevant_agencies": [
                {"key": "schools", "name": "Riverside schools", "type": "relevant_agency"},
            ],
        }


def plugin_with(base: Minimal | None = None, **hooks: Any) -> Minimal:
    """A Minimal plugin with extra hook implementations (functions taking the hook's args)."""
    plugin = base or Minimal()
    for name, func in hooks.items():
        setattr(plugin, name, hookimpl(func))
    return plugin
