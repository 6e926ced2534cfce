"""The reserved example domains (RFC 2606, RFC 6761) a demo may e-mail, and nothing else."""

from __future__ import annotations

#: Second-level domains reserved for examples.
EXAMPLE_DOMAINS = frozenset({"example.org", "example.com", "example.net"})
#: Top-level domains reserved for examples, tests and invalid names.
EXAMPLE_TLDS = frozenset({"example", "test", "invalid", "localhost"})

DEMO_REFUSAL = ("Not sent: this demo e-mails only addresses at the reserved example domains "
                "(example.org, example.com, example.net, .example, .test, .invalid)")


def is_example_address(address: str) -> bool:
    """Whether the address is at a reserved example domain (``someone@police.example.org``: yes)."""
    domain = address.rsplit("@", 1)[-1].strip().rstrip(".").lower() if "@" in address else ""
    if not domain:
        return False
    labels = domain.split(".")
    return labels[-1] in EXAMPLE_TLDS or ".".join(labels[-2:]) in EXAMPLE_DOMAINS
