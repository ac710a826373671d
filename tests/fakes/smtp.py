"""A real SMTP server (aiosmtpd's SMTP protocol) on a free loopback port, in the test's loop.

aiosmtpd's ``Controller`` runs the same protocol in a thread of its own; running it in the
test's event loop instead lets the handler signal the test with plain asyncio primitives.
The handler records each accepted message and can be told to refuse the next recipient or
the next message with a given SMTP reply.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

WAIT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Mail:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    authenticated_as: str | None


class SmtpRecorder:
    """An aiosmtpd handler: records messages, refuses on request, signals each arrival."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.rcpt_replies: deque[str] = deque()
        self.data_replies: deque[str] = deque()
        self._arrived = asyncio.Condition()

    async def handle_RCPT(  # noqa: N802 -- aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 -- aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_replies:
            return self.data_replies.popleft()
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        mail = Mail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=parsed,
            authenticated_as=login.decode() if isinstance(login, bytes) else None,
        )
        async with self._arrived:
            self.mails.append(mail)
            self._arrived.notify_all()
        return "250 2.0.0 OK queued"

    async def wait_for(self, count: int = 1, within: float = WAIT_SECONDS) -> list[Mail]:
        """The mails, once at least ``count`` have arrived; fails after ``within`` seconds."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.mails) >= count)
        return list(self.mails)


def password_checker(users: dict[str, str]) -> Any:
    """An aiosmtpd authenticator accepting exactly ``users`` (login → password)."""

    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and users.get(data.login.decode()) == data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    return check


@asynccontextmanager
async def smtp_server(
    handler: SmtpRecorder,
    *,
    tls_context: ssl.SSLContext | None = None,
    users: dict[str, str] | None = None,
) -> AsyncIterator[int]:
    """Serve SMTP until the block ends; yields the port. With ``tls_context``, STARTTLS is
    offered and required; with ``users``, AUTH is required."""
    loop = asyncio.get_running_loop()

    def protocol() -> SMTP:
        return SMTP(
            handler,
            hostname="fake-smtp.test",
            loop=loop,
            tls_context=tls_context,
            require_starttls=tls_context is not None,
            auth_required=users is not None,
            authenticator=password_checker(users) if users is not None else None,
        )

    server = await loop.create_server(protocol, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()
