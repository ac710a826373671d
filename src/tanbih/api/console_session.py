"""The console's session cookie, so a browser's ``EventSource`` can open the stream.

``EventSource`` cannot send an ``Authorization`` header, and a token in the URL would end up
in access logs and browser history. So the console, once logged in with its bearer token,
asks for a session: an ``HttpOnly``, ``SameSite=Strict`` cookie scoped to the stream's path,
holding the token's hash, an expiry and an HMAC under a key derived from the node's secret.
The stream accepts either the bearer token or this cookie. The cookie names a token hash,
not a partner, so a token removed from the coalition file ends its sessions too.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie

from tanbih.api.auth import BearerCredentials, node_of, partner_of_token
from tanbih.api.problems import ApiProblem
from tanbih.domain.coalition import Partner

COOKIE = "tanbih_console"
COOKIE_PATH = "/api/v1/stream"
LIFETIME = timedelta(hours=12)
_KEY_LABEL = b"tanbih console session v1"

_cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    description="The console's session, from POST /api/v1/console/session (for EventSource).",
)


def _key(secret: bytes) -> bytes:
    # Its own key, so a session MAC can never be mistaken for an acknowledgement token's.
    return hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()


def _mac(secret: bytes, payload: str) -> str:
    return hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()


def session_value(secret: bytes, token_hash: str, now: datetime) -> str:
    """The cookie value for a session of ``token_hash`` that ends ``LIFETIME`` after ``now``."""
    payload = f"{token_hash}|{int((now + LIFETIME).timestamp())}"
    return f"{payload}|{_mac(secret, payload)}"


def session_token_hash(secret: bytes, value: str, now: datetime) -> str | None:
    """The token hash a cookie value vouches for; ``None`` if forged, malformed or expired."""
    payload, _, mac = value.rpartition("|")
    token_hash, _, expires = payload.partition("|")
    if not (token_hash and expires.isdigit()) or not hmac.compare_digest(
        mac, _mac(secret, payload)
    ):
        return None
    if int(expires) <= now.timestamp():
        return None
    return token_hash


def open_session(response: Response, request: Request, token_hash: str) -> None:
    """Set the session cookie on ``response``."""
    node = node_of(request)
    response.set_cookie(
        COOKIE,
        session_value(node.secret, token_hash, node.clock.now()),
        max_age=int(LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def close_session(response: Response) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


async def stream_partner(
    request: Request,
    credentials: BearerCredentials,
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Partner:
    """The partner of the bearer token, else of a valid console session; 401 otherwise."""
    if credentials is not None or cookie is None:
        return partner_of_token(request, credentials)
    node = node_of(request)
    token_hash = session_token_hash(node.secret, cookie, node.clock.now())
    partner = None if token_hash is None else node.coalition.partner_by_token_hash(token_hash)
    if partner is None:
        raise ApiProblem(
            401,
            "unauthorized",
            "Unauthorized",
            "the console session is expired or invalid; log in again",
            headers={"WWW-Authenticate": 'Bearer realm="tanbih"'},
        )
    return partner


StreamPartner = Annotated[Partner, Depends(stream_partner)]
