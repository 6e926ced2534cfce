"""Tenant scoping in one place: every ORM query sees only the session's partnership.

A session is put in a partnership's context with :func:`acting_for`. From then on
every ORM SELECT, UPDATE and DELETE touching a tenant-owned model is given
``partnership_id = <that partnership>`` by a session hook, and every new
tenant-owned row is stamped with it. A session in no partnership's context sees
no tenant rows at all (it fails closed). Work that must cross partnerships (the
clock's sweeps) says so explicitly with :func:`across_partnerships`, with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from cspr.models.base import TenantOwned

log = logging.getLogger(__name__)

KEY = "cspr.partnership_id"
_ALL = "*all*"


class TenancyError(Exception):
    """A write would cross from one partnership into another."""


def current_partnership_id(session: Session) -> int | None:
    """The partnership the session acts for, or None."""
    value = session.info.get(KEY)
    return value if isinstance(value, int) else None


def set_partnership(session: Session, partnership_id: int | None) -> None:
    """Put the session in one partnership's context (None: no partnership, sees nothing)."""
    previous = session.info.get(KEY)
    if previous != partnership_id:
        # Pending writes belong to the context they were made in; rows loaded for another
        # partnership must not be served from the identity map.
        session.flush()
        _forget_tenant_rows(session)
    session.info[KEY] = partnership_id


def _forget_tenant_rows(session: Session) -> None:
    for obj in list(session.identity_map.values()):
        if isinstance(obj, TenantOwned):
            session.expunge(obj)


@contextmanager
def acting_for(session: Session, partnership_id: int) -> Iterator[Session]:
    """Act for one partnership for the length of the block."""
    previous = session.info.get(KEY)
    set_partnership(session, partnership_id)
    try:
        yield session
    finally:
        set_partnership(session, previous)


@contextmanager
def across_partnerships(session: Session, reason: str) -> Iterator[Session]:
    """See every partnership's rows: only for the platform's own clock work. Logged."""
    if not reason:
        raise TenancyError("a cross-partnership session needs a reason")
    previous = session.info.get(KEY)
    log.info("cross-partnership access", extra={"reason": reason})
    session.flush()
    session.info[KEY] = _ALL
    try:
        yield session
    finally:
        session.flush()
        _forget_tenant_rows(session)
        session.info[KEY] = previous


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria travel from the parent query
    if not (state.is_select or state.is_update or state.is_delete):
        return
    pid = state.session.info.get(KEY)
    if pid == _ALL:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.partnership_id == pid if pid is not None else cls.partnership_id.is_(None),
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context, _instances) -> None:  # noqa: ANN001
    pid = session.info.get(KEY)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.partnership_id is None and obj.partnership is not None:
            obj.partnership_id = obj.partnership.id
        if pid == _ALL:
            if obj.partnership_id is None:
                raise TenancyError(f"{type(obj).__name__} has no partnership")
            continue
        if pid is None:
            raise TenancyError(
                f"cannot write {type(obj).__name__} outside a partnership's context"
            )
        if obj.partnership_id is None:
            obj.partnership_id = pid
        elif obj.partnership_id != pid:
            raise TenancyError(
                f"{type(obj).__name__} belongs to partnership {obj.partnership_id}, "
                f"not {pid}, the one this session acts for"
            )
