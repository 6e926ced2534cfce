"""Tenant scoping in one place: every ORM query sees only the session's partnership.

A session is put in a partnership's context with :func:`acting_for`. From then on
every ORM SELECT, UPDATE and DELETE touching a tenant-owned model is given
``partnership_id = <that partnership>`` by a session hook, and every new
tenant-owned row is stamped with it. A session in no partnership's context sees
no tenant rows at all (it fails closed). Work that must cross partnerships (the
clock's sweeps) says so explicitly with :func:`across_partnerships`, with a reason,
and each use is recorded in ``cross_partnership_access`` (a block that may find nothing to
do, the deadline sweep's, is recorded by its first statement that may read case data).

Two narrow, read-only lookups need no partnership and no cross-partnership access:
:func:`looking_up` (a user's own memberships, a presented token) and
:func:`public_view` (published reviews of every partnership).

On PostgreSQL the same context is also set in the database, local to each
transaction (``set_config(..., true)``), where row-level security enforces it as a
backstop (see :mod:`cspr.db.rls`); nothing survives into the next user of a pooled
connection.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Subquery, column, event, false, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from cspr.db.base import TenantOwned

log = logging.getLogger(__name__)

KEY = "cspr.partnership_id"
LOOKUP = "cspr.lookup"
_ALL = "*all*"
_APPLIED = "cspr.rls_applied"  # the settings the transaction's connection has now (PostgreSQL)
_ACTIVE = "cspr.rls_active"  # a PostgreSQL transaction is open on a connection
_NO_WAIT = "cspr.no_wait"  # the session's transactions commit without waiting for the disk
_PENDING = "cspr.access_pending"  # (actor, reason) of a cross-partnership block not recorded yet
_EXPECTED = "cspr.expected_slug"  # the partnership a request will act for once its member is known
_FOUND = "cspr.expected_partnership_id"  # its id, as the request's first statement found it
_CARRIED = "cspr.rls_carried"  # the settings the transaction's first statement sets itself

#: Execution options of a statement that reads no case data (counts, ids, the partnerships' own
#: settings, a heartbeat): in a block recorded on its first read of case data, it records nothing.
NO_CASE_DATA = {"cspr_no_case_data": True}

_SET_SQL = text(
    "SELECT set_config('cspr.partnership_id', :pid, true), set_config('cspr.all_partnerships', :all, true),"
    " set_config('cspr.user_id', :uid, true), set_config('cspr.token_hash', :token, true),"
    " set_config('cspr.public', :public, true),"
    # a transaction that asked not to wait for the disk at commit (without_waiting_for_disk)
    " set_config('synchronous_commit',"
    " CASE WHEN :sync = 'off' THEN 'off' ELSE current_setting('synchronous_commit') END, true)"
)


#: The same settings as a one-row subquery, for a statement that carries them in its FROM
#: (carrying_settings): the partnership's setting in a column of its own, the others in one.
_CARRY_SQL = (
    "SELECT set_config('cspr.partnership_id', {pid}, true) AS cspr_partnership_id, concat_ws(',', "
    + _SET_SQL.text.split("true), ", 1)[1] + ") AS cspr_settings"
)
#: The partnership's id found from its slug (the partnerships table is no tenant's: no row-level security).
_BY_SLUG = "coalesce((SELECT p.id::text FROM partnerships p WHERE p.slug = :cspr_slug), '')"


class TenancyError(Exception):
    """A write would cross from one partnership into another."""


@dataclass(frozen=True)
class Lookup:
    """What a session outside any partnership may read: one user's memberships, one token, public reviews."""

    user_id: int | None = None
    token_hash: str | None = None
    public: bool = False


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
        if isinstance(obj, TenantOwned) and obj in session:  # a cascade may have expunged it already
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
def across_partnerships(session: Session, reason: str, actor: str = "system", *,
                        on_first_read: bool = False) -> Iterator[Session]:
    """See every partnership's rows: only for the platform's own clock work. Logged and recorded.

    The record goes in the caller's transaction, so it commits with the work it explains. With
    ``on_first_read`` it is written by the block's first statement not marked
    :data:`NO_CASE_DATA` (any ORM or SQL statement run through the session, before it runs), and
    not at all if there is none: a sweep whose counts-only query finds no work reads no case data
    and leaves no record (:func:`access_recorded` says which it was).
    """
    if not reason:
        raise TenancyError("a cross-partnership session needs a reason")
    previous = session.info.get(KEY)
    log.info("cross-partnership access", extra={"reason": reason, "actor": actor})
    session.flush()
    if on_first_read:
        session.info[_PENDING] = (actor[:200], reason[:200])
    else:
        _record(session, actor[:200], reason[:200])
    session.info[KEY] = _ALL
    try:
        yield session
    finally:
        session.flush()
        _forget_tenant_rows(session)
        session.info[KEY] = previous
        session.info.pop(_PENDING, None)


