"""The audit log: a hash chain per partnership that shows any change, removal or reordering."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cspr import audit
from cspr.models import Partnership
from cspr.tenancy import TenancyError, acting_for


@pytest.fixture
def chain(session):
    p = Partnership(slug="alpha", name="Alpha Partnership", short_name="APSCP")
    q = Partnership(slug="beta", name="Beta Partnership", short_name="BPSCP")
    session.add_all([p, q])
    session.flush()
    with acting_for(session, p.id):
        for i in range(4):
            audit.record(session, "case.viewed", actor="user:1", object_type="incident",
                         object_id=i, detail={"i": i}, remote_addr="127.0.0.1")
    with acting_for(session, q.id):
        audit.record(session, "case.viewed", actor="user:2")
    return p, q


def test_an_untouched_chain_verifies(session, chain):
    p, q = chain
    for partnership in chain:
        with acting_for(session, partnership.id):
            assert audit.verify(session) == []
    with acting_for(session, q.id):
        (event,) = session.scalars(text("SELECT seq FROM audit_events WHERE partnership_id = :p"),
                                   {"p": q.id})
        assert event == 1  # each partnership has its own chain


def test_a_changed_event_is_detected(session, chain):
    p, _ = chain
    session.execute(text("UPDATE audit_events SET action = 'case.exported' "
                         "WHERE partnership_id = :p AND seq = 2"), {"p": p.id})
    with acting_for(session, p.id):
        problems = audit.verify(session)
    assert [(x.seq, x.reason) for x in problems] == [
        (2, "its content was changed after it was written")]


def test_a_removed_event_is_detected(session, chain):
    p, _ = chain
    session.execute(text("DELETE FROM audit_events WHERE partnership_id = :p AND seq = 3"),
                    {"p": p.id})
    with acting_for(session, p.id):
        problems = audit.verify(session)
    assert {x.seq for x in problems} == {4}


def test_reordered_events_are_detected(session, chain):
    p, _ = chain
    session.execute(text("UPDATE audit_events SET seq = -2 WHERE partnership_id = :p AND seq = 2"),
                    {"p": p.id})
    session.execute(text("UPDATE audit_events SET seq = 2 WHERE partnership_id = :p AND seq = 3"),
                    {"p": p.id})
    session.execute(text("UPDATE audit_events SET seq = 3 WHERE partnership_id = :p AND seq = -2"),
                    {"p": p.id})
    with acting_for(session, p.id):
        assert audit.verify(session)


def test_an_event_needs_a_partnership(session):
    with pytest.raises(TenancyError):
        audit.record(session, "x", actor="cli")
