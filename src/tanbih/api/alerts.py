"""``/api/v1/alerts``: post CAP messages, list and read them back.

Reads answer what the sharing matrix releases to the calling partner (:mod:`.released`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tanbih import cap
from tanbih.api.auth import CurrentNode, CurrentPartner
from tanbih.api.negotiation import (
    CAP_XML,
    Representation,
    body_representation,
    preferred_representation,
)
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem, from_cap_error
from tanbih.api.released import released_copy
from tanbih.domain.access import Act, denial
from tanbih.domain.cap import Alert, MsgType, Status
from tanbih.domain.records import AlertQuery, AlertRecord
from tanbih.domain.releasability import Level
from tanbih.errors import AccessDeniedError, CapError
from tanbih.node import Node
from tanbih.pipeline.accept import Accepted, AlreadyKnown, Outcome, Refused
from tanbih.pipeline.release import RecipientCopy, Releasability

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


class AlertSummary(BaseModel):
    """A stored CAP message as the node keeps it: identity, lifecycle place, provenance."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    identifier: str
    sender: str
    sent: str = Field(description="as CAP writes it, with the sender's time-zone offset")
    status: Status
    msg_type: MsgType = Field(alias="msgType")
    thread_id: str = Field(alias="threadId")
    stage: str
    expires: str | None
    received_at: str = Field(alias="receivedAt")
    partner: str
    href: str

    @classmethod
    def of(cls, record: AlertRecord) -> AlertSummary:
        """The summary of a stored record."""
        return cls(
            id=record.id,
            identifier=record.key.identifier,
            sender=record.key.sender,
            sent=record.key.sent.isoformat(),
            status=record.status,
            msg_type=record.msg_type,
            thread_id=record.thread_id,
            stage=record.stage.name.lower(),
            expires=None if record.expires is None else record.expires.isoformat(),
            received_at=record.received_at.isoformat(),
            partner=record.partner_id,
            href=f"{router.prefix}/{record.id}",
        )

    @classmethod
    def released(
        cls, releasability: Releasability, record: AlertRecord, partner_id: str
    ) -> AlertSummary | None:
        """The summary partner ``partner_id`` may read: of its copy, or ``None`` when it gets
        nothing."""
        level = releasability.level_of(record, partner_id)
        if level is Level.NONE:
            return None
        summary = cls.of(record)
        if level is Level.FULL:
            return summary
        key = releasability.copy_key(record, level)
        known_id = releasability.known_id(record, level)
        return summary.model_copy(
            update={
                "id": known_id,
                "href": f"{router.prefix}/{known_id}",
                "identifier": key.identifier,
                "sender": key.sender,
                "thread_id": releasability.copy_thread_id(record, level),
                "partner": releasability.copy_partner(record, level),
            }
        )


class PostResult(BaseModel):
    """What became of a posted message."""

    model_config = ConfigDict(populate_by_name=True)

    outcome: str = Field(description="`accepted`, or `duplicate` when it was stored before")
    rule: str | None = Field(description="the lifecycle rule applied (issue, update, cancel...)")
    alert: AlertSummary


_CAP_BODY = {
    "requestBody": {
        "required": True,
        "description": "One CAP 1.2 message, as XML or as its JSON mirror (docs/cap-profile.md).",
        "content": {
            CAP_XML: {"schema": {"type": "string", "format": "binary"}},
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/AlertJson"}},
        },
    }
}


_OUTCOME_LABELS: dict[type[Outcome], str] = {
    Accepted: "accepted",
    AlreadyKnown: "duplicate",
    Refused: "refused",
}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(len(body), limit)
    return bytes(body)


def _too_large(size: int, limit: int) -> ApiProblem:
    return ApiProblem(
        413,
        "payload-too-large",
        "Payload too large",
        f"the body has at least {size} bytes; this node accepts at most {limit}",
    )


def decode(body: bytes, representation: Representation, node: Node) -> tuple[Alert, bytes]:
    """The message and the exact CAP XML bytes to keep for it, its signature checked."""
    if representation is Representation.XML:
        document = cap.parse_document(body)
        verification = node.signatures.verify(document, node.clock.now())
        if not verification.accepted:
            raise verification.error()
        return document.alert, body
    if node.signatures.required:
        raise ApiProblem(
            422,
            "signature-required",
            "Signature required",
            "this coalition requires signed messages: post signed CAP XML, not JSON",
        )
    try:
        document_json = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(
            422, "invalid-json", "Invalid JSON", f"the body is not JSON: {exc}"
        ) from exc
    alert = cap.alert_from_json(document_json)
    return alert, cap.emit_xml(alert)


