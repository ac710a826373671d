"""Response cases and capability availability: the memory store, and SQL on SQLite and
PostgreSQL, to one contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from tanbih.adapters.memory_store import MemoryStore
from tanbih.adapters.store import open_store
from tanbih.domain.audit_walk import verify_chain
from tanbih.domain.cap import Status
from tanbih.domain.lifecycle import Stage
from tanbih.domain.records import Event
from tanbih.domain.response import ThreatToMeet
from tanbih.domain.response_assignment import (
    Assignment,
    AssignmentState,
    DeclineReason,
    Request,
    Rule,
)
from tanbih.domain.response_assignment import (
    Event as Move,
)
from tanbih.domain.response_case import ResponseCase, Warned
from tanbih.domain.threat import ThreatClass
from tanbih.ports import RespondStore

T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
TIMEOUT = timedelta(seconds=60)


def asked(threat_id: str, partner_id: str, at: datetime = T0) -> ResponseCase:
    """A case whose first candidate, ``partner_id``, was just asked."""
    assignment = Assignment(
        threat_id,
        AssignmentState.REQUESTED,
        TIMEOUT,
        waiting=("sa", "il"),
        request=Request(partner_id, at, at + TIMEOUT),
        history=(Move(Rule.ASK_FIRST_RANKED, at, asked=partner_id),),
    )
    threat = ThreatToMeet(ThreatClass.UAV, Status.EXERCISE, frozenset({"il", "jo"}))
    warned = Warned("a" * 24, ("jo-territory", "sa-territory.1"), Stage.TAKE_SHELTER)
    return ResponseCase(threat, assignment, warned, at, f"thread-of-{threat_id}")


def logged(kind: str, subject: str, at: datetime = T0) -> Event:
    return Event(at, kind, subject, "jo", MappingProxyType({"rule": "x"}))


@pytest.fixture
async def store(backend_url: str | None) -> AsyncIterator[RespondStore]:
    """The memory store and the SQL store on each database, empty."""
    opened: RespondStore = MemoryStore() if backend_url is None else await open_store(backend_url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_case_reads_back_as_stored_with_its_audit_entry(store: RespondStore) -> None:
    """Every field survives the round trip; the audit entry is chained with it."""
    case = asked("t1", "jo")
    assert await store.open_case(case, [logged("response.requested", "t1")])
    assert await store.case("t1") == case
    assert [e.kind for e in await store.events()] == ["response.requested"]
    assert verify_chain(await store.audit_entries()).ok


async def test_a_threat_opens_one_case_only(store: RespondStore) -> None:
    """A second opening writes nothing, not even its audit entry."""
    assert await store.open_case(asked("t1", "jo"), [logged("response.requested", "t1")])
    assert not await store.open_case(asked("t1", "sa"), [logged("response.requested", "t1")])
    stored = await store.case("t1")
    assert stored is not None
    assert stored.assignment.request == Request("jo", T0, T0 + TIMEOUT)
    assert len(await store.events()) == 1


async def test_a_save_over_a_stale_revision_writes_nothing(store: RespondStore) -> None:
    """Of two saves from the same read, the second finds the case moved on."""
    case = asked("t1", "jo")
    await store.open_case(case, [])
    declined = replace(
        case.assignment,
        request=Request("sa", T0, T0 + TIMEOUT),
        waiting=("il",),
        history=(
            *case.assignment.history,
            Move(Rule.DECLINED_ASK_NEXT, T0, "jo", "sa", DeclineReason.OUT_OF_RANGE, "far"),
        ),
    )
    saved = await store.save_case(
        replace(case, assignment=declined), [logged("response.declined", "t1")]
    )
    assert saved is not None
    assert saved.revision == 1
    assert await store.case("t1") == saved
    stale = await store.save_case(case, [logged("response.accepted", "t1")])
    assert stale is None
    assert [e.kind for e in await store.events()] == ["response.declined"]


async def test_due_cases_are_the_requests_unanswered_at_their_due_time(store: RespondStore) -> None:
    """Only requested cases past due, earliest first; answered ones never come back."""
    await store.open_case(asked("t-late", "jo", T0), [])
    await store.open_case(asked("t-later", "jo", T0 + timedelta(seconds=30)), [])
    await store.open_case(asked("t-fresh", "jo", T0 + timedelta(seconds=90)), [])
    accepted = asked("t-accepted", "jo", T0)
    accepted = replace(
        accepted,
        assignment=replace(
            accepted.assignment, state=AssignmentState.ACCEPTED, request=None, responder="jo"
        ),
    )
    await store.open_case(accepted, [])
    due = await store.due_cases(T0 + timedelta(seconds=100))
    assert [c.threat_id for c in due] == ["t-late", "t-later"]
    assert [c.threat_id for c in await store.cases(open_only=True)] == [
        "t-fresh",
        "t-later",
        "t-late",
    ]


async def test_a_capability_switched_twice_keeps_the_last_state(store: RespondStore) -> None:
    """Switches are kept per (partner, capability), each with its audit entry."""
    assert await store.availability() == {}
    for available, minute in ((False, 1), (True, 2)):
        at = T0 + timedelta(minutes=minute)
        await store.switch_capability(
            "jo",
            "fighters",
            available,
            at=at,
            by="jo",
            audit=logged("response.availability_changed", "jo/fighters", at),
        )
    await store.switch_capability(
        "sa",
        "air_defence",
        False,
        at=T0,
        by="sa",
        audit=logged("response.availability_changed", "sa/air_defence"),
    )
    assert await store.availability() == {("jo", "fighters"): True, ("sa", "air_defence"): False}
    assert len(await store.events()) == 3
