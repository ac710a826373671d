"""Bearer-token authentication: each token belongs to one partner of the coalition."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tanbih.api.problems import ApiProblem
from tanbih.coalition.tokens import hash_token
from tanbih.domain.coalition import Partner
from tanbih.node import Node

_bearer = HTTPBearer(auto_error=False, description="A partner's API token.")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def node_of(request: Request) -> Node:
    """The running node, set on the app at start-up."""
    node: Node = request.app.state.node
    return node


async def current_node(request: Request) -> Node:
    """The running node, as a dependency.

    Dependencies are ``async`` although nothing in them waits: FastAPI runs a plain function
    in a worker thread, a thread hop per dependency per request.
    """
    return node_of(request)


async def authenticated_partner(request: Request, credentials: BearerCredentials) -> Partner:
    """The partner whose token the request carries; 401 otherwise."""
    return partner_of_token(request, credentials)


def partner_of_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Partner:
    """The partner whose token ``credentials`` carry; 401 otherwise."""
    challenge = {"WWW-Authenticate": 'Bearer realm="tanbih"'}
    if credentials is None:
        raise ApiProblem(
            401,
            "unauthorized",
            "Unauthorized",
            "send a partner token as 'Authorization: Bearer'",
            headers=challenge,
        )
    partner = node_of(request).coalition.partner_by_token_hash(hash_token(credentials.credentials))
    if partner is None:
        raise ApiProblem(
            401,
            "unauthorized",
            "Unauthorized",
            "the bearer token belongs to no partner",
            headers=challenge,
        )
    return partner


CurrentPartner = Annotated[Partner, Depends(authenticated_partner)]
CurrentNode = Annotated[Node, Depends(current_node)]
