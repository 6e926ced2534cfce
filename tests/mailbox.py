"""A real SMTP server (aiosmtpd) the tests start, with the messages it received."""

from __future__ import annotations

import email
import socket
import time
from email.message import Message

from aiosmtpd.controller import Controller


class Mailbox:
    """Collects every message delivered to the server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = 0  # refuse this many messages (451), then accept
        self.reject = False  # reject every message for good (550)
        self.delay = 0.0  # seconds to take over each recipient (before the message is accepted)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reject:
            return "550 Mailbox unavailable"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        """The idempotency key of every message received, in order."""
        return [m["X-CSPR-Idempotency-Key"] for m in self.messages]

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[Message]:
        """Wait until ``count`` messages arrived."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp() -> tuple[Controller, Mailbox, int]:
    """Start an SMTP server on a free port."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, box, port
