"""Files beside the database follow its transaction: a replaced one goes on commit, a new one without it."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

WRITTEN = "cspr.files.written"
REPLACED = "cspr.files.replaced"


def written(session: Session, path: Path) -> None:
    """A file written for rows not yet committed: removed if the transaction rolls back."""
    session.info.setdefault(WRITTEN, []).append(path)


def remove_after_commit(session: Session, path: Path) -> None:
    """A file no row will refer to once this transaction commits: removed after the commit."""
    session.info.setdefault(REPLACED, []).append(path)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # the rows are right; a file left behind is only disk space
            log.warning("could not remove %s: %s", path, exc.strerror)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    _unlink(session.info.pop(REPLACED, []))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (rolled back or closed): its new files go."""
    if transaction.parent is not None:
        return
    session.info.pop(REPLACED, None)
    _unlink(session.info.pop(WRITTEN, []))
