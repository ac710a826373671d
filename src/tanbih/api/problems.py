"""RFC 9457 problem details: every 4xx says what was wrong, in one shape."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tanbih.errors import AccessDeniedError, CapError, CapVersionError, Problem

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:tanbih:problem:"


class ApiProblem(Exception):  # noqa: N818 -- it is an HTTP problem, not an internal error
    """A problem to answer with; raised inside endpoints, rendered by the handler below."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        errors: Sequence[Problem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = headers or {}


def problem_response(problem: ApiProblem, instance: str) -> JSONResponse:
    """The problem as an ``application/problem+json`` response."""
    body: dict[str, object] = {
        "type": PROBLEM_BASE + problem.kind,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
    }
    if problem.errors:
        body["errors"] = [
            {"where": e.where, "line": e.line, "message": e.message} for e in problem.errors
        ]
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def from_cap_error(error: CapError) -> ApiProblem:
    """A refused CAP message: 422 naming every problem found."""
    if isinstance(error, CapVersionError):
        return ApiProblem(
            422, "unsupported-cap-version", "Not a CAP 1.2 alert", str(error), error.problems
        )
    count = len(error.problems)
    detail = f"the CAP message has {count} problem{'s' if count != 1 else ''}: {error}"
    return ApiProblem(422, "invalid-cap", "Invalid CAP message", detail, error.problems)


def as_problem(exc: Exception) -> ApiProblem:
    """The problem an exception that escaped an endpoint answers with."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, CapError):
        return from_cap_error(exc)
    if isinstance(exc, AccessDeniedError):
        return ApiProblem(403, "forbidden", "Forbidden", str(exc))
    if isinstance(exc, RequestValidationError):
        errors = [
            Problem(".".join(str(part) for part in e["loc"]), str(e["msg"])) for e in exc.errors()
        ]
        detail = "; ".join(map(str, errors))
        return ApiProblem(422, "invalid-request", "Invalid request", detail, errors)
    return ApiProblem(500, "internal", "Internal error", type(exc).__name__)


async def handle_problem(request: Request, exc: Exception) -> JSONResponse:
    """Render any exception registered for it as ``application/problem+json``."""
    return problem_response(as_problem(exc), request.url.path)


PROBLEM_HANDLED: tuple[type[Exception], ...] = (
    ApiProblem,
    CapError,
    AccessDeniedError,
    RequestValidationError,
)


PROBLEM_SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": [PROBLEM_BASE + "invalid-cap"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["where", "message"],
                "properties": {
                    "where": {"type": "string", "examples": ["alert/info[1]/urgency"]},
                    "line": {"type": ["integer", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
    for status, description in {
        401: "No valid bearer token.",
        403: "The partner's role or declared senders do not allow this.",
        413: "The body is larger than the node accepts.",
        415: "The body is neither CAP XML nor its JSON mirror.",
        409: "The message may not follow the messages it references (lifecycle rule).",
        422: "The input failed validation; `errors` names each element and problem.",
    }.items()
}