def _record(session: Session, actor: str, reason: str) -> None:
    from cspr.audit.models import CrossPartnershipAccess

    session.info.pop(_PENDING, None)
    session.add(CrossPartnershipAccess(actor=actor, reason=reason))


def access_recorded(session: Session) -> bool:
    """Whether the cross-partnership block the session is in has written its access record."""
    return session.info.get(KEY) == _ALL and _PENDING not in session.info


@contextmanager
def without_waiting_for_disk(session: Session) -> Iterator[Session]:
    """Commit the block's transactions without waiting for the disk (PostgreSQL).

    ``synchronous_commit off``, set with the tenancy settings (no extra statement): a commit is
    at once visible and survives the process that made it, but a crash of the database server
    itself may lose the last fraction of a second of such commits. Only for writes that can be
    done again safely (the relay's record of a message sent); never for the audit trail.
    """
    previous = session.info.get(_NO_WAIT)
    session.info[_NO_WAIT] = True
    try:
        yield session
    finally:
        session.info[_NO_WAIT] = previous


@contextmanager
def _narrow(session: Session, lookup: Lookup) -> Iterator[Session]:
    previous, previous_lookup = session.info.get(KEY), session.info.get(LOOKUP)
    session.flush()
    _forget_tenant_rows(session)
    session.info[KEY], session.info[LOOKUP] = None, lookup
    try:
        yield session
    finally:
        _forget_tenant_rows(session)
        session.info[KEY], session.info[LOOKUP] = previous, previous_lookup


def looking_up(session: Session, *, user_id: int | None = None,
               token_hash: str | None = None) -> AbstractContextManager[Session]:
    """Read, outside any partnership, only ``user_id``'s memberships and the token with ``token_hash``."""
    return _narrow(session, Lookup(user_id=user_id, token_hash=token_hash))


def public_view(session: Session) -> AbstractContextManager[Session]:
    """Read, outside any partnership, only the reviews on a public page (published, not archived)."""
    return _narrow(session, Lookup(public=True))


def _lookup_criteria(cls: type, lookup: Lookup):  # noqa: ANN202
    from cspr.accounts.models import ApiToken, Membership
    from cspr.reviews.models import Review

    if cls is Membership and lookup.user_id is not None:
        return Membership.user_id == lookup.user_id
    if cls is ApiToken and lookup.token_hash is not None:
        return ApiToken.token_hash == lookup.token_hash
    if cls is Review and lookup.public:
        return Review.published_on.is_not(None) & Review.archived_on.is_(None)
    return false()


def _tenant_classes() -> list[type]:
    from cspr.db.models import Base

    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)]


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    _sync(state.session)
    pending = state.session.info.get(_PENDING)
    if pending is not None and not state.execution_options.get("cspr_no_case_data"):
        _record(state.session, *pending)  # before the statement runs: it may read case data
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria travel from the parent query
    if not (state.is_select or state.is_update or state.is_delete):
        return
    pid = state.session.info.get(KEY)
    if pid == _ALL:
        return
    lookup = state.session.info.get(LOOKUP)
    if pid is None and lookup is not None:
        state.statement = state.statement.options(*[
            with_loader_criteria(cls, _lookup_criteria(cls, lookup), include_aliases=True)
            for cls in _tenant_classes()])
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
    _sync(session)
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


# -- the database's copy of the context (PostgreSQL row-level security) ----------------
def database_settings(session: Session) -> dict[str, str]:
    """The values of the ``cspr.*`` settings that row-level security reads, for this session's context."""
    pid = session.info.get(KEY)
    lookup = session.info.get(LOOKUP) if pid is None else None
    lookup = lookup or Lookup()
    return {
        "pid": str(pid) if isinstance(pid, int) else "",
        "all": "on" if pid == _ALL else "",
        "uid": str(lookup.user_id) if lookup.user_id is not None else "",
        "token": lookup.token_hash or "",
        "public": "on" if lookup.public else "",
        "sync": "off" if session.info.get(_NO_WAIT) else "",
    }


def expect_partnership(session: Session, slug: str) -> None:
    """Say which partnership the session will act for (a staff page's), before its member is checked.

    Nothing is scoped by it: the session stays in its present context until :func:`set_partnership`.
    It only lets the transaction's first statement find that partnership's id and set its settings
    in the database (:func:`carrying_settings`), so that acting for it costs no statement of its own.
    """
    session.info[_EXPECTED] = slug
    session.info.pop(_FOUND, None)


def expected_partnership_id(session: Session) -> int | None:
    """The id of the partnership :func:`expect_partnership` named, if the first statement found it."""
    return session.info.get(_FOUND)


