"""What a lifecycle service says when it refuses: bad input, a step out of order, nothing there."""

from __future__ import annotations


class WorkflowError(Exception):
    """A refusal; nothing was written."""


class InputError(WorkflowError):
    """Values that cannot be right: field name -> message (an API answers 422)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StepError(WorkflowError):
    """A step taken out of order: the message names what must happen first (409)."""


class KeptRefusal(StepError):
    """A step refused with a record worth keeping.

    The caller commits what the service wrote before refusing (its audit event, a delay's reason
    for the figures); nothing else was written.
    """


class NotFound(WorkflowError):
    """No such record in this partnership (404)."""
