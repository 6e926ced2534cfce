"""What waits on a message's delivery: listeners by idempotency-key prefix, run in the relay's commit.

A domain whose record must follow the outbox actually delivering (an NSPCC deposit is "sent" when
its e-mail is, not when it is queued) names a key prefix and a listener here. The relay calls
:func:`delivered` for each message it marks sent, inside the partnership's scope and before the
commit that records the delivery, so both are kept or neither is. A message whose key has no
listener costs one dictionary look-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy.orm import Session

from cspr.messaging.models import OutboxMessage

Listener = Callable[[Session, OutboxMessage], None]

#: The modules that register listeners (imported the first time a message is delivered).
LISTENER_MODULES = ("cspr.archive.sending",)

_listeners: dict[str, Listener] = {}
_loaded = False


def listen(prefix: str) -> Callable[[Listener], Listener]:
    """Register ``listener`` for delivered messages whose idempotency key is ``<prefix>:...``."""

    def register(listener: Listener) -> Listener:
        _listeners[prefix] = listener
        return listener

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in LISTENER_MODULES:
            importlib.import_module(name)
        _loaded = True


def waits_on(key: str) -> bool:
    """True if a listener waits on the delivery of the message with idempotency key ``key``."""
    _load()
    return key.split(":", 1)[0] in _listeners


def delivered(session: Session, message: OutboxMessage) -> None:
    """Run the listener of the message's key prefix, if there is one."""
    _load()
    prefix = message.idempotency_key.split(":", 1)[0]
    listener = _listeners.get(prefix)
    if listener is not None:
        listener(session, message)
