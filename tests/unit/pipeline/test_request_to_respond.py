"""The route stage of requests to respond: the partner addressed alone, by its routes and its
escalation policy (the demo coalition)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import REPO_ROOT

from tanbih.coalition import load_coalition
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import ChannelKind, Coalition
from tanbih.domain.lifecycle import Rule, Stage, thread_id_of
from tanbih.domain.records import AlertRecord
from tanbih.domain.response_request import request_message
from tanbih.pipeline.release import Releasability, relay_for
from tanbih.pipeline.request_to_respond import PlanRequest

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HUB = "hub@coord.example.org"


@pytest.fixture(scope="module")
def demo() -> Coalition:
    return load_coalition(REPO_ROOT / "examples" / "coalition" / "coalition.yaml")


def request_to(partner_id: str) -> tuple[Alert, AlertRecord]:
    """A request to ``partner_id`` about a warning for Jordan's zone, and its stored record."""
    area = Area("Jordan", geocodes=(NamedValue("tanbih:zone", "jo-territory"),))
    info = Info(
        categories=(Category.SECURITY,),
        event="Hostile UAV",
        urgency=Urgency.IMMEDIATE,
        severity=Severity.EXTREME,
        certainty=Certainty.OBSERVED,
        language="en",
        response_types=(ResponseType.SHELTER,),
        areas=(area,),
    )
    warning = Alert(
        f"{HUB}:t1:1", HUB, NOW, Status.ACTUAL, MsgType.ALERT, Scope.RESTRICTED, infos=(info,)
    )
    alert = request_message(
        warning,
        threat_id="t1",
        partner_id=partner_id,
        number=1,
        due_at=NOW + timedelta(seconds=60),
        now=NOW,
    )
    record = AlertRecord(
        key=alert.key,
        status=alert.status,
        msg_type=alert.msg_type,
        thread_id=thread_id_of(alert.key),
        stage=Stage.NONE,
        expires=None,
        received_at=NOW,
        partner_id="coord",
        xml=b"",
    )
    return alert, record


async def test_only_the_partner_addressed_is_told_and_escalated(demo: Coalition) -> None:
    """Jordan's duty officer on console and webhook (its 'threatened' route), its timer alone:
    not the hub, not Jordan's subscription to every warning, nobody else of the zones."""
    hub = demo.partner("coord")
    assert hub is not None
    alert, record = request_to("jo")
    plan = await PlanRequest(
        demo, Releasability(demo, relay_for(demo, b"s" * 32), lambda xml: xml)
    )(alert, record, Rule.ISSUE, hub, NOW)
    told = {(n.recipient.partner_id, n.recipient.channel.kind) for n in plan.notifications}
    assert told == {("jo", ChannelKind.CONSOLE), ("jo", ChannelKind.WEBHOOK)}
    assert all(n.alert_id == record.id for n in plan.notifications)
    [timer] = plan.timers
    assert (timer.partner_id, timer.thread_id, timer.started_at) == ("jo", record.thread_id, NOW)
    assert timer.next_due_at == NOW + timedelta(seconds=20)  # the default policy's first step


@pytest.mark.parametrize(
    ("rule", "scope"),
    [(Rule.UPDATE, Scope.PRIVATE), (Rule.ISSUE, Scope.RESTRICTED)],
    ids=["not-a-new-request", "not-private"],
)
async def test_anything_else_is_told_to_nobody(demo: Coalition, rule: Rule, scope: Scope) -> None:
    """The stage plans new private requests only."""
    hub = demo.partner("coord")
    assert hub is not None
    alert, record = request_to("jo")
    plan = await PlanRequest(
        demo, Releasability(demo, relay_for(demo, b"s" * 32), lambda xml: xml)
    )(replace(alert, scope=scope), record, rule, hub, NOW)
    assert (plan.notifications, plan.timers) == ((), ())
