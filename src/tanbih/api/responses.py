"""``/api/v1/responses``: requests to respond, their answers, the coordinator's override, and
the capabilities partners switch on and off.

Partner-token authenticated. A partner answers only the requests sent to it; only the
coordinator reassigns. What a partner reads of a case follows the sharing matrix as the
notices do (:func:`~tanbih.domain.response_outcome.response_notices`): the coordinator sees
the whole case; the partner asked sees its request; any other partner sees where the response
stands, and who responds only if the matrix lets it know; a partner the matrix tells nothing
does not see the case at all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from tanbih.api.auth import CurrentNode, CurrentPartner
from tanbih.api.problems import PROBLEM_JSON, PROBLEM_RESPONSES, PROBLEM_SCHEMA, ApiProblem
from tanbih.domain.coalition import Partner, Role
from tanbih.domain.releasability import Level
from tanbih.domain.response import SwitchRefusal
from tanbih.domain.response_assignment import DeclineReason, Event, Refusal, RefusalReason
from tanbih.domain.response_case import ResponseCase
from tanbih.domain.response_outcome import response_notices
from tanbih.node import Node
from tanbih.pipeline.respond import CapabilityState, Moved, NoCase

router = APIRouter(prefix="/api/v1/responses", tags=["response"])

_NOTE_CHARS = 500
_STATUS_OF_REFUSAL = {
    RefusalReason.NOT_ASKED: 403,
    RefusalReason.NOT_COORDINATOR: 403,
    RefusalReason.NOT_A_PARTY: 422,
    RefusalReason.NON_RESPONDER: 422,
}
_RESPONSES: dict[int | str, dict[str, object]] = {
    **PROBLEM_RESPONSES,
    **{
        status: {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status, description in {
            403: "Not the partner asked, or not the coordinator.",
            404: "No response case for that threat that the partner may see.",
            409: "The case does not await this move (already answered, unassigned, stood down).",
        }.items()
    },
}


class RequestView(BaseModel):
    """The request to respond now out: to whom, since when, answer due by when."""

    partner: str
    requested_at: str
    due_at: str


class StepView(BaseModel):
    """One move of the case: the rule applied, whose answer or silence, whom it asked."""

    rule: str
    at: str
    partner: str | None
    asked: str | None
    reason: str | None
    note: str | None

    @classmethod
    def of(cls, event: Event) -> StepView:
        """The view of one history entry."""
        return cls(
            rule=event.rule.value,
            at=event.at.isoformat(),
            partner=event.partner_id,
            asked=event.asked,
            reason=event.reason.value if event.reason else None,
            note=event.note,
        )


class ResponseView(BaseModel):
    """A threat's response case as the calling partner may see it."""

    threat: str
    state: str = Field(description="requested, accepted, unassigned or stood_down")
    status: str = Field(description="the CAP status of the threat's traffic (Exercise...)")
    level: str = Field(description="what the caller may see: full, zones_only, via_coordinator")
    zones: list[str]
    stage: str
    warning: str | None = Field(
        description="the id by which the caller knows the threat's latest warning message "
        "(its copy id below full); null when the warning is withheld from the caller"
    )
    responder: str | None = Field(description="who responds, if accepted and the caller may know")
    request: RequestView | None = Field(
        description="the request now out: to the coordinator and to the partner asked only"
    )
    threat_class: str | None = None
    waiting: list[str] | None = Field(None, description="candidates not yet asked (coordinator)")
    history: list[StepView] | None = Field(None, description="every move (coordinator)")


class Decline(BaseModel):
    """Why the partner declines."""

    model_config = ConfigDict(strict=True, extra="forbid")

    # An enum is matched by its value, as JSON carries it.
    reason: DeclineReason = Field(strict=False)
    note: str | None = Field(None, max_length=_NOTE_CHARS)


class Reassign(BaseModel):
    """The partner the coordinator asks instead."""

    model_config = ConfigDict(strict=True, extra="forbid")

    partner: str = Field(min_length=1, max_length=64)


class Switch(BaseModel):
    """A capability switched on (available) or off."""

    model_config = ConfigDict(strict=True, extra="forbid")

    available: bool


class CapabilityView(BaseModel):
    """A declared capability and whether it is available now."""

    partner: str
    name: str
    threats: list[str]
    range_km: float
    available: bool

    @classmethod
    def of(cls, state: CapabilityState) -> CapabilityView:
        """The view of a capability's state."""
        capability = state.capability
        return cls(
            partner=capability.partner_id,
            name=capability.name,
            threats=sorted(t.value for t in capability.threat_classes),
            range_km=capability.range_km,
            available=state.available,
        )


@router.get(
    "/capabilities",
    response_model=list[CapabilityView],
    responses=PROBLEM_RESPONSES,
    summary="The partner's capabilities and their availability (the coordinator: everyone's)",
)
async def capabilities(node: CurrentNode, partner: CurrentPartner) -> list[CapabilityView]:
    """Declared capabilities with the availability switched at run time."""
    of = None if partner.role is Role.COORDINATOR else partner.id
    return [CapabilityView.of(state) for state in await node.responder.capabilities(of)]