@router.post(
    "",
    status_code=201,
    response_model=PostResult,
    response_model_by_alias=True,
    openapi_extra=_CAP_BODY,
    responses={200: {"model": PostResult, "description": "Already stored."}, **PROBLEM_RESPONSES},
    summary="Post a CAP message (Alert, Update, Cancel, Ack, Error)",
)
async def post_alert(
    request: Request, response: Response, node: CurrentNode, partner: CurrentPartner
) -> PostResult:
    """Validate, authorise and durably store a CAP message before answering 201."""
    representation = body_representation(request.headers.get("content-type"))
    body = await read_body(request, node.settings.max_body_bytes)
    try:
        alert, xml = decode(body, representation, node)
    except CapError as exc:
        raise from_cap_error(exc) from exc
    outcome = await node.accept(alert, xml, partner)
    node.metrics.messages.labels(_OUTCOME_LABELS[type(outcome)]).inc()
    if isinstance(outcome, AlreadyKnown):
        record = await node.store.get(outcome.alert_id)
        if record is None:
            raise ApiProblem(409, "conflict", "Conflict", "the message is being stored; retry")
        response.status_code = 200
        return PostResult(outcome="duplicate", rule=None, alert=AlertSummary.of(record))
    if isinstance(outcome, Accepted):
        response.headers["Location"] = f"{router.prefix}/{outcome.record.id}"
        summary = AlertSummary.of(outcome.record)
        return PostResult(outcome="accepted", rule=outcome.rule.value, alert=summary)
    raise ApiProblem(
        409,
        f"lifecycle/{outcome.reason.value.replace('_', '-')}",
        "The message may not follow what it references",
        outcome.detail,
    )


@router.get(
    "",
    response_model=list[AlertSummary],
    response_model_by_alias=True,
    responses=PROBLEM_RESPONSES,
    summary="List stored CAP messages, newest first",
)
async def list_alerts(
    node: CurrentNode,
    partner: CurrentPartner,
    status: Status | None = None,
    msg_type: Annotated[MsgType | None, Query(alias="msgType")] = None,
    sender: str | None = None,
    thread_id: Annotated[str | None, Query(alias="threadId")] = None,
    sent_after: Annotated[datetime | None, Query(alias="sentAfter")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlertSummary]:
    """Stored messages matching the filters, as the partner's copies; withheld ones left out.

    ``sender`` and ``threadId`` match what the partner's copy says, so a filter cannot reveal
    what redaction removed.
    """
    _authorise(partner_denial=denial(partner, Act.READ_ALERTS))
    if sent_after is not None and sent_after.tzinfo is None:
        raise ApiProblem(
            422,
            "invalid-request",
            "Invalid request",
            "sentAfter needs a time-zone offset, as CAP times do",
        )
    query = AlertQuery(status, msg_type, sender, thread_id, sent_after, limit, offset)
    summaries = [
        AlertSummary.released(node.releasability, record, partner.id)
        for record in await node.store.search(query)
    ]
    return [
        summary
        for summary in summaries
        if summary is not None
        and sender in (None, summary.sender)
        and thread_id in (None, summary.thread_id)
    ]


@router.get(
    "/{alert_id}",
    response_model=None,
    responses={
        200: {
            "description": "The message: CAP XML (exact stored bytes) or JSON, by `Accept`.",
            "content": {
                CAP_XML: {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        },
        404: {"description": "No such message."},
        406: {"description": "Neither JSON nor CAP XML is acceptable."},
        **PROBLEM_RESPONSES,
    },
    summary="Read one CAP message",
)
async def get_alert(
    alert_id: str, request: Request, node: CurrentNode, partner: CurrentPartner
) -> Response:
    """The partner's copy of the message: the exact stored CAP XML bytes when it is released
    in full, else the redacted copy signed by this node; or JSON with its summary."""
    _authorise(partner_denial=denial(partner, Act.READ_ALERTS))
    representation = preferred_representation(request.headers.get("accept"))
    record, copy = await released_copy(node, alert_id, partner)
    if representation is Representation.XML:
        return Response(copy.xml, media_type=CAP_XML)
    return JSONResponse(released_json(node.releasability, record, copy, partner.id))


def released_json(
    releasability: Releasability, record: AlertRecord, copy: RecipientCopy, partner_id: str
) -> dict[str, object]:
    """``GET /api/v1/alerts/{id}`` as JSON for partner ``partner_id``: its copy and summary."""
    summary = AlertSummary.released(releasability, record, partner_id) or AlertSummary.of(record)
    document: dict[str, object] = summary.model_dump(mode="json", by_alias=True)
    document["cap"] = cap.alert_to_json(copy.alert)
    return document


def _authorise(partner_denial: str | None) -> None:
    if partner_denial is not None:
        raise AccessDeniedError(partner_denial)
