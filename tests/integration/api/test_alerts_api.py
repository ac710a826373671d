"""The alerts API end to end: real app, real store (SQLite and PostgreSQL), real CAP codec."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tests.integration.api.conftest import XML, Api

from tanbih import cap
from tanbih.demo import DemoPost
from tanbih.domain.cap import MsgType
from tanbih.domain.coalition import Role


async def test_posted_alert_is_stored_before_201_and_reads_back_exactly(
    api: Api, posts: list[DemoPost]
) -> None:
    """A valid CAP Alert gets 201 with Location, and reads back as the exact bytes and as JSON."""
    body = cap.emit_xml(posts[0].alert)
    created = await api.client.post(
        "/api/v1/alerts", content=body, headers=api.auth(posts[0].partner.id, **XML)
    )
    assert created.status_code == 201, created.text
    result = created.json()
    assert (result["outcome"], result["rule"]) == ("accepted", "issue")
    location = created.headers["location"]
    assert location == result["alert"]["href"]
    as_xml = await api.client.get(
        location, headers=api.auth(api.any_partner, Accept="application/cap+xml")
    )
    assert as_xml.content == body
    as_json = (await api.client.get(location, headers=api.auth(api.any_partner))).json()
    assert as_json["identifier"] == posts[0].alert.identifier
    assert as_json["status"] == "Exercise"
    assert as_json["sent"] == posts[0].alert.sent.isoformat()
    assert as_json["cap"]["identifier"] == posts[0].alert.identifier


async def test_lifecycle_runs_through_update_all_clear_and_ack(
    api: Api, posts: list[DemoPost]
) -> None:
    """Alert, shelter Update, all-clear Update, a second Alert and its Ack are each accepted."""
    rules = []
    for post in posts:
        response = await api.post(post)
        assert response.status_code == 201, response.text
        rules.append(response.json()["rule"])
    assert rules == ["issue", "raise_to_shelter", "all_clear", "issue", "acknowledge"]
    threads = {
        a["threadId"]
        for a in (await api.client.get("/api/v1/alerts", headers=api.auth(api.any_partner))).json()
    }
    assert len(threads) == 2


async def test_resending_a_message_is_a_duplicate_not_a_second_copy(
    api: Api, posts: list[DemoPost]
) -> None:
    """Posting the same message twice answers 200 `duplicate` and stores it once."""
    assert (await api.post(posts[0])).status_code == 201
    again = await api.post(posts[0])
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert await api.count() == 1


async def test_update_of_unknown_message_is_refused_with_409_and_not_stored(
    api: Api, posts: list[DemoPost]
) -> None:
    """An Update referencing a message the node never accepted is refused, naming the reference."""
    orphan = posts[1]
    response = await api.post(orphan)
    assert response.status_code == 409
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:tanbih:problem:lifecycle/unknown-reference"
    assert orphan.alert.references[0].identifier in problem["detail"]
    assert await api.count() == 0


async def test_update_after_all_clear_is_refused(api: Api, posts: list[DemoPost]) -> None:
    """Once an event is given the all clear, a further Update of it is refused with 409."""
    for post in posts[:3]:
        assert (await api.post(post)).status_code == 201
    late = replace(
        posts[1],
        alert=replace(
            posts[1].alert,
            identifier=posts[1].alert.identifier + "-late",
            sent=posts[2].alert.sent + timedelta(seconds=1),
            references=tuple(p.alert.key for p in posts[:3]),
        ),
    )
    response = await api.post(late)
    assert response.status_code == 409
    assert response.json()["type"].endswith("lifecycle/thread-all-clear")


@pytest.mark.parametrize(
    ("file", "where"),
    [
        ("invalid/schema/invalid.cap", "scope"),
        ("invalid/semantic/canada_errors.cap", "references"),
    ],
)
async def test_invalid_cap_gets_422_naming_the_element_and_nothing_is_stored(
    api: Api, shared_data: Path, file: str, where: str
) -> None:
    """A message failing the XSD or a rule beyond it is refused with problems naming the element."""
    body = (shared_data / "cap" / file).read_bytes()
    response = await api.client.post(
        "/api/v1/alerts", content=body, headers=api.auth(api.any_partner, **XML)
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:tanbih:problem:invalid-cap"
    assert any(where in e["where"] or where in e["message"] for e in problem["errors"])
    assert await api.count() == 0


async def test_xxe_payload_is_refused(api: Api, shared_data: Path) -> None:
    """The XXE attack payload is refused and nothing of the files it names leaks back."""
    body = (shared_data / "cap" / "invalid" / "not-cap" / "xee.cap").read_bytes()
    response = await api.client.post(
        "/api/v1/alerts", content=body, headers=api.auth(api.any_partner, **XML)
    )
    assert response.status_code == 422
    assert "root:" not in response.text


async def test_cap_1_1_is_refused_naming_the_version(api: Api, shared_data: Path) -> None:
    """A CAP 1.1 message is refused as an unsupported version, not as garbage."""
    body = (shared_data / "cap" / "other-versions" / "cap1.1" / "weather.cap").read_bytes()
    response = await api.client.post(
        "/api/v1/alerts", content=body, headers=api.auth(api.any_partner, **XML)
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:tanbih:problem:unsupported-cap-version"
    assert "1.1" in response.json()["detail"]


async def test_json_mirror_is_accepted_and_stored_as_cap_xml(
    api: Api, posts: list[DemoPost]
) -> None:
    """A message posted as JSON is validated the same way and kept as CAP XML."""
    post = posts[0]
    response = await api.client.post(
        "/api/v1/alerts",
        content=json.dumps(cap.alert_to_json(post.alert)),
        headers=api.auth(post.partner.id, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 201, response.text
    stored = await api.client.get(
        response.headers["location"], headers=api.auth(api.any_partner, Accept="application/xml")
    )
    assert cap.parse_xml(stored.content) == post.alert


async def test_requests_without_a_valid_token_get_401(api: Api, posts: list[DemoPost]) -> None:
    """No token or an unknown token is refused with 401 and a Bearer challenge."""
    body = cap.emit_xml(posts[0].alert)
    for headers in (XML, {**XML, "Authorization": "Bearer not-a-token"}):
        response = await api.client.post("/api/v1/alerts", content=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await api.client.get("/api/v1/alerts")).status_code == 401


async def test_partner_may_not_post_under_another_partners_sender(
    api: Api, posts: list[DemoPost]
) -> None:
    """A partner posting a message whose sender belongs to someone else is refused with 403."""
    post = posts[0]
    other = next(p for p in api.coalition.partners if p.id != post.partner.id)
    response = await api.client.post(
        "/api/v1/alerts", content=cap.emit_xml(post.alert), headers=api.auth(other.id, **XML)
    )
    assert response.status_code == 403
    assert post.alert.sender in response.json()["detail"]
    assert await api.count() == 0


async def test_oversize_body_is_refused_before_reading_it(api: Api) -> None:
    """A body declared larger than the limit is refused with 413."""
    response = await api.client.post(
        "/api/v1/alerts",
        content=b"<" * (64 * 1024 + 1),
        headers=api.auth(api.any_partner, **XML),
    )
    assert response.status_code == 413
    assert "at most 65536" in response.json()["detail"]


async def test_unsupported_media_type_is_415(api: Api) -> None:
    """A body that is neither CAP XML nor JSON is refused with 415."""
    response = await api.client.post(
        "/api/v1/alerts",
        content=b"hello",
        headers=api.auth(api.any_partner, **{"Content-Type": "text/plain"}),
    )
    assert response.status_code == 415


async def test_listing_filters_by_message_type_and_thread(api: Api, posts: list[DemoPost]) -> None:
    """The list filters by msgType and threadId and returns newest first."""
    for post in posts:
        assert (await api.post(post)).status_code == 201
    auth = api.auth(api.any_partner)
    updates = (await api.client.get("/api/v1/alerts?msgType=Update", headers=auth)).json()
    assert [u["identifier"] for u in updates] == [p.alert.identifier for p in posts[2:0:-1]]
    thread = updates[0]["threadId"]
    in_thread = (
        await api.client.get("/api/v1/alerts", params={"threadId": thread}, headers=auth)
    ).json()
    assert len(in_thread) == 3
    bad = await api.client.get("/api/v1/alerts?msgType=Nope", headers=auth)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


async def test_unknown_id_is_404(api: Api) -> None:
    """Reading a message that does not exist answers 404 as a problem."""
    response = await api.client.get("/api/v1/alerts/nope", headers=api.auth(api.any_partner))
    assert response.status_code == 404


async def test_healthz_reports_the_coalition(api: Api) -> None:
    """The health check answers without a token and names the coalition in force."""
    health = (await api.client.get("/healthz")).json()
    assert health["status"] == "ok"
    assert health["coalition"] == api.coalition.name


async def test_openapi_documents_both_cap_representations(api: Api) -> None:
    """The published OpenAPI offers CAP XML and JSON bodies and the problem responses."""
    spec = (await api.client.get("/openapi.json")).json()
    post = spec["paths"]["/api/v1/alerts"]["post"]
    assert {"application/cap+xml", "application/json"} <= set(post["requestBody"]["content"])
    assert {"401", "403", "409", "413", "415", "422"} <= set(post["responses"])
    assert "AlertJson" in spec["components"]["schemas"]
    assert "InfoJson" in spec["components"]["schemas"]


def test_demo_posts_come_from_partners_and_coordinator(api: Api, posts: list[DemoPost]) -> None:
    """The demo plays messages from a partner and from the coordinator, all marked Exercise."""
    roles = {post.partner.role for post in posts}
    assert roles == {Role.PARTNER, Role.COORDINATOR}
    assert all(p.alert.status.value == "Exercise" for p in posts)
    assert [p.alert.msg_type for p in posts].count(MsgType.UPDATE) == 2
