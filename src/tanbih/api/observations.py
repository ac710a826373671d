"""``/api/v1/observations`` and ``/api/v1/threats``: reports in, the assessed picture out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from tanbih.api.alerts import read_body
from tanbih.api.auth import CurrentNode, CurrentPartner
from tanbih.api.observation_models import ObservationJson
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem
from tanbih.api.threat_views import ThreatView, read_picture, threat_view
from tanbih.domain.access import Act, denial
from tanbih.domain.cap import Status
from tanbih.domain.observation import Observation, observation_problems
from tanbih.domain.records import ObservationOutcome
from tanbih.domain.releasability import Level
from tanbih.errors import AccessDeniedError, Problem
from tanbih.node import Node
from tanbih.pipeline.assessment import LoggedAssessment

router = APIRouter(prefix="/api/v1", tags=["assessment"])

MAX_BATCH = 1000
DUPLICATE = ObservationOutcome(None, "duplicate")
# A kept picture older than this says nothing of what is in the air now.
PICTURE_MAX_AGE = timedelta(seconds=5)
_BATCH = TypeAdapter(list[ObservationJson])


class ObservationResult(BaseModel):
    """What became of one posted observation."""

    id: str
    threat: str | None = Field(description="the threat it was fused into, if it was")
    association: str = Field(
        description="new, track_id or gate; duplicate for a resend; on a node of several "
        "workers also queued (kept, not assessed yet) or stale (too old once reached)"
    )
    issued: list[str] = Field(description="ids of the CAP messages it caused")


@router.post(
    "/observations",
    response_model=list[ObservationResult],
    responses=PROBLEM_RESPONSES,
    summary="Report one observation, or a batch (a JSON array, at most 1,000)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/ObservationJson"},
                            {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ObservationJson"},
                                "maxItems": MAX_BATCH,
                            },
                        ]
                    }
                }
            },
        }
    },
)
async def post_observations(
    request: Request, node: CurrentNode, partner: CurrentPartner
) -> list[ObservationResult]:
    """Validate every report first (all or none), keep them, then fuse and assess each in
    order (on a node of several workers, the assessing worker does, and this one answers with
    what it made of them)."""
    reason = denial(partner, Act.POST_ALERT)
    if reason is not None:
        raise AccessDeniedError(reason)
    body = await read_body(request, node.settings.max_body_bytes)
    observations = _observations(body, partner.id, node)
    # Kept before anything is assessed or answered: nothing accepted is lost.
    fresh = await node.store.record_observations(observations, node.clock.now())
    if node.links is not None:
        # Peers entitled to them hear of them before this node's own assessment is done.
        node.links.reports_kept()
    kept = [obs for obs, new in zip(observations, fresh, strict=True) if new]
    outcomes = iter(await node.assessment.posted(kept))
    results: list[ObservationResult] = []
    for obs, new in zip(observations, fresh, strict=True):
        outcome = next(outcomes) if new else DUPLICATE
        results.append(
            ObservationResult(
                id=obs.id,
                threat=outcome.threat_id,
                association=outcome.association,
                issued=await _known_ids(node, outcome.issued, partner.id),
            )
        )
    return results


async def _known_ids(node: Node, issued: Sequence[str], partner_id: str) -> list[str]:
    """The ids by which the posting partner knows the warnings its report issued: a warning
    fused with other partners' reports may reach it as a copy, or not at all."""
    ids = []
    for message_id in issued:
        record = await node.store.get(message_id)
        if record is None:
            continue
        level = node.releasability.level_of(record, partner_id)
        if level is not Level.NONE:
            ids.append(node.releasability.known_id(record, level))
    return ids


def _observations(body: bytes, partner_id: str, node: Node) -> list[Observation]:
    is_batch = body.lstrip()[:1] == b"["
    try:
        parsed = (
            _BATCH.validate_json(body) if is_batch else ObservationJson.model_validate_json(body)
        )
    except ValidationError as exc:
        raise _invalid([Problem(_where(e["loc"]), e["msg"]) for e in exc.errors()]) from exc
    batch = parsed if isinstance(parsed, list) else [parsed]
    if not batch or len(batch) > MAX_BATCH:
        raise _invalid([Problem("(body)", f"send 1 to {MAX_BATCH} observations, not {len(batch)}")])
    observations = [item.to_domain(partner_id) for item in batch]
    now = node.clock.now()
    prefix = "[{}].".format if isinstance(parsed, list) else (lambda _: "")
    problems = [
        Problem(prefix(i) + p.field, p.message)
        for i, obs in enumerate(observations)
        for p in observation_problems(obs, now)
    ]
    if problems:
        raise _invalid(problems)
    return observations


def _where(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as the API names fields: ``[1].position.lat``."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in location]
    return "".join(parts).lstrip(".") or "(body)"


def _invalid(problems: list[Problem]) -> ApiProblem:
    detail = "; ".join(str(p) for p in problems[:10])
    return ApiProblem(422, "invalid-observation", "Invalid observation", detail, problems)


@router.get(
    "/threats",
    response_model=list[ThreatView],
    response_model_by_alias=True,
    responses=PROBLEM_RESPONSES,
    summary="The threats being assessed: state, predicted path, zones with ETA and stage",
)
async def get_threats(
    node: CurrentNode,
    partner: CurrentPartner,
    path: Annotated[bool, Query(description="include the predicted path")] = True,
) -> list[ThreatView]:
    """Every tracked threat released in full to the partner, nearest first, with its zones'
    stages and ETAs.

    A threat's state and path are its track, which the sharing matrix shares only in full: a
    partner below ``full`` for a threat's sources learns its zones, stages and ETAs from its
    copies of the warnings, not here.
    """
    reason = denial(partner, Act.READ_ALERTS)
    if reason is not None:
        raise AccessDeniedError(reason)
    now = node.clock.now()
    if isinstance(node.assessment, LoggedAssessment) and not node.assessment.assessing:
        pictured = await _kept_picture(node, now, with_path=path)
    else:
        pictured = [threat_view(t, node.zones, now, with_path=path) for t in node.assessor.tracked]
    releasability = node.releasability
    views = [
        view
        for view in pictured
        if releasability.level(frozenset(view.sources), Status(view.status), partner.id)
        is Level.FULL
    ]
    return sorted(views, key=lambda v: v.first_eta or "~")


async def _kept_picture(node: Node, now: datetime, *, with_path: bool) -> list[ThreatView]:
    """On a worker that does not assess: the picture the assessing worker kept, if fresh."""
    text = await node.store.picture()
    views = None if text is None else read_picture(text, now, PICTURE_MAX_AGE, with_path=with_path)
    if views is None:
        # An empty list would read as "no threats": say there is no picture to give.
        raise ApiProblem(
            503,
            "not-assessing",
            "No threat picture",
            "no worker of the node has assessed in the last "
            f"{PICTURE_MAX_AGE.total_seconds():.0f} s (one takes over within a second of the "
            "last one's end): ask again",
            headers={"Retry-After": "1"},
        )
    return views