@router.put(
    "/capabilities/{partner_id}/{name}",
    response_model=CapabilityView,
    responses={
        **PROBLEM_RESPONSES,
        404: {
            "description": "The partner declares no such capability.",
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        },
    },
    summary="Switch one of the partner's own capabilities on or off (audited)",
)
async def switch_capability(
    partner_id: str, name: str, body: Switch, node: CurrentNode, partner: CurrentPartner
) -> CapabilityView:
    """Make a capability available or not to the ranking of responders, from now on."""
    if partner_id != partner.id:
        raise ApiProblem(
            403,
            "forbidden",
            "Forbidden",
            f"partner {partner.id!r} may switch only its own capabilities, not {partner_id!r}'s",
        )
    switched = await node.responder.switch(partner.id, name, body.available, by=partner.id)
    if isinstance(switched, SwitchRefusal):
        raise ApiProblem(
            404,
            "not-found",
            "Not found",
            f"partner {partner.id!r} declares no capability {name!r} in the agreement",
        )
    return CapabilityView.of(switched)


@router.get(
    "",
    response_model=list[ResponseView],
    responses=PROBLEM_RESPONSES,
    summary="Response cases the partner may see, newest first",
)
async def list_cases(
    node: CurrentNode,
    partner: CurrentPartner,
    open_only: Annotated[
        bool, Query(alias="open", description="only cases awaiting an answer")
    ] = False,
) -> list[ResponseView]:
    """The cases visible to the partner (see the module's rules)."""
    cases = await node.responder.cases(open_only=open_only)
    views = [await _view(node, case, partner) for case in cases]
    return [view for view in views if view is not None]


@router.get(
    "/{threat_id}",
    response_model=ResponseView,
    responses=_RESPONSES,
    summary="One threat's response case as the partner may see it",
)
async def get_case(threat_id: str, node: CurrentNode, partner: CurrentPartner) -> ResponseView:
    """The case of ``threat_id``."""
    case = await node.responder.case(threat_id)
    view = None if case is None else await _view(node, case, partner)
    if view is None:
        raise _not_found(threat_id)
    return view


@router.post(
    "/{threat_id}/accept",
    response_model=ResponseView,
    responses=_RESPONSES,
    summary="Accept the request to respond sent to the partner",
)
async def accept(threat_id: str, node: CurrentNode, partner: CurrentPartner) -> ResponseView:
    """The partner's forces respond to the threat."""
    return await _answer(node, partner, await node.responder.accept(threat_id, partner.id))


@router.post(
    "/{threat_id}/decline",
    response_model=ResponseView,
    responses=_RESPONSES,
    summary="Decline the request to respond sent to the partner, saying why",
)
async def decline(
    threat_id: str, body: Annotated[Decline, Body()], node: CurrentNode, partner: CurrentPartner
) -> ResponseView:
    """The next candidate is asked, if any is left."""
    moved = await node.responder.decline(threat_id, partner.id, body.reason, body.note)
    return await _answer(node, partner, moved)


@router.post(
    "/{threat_id}/reassign",
    response_model=ResponseView,
    responses=_RESPONSES,
    summary="The coordinator asks another partner to respond (override)",
)
async def reassign(
    threat_id: str, body: Annotated[Reassign, Body()], node: CurrentNode, partner: CurrentPartner
) -> ResponseView:
    """Whatever the ranking said and whoever held the threat, ``partner`` is asked now."""
    if partner.role is not Role.COORDINATOR:
        raise ApiProblem(
            403, "forbidden", "Forbidden", f"only the coordinator reassigns, not {partner.id!r}"
        )
    return await _answer(
        node, partner, await node.responder.reassign(threat_id, partner.id, body.partner)
    )


async def _answer(node: Node, partner: Partner, moved: Moved) -> ResponseView:
    if isinstance(moved, NoCase):
        raise _not_found(moved.threat_id)
    if isinstance(moved, Refusal):
        status = _STATUS_OF_REFUSAL.get(moved.reason, 409)
        raise ApiProblem(status, moved.reason.value.replace("_", "-"), "Refused", moved.detail)
    view = await _view(node, moved, partner)
    if view is None:
        raise _not_found(moved.threat_id)
    return view


async def _warning_id(node: Node, case: ResponseCase, partner: Partner) -> str | None:
    """The id by which ``partner`` knows the case's warning; ``None`` if it is withheld."""
    record = await node.store.get(case.warned.alert_id)
    if record is None:
        return None
    level = node.releasability.level_of(record, partner.id)
    return None if level is Level.NONE else node.releasability.known_id(record, level)


def _not_found(threat_id: str) -> ApiProblem:
    return ApiProblem(404, "not-found", "Not found", f"no response case for threat {threat_id!r}")


async def _view(node: Node, case: ResponseCase, partner: Partner) -> ResponseView | None:
    """``case`` as ``partner`` may see it; ``None`` when it may see nothing of it."""
    assignment, request = case.assignment, case.assignment.request
    coordinator = partner.role is Role.COORDINATOR
    asked = request is not None and request.partner_id == partner.id
    notices = response_notices(node.responder.agreement, case.threat, assignment, [partner.id])
    notice = notices.get(partner.id)
    if notice is None and not (coordinator or asked):
        return None
    level = notice.level.value if notice is not None else "zones_only"
    responder = notice.responder if notice is not None else None
    request_view = None
    if request is not None and (coordinator or asked):
        request_view = RequestView(
            partner=request.partner_id,
            requested_at=request.requested_at.isoformat(),
            due_at=request.due_at.isoformat(),
        )
    return ResponseView(
        threat=case.threat_id,
        state=assignment.state.value,
        status=case.threat.status.value,
        level=level,
        zones=list(case.warned.zones),
        stage=case.warned.stage.name.lower(),
        warning=await _warning_id(node, case, partner),
        responder=assignment.responder if coordinator else responder,
        request=request_view,
        threat_class=case.threat.threat_class.value if coordinator or asked else None,
        waiting=list(assignment.waiting) if coordinator else None,
        history=[StepView.of(e) for e in assignment.history] if coordinator else None,
    )