@functools.cache
def carry_clause(by_slug: bool) -> Subquery:
    """The one-row subquery that sets the settings (made once; its values are the statement's parameters)."""
    sql = _CARRY_SQL.format(pid=_BY_SLUG if by_slug else ":cspr_pid")
    for key in ("all", "uid", "token", "public", "sync"):
        sql = sql.replace(f":{key}", f":cspr_{key}")
    columns = column("cspr_partnership_id"), column("cspr_settings")
    return text(sql).columns(*columns).subquery("cspr_settings")


class Carried:
    """The tenancy settings a transaction's first statement sets.

    Put :attr:`clause` (:func:`carry_clause` of :attr:`by_slug`) in the statement's FROM and its
    columns among the statement's, run it with :attr:`params`, and hand its result row to :meth:`took`.
    """

    def __init__(self, session: Session, values: dict[str, str], by_slug: bool) -> None:
        self.session, self.values, self.by_slug = session, values, by_slug
        self.clause = carry_clause(by_slug)
        self.params = {f"cspr_{k}": v for k, v in values.items() if k != "pid"}
        self.params.update({"cspr_slug": session.info[_EXPECTED]} if by_slug else {"cspr_pid": values["pid"]})

    def took(self, row: Any) -> None:
        """The statement ran: note the partnership's setting it made (the id found from the slug)."""
        info = self.session.info
        if info.get(_APPLIED) is not self.values:
            return  # the transaction did not begin with this statement: it carried nothing
        pid = row.cspr_partnership_id or ""
        info[_APPLIED] = {**self.values, "pid": pid}
        if _EXPECTED in info and self.values["pid"] == _FROM_SLUG:
            info[_FOUND] = int(pid) if pid else None


_FROM_SLUG = "<from the slug>"  # not any partnership's id: matches no session's settings until found


@contextmanager
def carrying_settings(session: Session) -> Iterator[Carried | None]:
    """The tenancy settings for the transaction's first statement to set itself (:class:`Carried`).

    For a statement that reads no tenant table (a staff session and its user): the transaction then
    needs no ``set_config`` statement of its own. The settings are those of the partnership
    :func:`expect_partnership` named (its id found from its slug in the same statement), or the
    session's own. None (carry nothing) when a transaction is already open, when there is nothing to
    set, or off PostgreSQL. Should the session act otherwise afterwards, its next statement sets the
    settings it has then, as always.
    """
    by_slug = (_EXPECTED in session.info and session.info.get(KEY) is None
               and session.info.get(LOOKUP) is None)
    values = ({**_EMPTY, "pid": _FROM_SLUG, "sync": "off" if session.info.get(_NO_WAIT) else ""}
              if by_slug else database_settings(session))
    if (session.info.get(_ACTIVE) or session.in_transaction() or values == _EMPTY
            or session.get_bind().dialect.name != "postgresql"):
        yield None
        return
    session.info[_CARRIED] = values
    try:
        yield Carried(session, values, by_slug)
    finally:
        session.info.pop(_CARRIED, None)


def _apply(session: Session, connection: Connection) -> None:
    values = database_settings(session)
    connection.execute(_SET_SQL, values)
    session.info[_APPLIED] = values


def _sync(session: Session) -> None:
    """Bring the open transaction's settings in line with the session's context (one statement)."""
    if session.info.get(_ACTIVE) and session.info.get(_APPLIED) != database_settings(session):
        _apply(session, session.connection())


_EMPTY = {"pid": "", "all": "", "uid": "", "token": "", "public": "", "sync": ""}


@event.listens_for(Session, "after_begin")
def _begin(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    if transaction.nested and session.info.get(_ACTIVE):
        return  # a savepoint inherits the transaction's settings
    session.info[_ACTIVE] = True
    carried = session.info.pop(_CARRIED, None)
    if carried is not None:
        session.info[_APPLIED] = carried  # the statement about to run sets them all (carrying_settings)
        return
    if isinstance(session.bind, Connection):
        _apply(session, connection)  # joined a transaction someone else began: set everything
        return
    # A new transaction starts with every cspr.* setting empty (they are local to a transaction),
    # so a session in no context needs no statement; otherwise set them now.
    session.info[_APPLIED] = _EMPTY
    if database_settings(session) != _EMPTY:
        _apply(session, connection)


@event.listens_for(Session, "after_transaction_end")
def _end(session: Session, transaction: SessionTransaction) -> None:
    if not session.info.get(_ACTIVE):
        return
    if transaction.parent is None:
        session.info.pop(_ACTIVE, None)  # the settings ended with the transaction
        session.info.pop(_APPLIED, None)
    elif transaction.nested:
        session.info.pop(_APPLIED, None)  # a rolled-back savepoint may have undone a change: set again
