"""Whether the platform's messages reach anyone: a mail server (or GOV.UK Notify), and a demo's guard."""

from __future__ import annotations

from typing import Any


def mail_state(config: dict[str, Any], channel: str = "email") -> dict[str, Any]:
    """How a partnership's messages go out and whether they can reach anyone.

    ``delivers`` is False when e-mail is the channel and no mail server is set: messages are then
    only written to the log (development) or fail (production). ``demo_only``: a demo's guard
    lets only the reserved example domains through.
    """
    demo_only = bool(config.get("MAIL_EXAMPLE_DOMAINS_ONLY"))
    if channel == "notify":
        return {"delivers": True, "how": "GOV.UK Notify", "demo_only": demo_only}
    return {"delivers": bool(config.get("MAIL_SERVER")), "how": "e-mail", "demo_only": demo_only}
