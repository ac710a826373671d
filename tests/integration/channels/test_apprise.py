"""The Apprise channel and Apprise SMS routes, posting via Apprise's json:// to a real receiver."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from tests.fakes.http_server import free_port
from tests.fakes.receiver import Receiver, Reply
from tests.integration.channels.deliveries import ACK_CODE, ACK_URL, DeliveryFactory

from tanbih.adapters.channels.apprise_channel import AppriseChannel, AppriseSmsChannel
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome

CONTACT = "+447700900101"

# Apprise's plugin loader imports imghdr, deprecated since Python 3.11 (third-party, harmless).
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")


def apprise_url(base: str, path: str) -> str:
    """The Apprise json:// URL that posts to ``path`` on the receiver at ``base``."""
    return base.replace("http://", "json://", 1) + path


async def test_exercise_notification_arrives_with_marked_title_and_body(
    delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """The receiver gets Apprise's JSON whose title and message both open with EXERCISE."""
    endpoint, base = receiver
    result = await AppriseChannel(timeout=5.0).send(
        delivery(ChannelKind.APPRISE, apprise_url(base, "/notify"))
    )
    (request,) = await endpoint.wait_for(1)
    payload = json.loads(request.body)
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert request.path == "/notify"
    assert payload["title"].startswith("EXERCISE: Hostile UAV")
    assert payload["message"].startswith("EXERCISE: hostile UAV approaching")
    assert payload["message"].endswith(f"Acknowledge receipt: {ACK_URL}")


async def test_arabic_notification_is_marked_before_the_arabic_title(
    delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """An Arabic title that opens with its own word for exercise still gets EXERCISE first."""
    endpoint, base = receiver
    await AppriseChannel(timeout=5.0).send(
        delivery(ChannelKind.APPRISE, apprise_url(base, "/notify"), language="ar")
    )
    (request,) = await endpoint.wait_for(1)
    payload = json.loads(request.body)
    assert payload["title"] == "EXERCISE: تمرين: طائرة مسيرة معادية — استعدوا للاحتماء"


@pytest.mark.parametrize("status", [500, 503, 404])
async def test_failed_notification_is_retried_without_leaking_the_url(
    delivery: DeliveryFactory, receiver: tuple[Receiver, str], status: int
) -> None:
    """Apprise does not say why it failed, so a failure is retried; the error names the scheme."""
    endpoint, base = receiver
    endpoint.reply_next(Reply(status))
    url = apprise_url(base, "/notify?token=s3cret")
    result = await AppriseChannel(timeout=5.0).send(delivery(ChannelKind.APPRISE, url))
    assert result.outcome is DeliveryOutcome.RETRY
    assert (result.error or "").startswith("json: ")
    assert "s3cret" not in (result.error or "")


async def test_unreachable_target_is_retried(delivery: DeliveryFactory) -> None:
    """Nobody listening behind the Apprise URL is a transient failure."""
    url = f"json://127.0.0.1:{free_port()}/notify"
    result = await AppriseChannel(timeout=5.0).send(delivery(ChannelKind.APPRISE, url))
    assert result.outcome is DeliveryOutcome.RETRY


@pytest.mark.parametrize("url", ["nosuchservice://token@host", "not a url at all"])
async def test_url_apprise_cannot_use_fails_permanently(
    delivery: DeliveryFactory, url: str
) -> None:
    """An address Apprise cannot load will not work on a retry either."""
    result = await AppriseChannel(timeout=5.0).send(delivery(ChannelKind.APPRISE, url))
    assert result.outcome is DeliveryOutcome.FAILED


async def test_apprise_sms_route_sends_the_sms_text_to_the_templated_number(
    delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """{to} in the template becomes the contact's number; the text is the SMS channel's."""
    endpoint, base = receiver
    route = AppriseSmsChannel(apprise_url(base, "/sms/{to}"), timeout=5.0, max_segments=3)
    result = await route.send(delivery(ChannelKind.SMS, CONTACT))
    (request,) = await endpoint.wait_for(1)
    payload = json.loads(request.body)
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert unquote(request.path) == f"/sms/{CONTACT}"
    assert payload["message"].startswith("EXERCISE: hostile UAV approaching")
    assert payload["message"].endswith(f"Reply {ACK_CODE} ACK to acknowledge")


def test_apprise_sms_template_without_the_number_is_refused() -> None:
    """A template lacking {to} would text every contact's warning to one fixed number."""
    with pytest.raises(ValueError, match=r"\{to\}"):
        AppriseSmsChannel("json://127.0.0.1/sms", timeout=5.0, max_segments=3)
