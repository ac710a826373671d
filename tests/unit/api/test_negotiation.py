"""Which CAP representation a request body is and a client prefers."""

from __future__ import annotations

import pytest

from tanbih.api.negotiation import (
    Representation,
    body_representation,
    preferred_representation,
)
from tanbih.api.problems import ApiProblem


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/cap+xml", Representation.XML),
        ("application/xml; charset=utf-8", Representation.XML),
        ("text/xml", Representation.XML),
        ("Application/JSON", Representation.JSON),
    ],
)
def test_body_representation_follows_content_type(
    content_type: str, expected: Representation
) -> None:
    """CAP XML media types read as XML and application/json as the JSON mirror."""
    assert body_representation(content_type) is expected


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "multipart/form-data"])
def test_other_bodies_are_refused_with_415(content_type: str | None) -> None:
    """A body that is neither CAP XML nor JSON is refused, naming what was sent."""
    with pytest.raises(ApiProblem) as caught:
        body_representation(content_type)
    assert caught.value.status == 415
    assert "not accepted" in caught.value.detail


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Representation.JSON),
        ("*/*", Representation.JSON),
        ("application/cap+xml", Representation.XML),
        ("application/xml, application/json", Representation.XML),
        ("application/json, application/xml", Representation.JSON),
        ("application/json;q=0.5, application/cap+xml", Representation.XML),
        ("text/html, application/xml;q=0.9", Representation.XML),
        ("application/xml;q=0, */*", Representation.JSON),
    ],
)
def test_preferred_representation_honours_quality_and_order(
    accept: str | None, expected: Representation
) -> None:
    """The highest-quality served type wins; on a tie the first listed wins."""
    assert preferred_representation(accept) is expected


def test_unservable_accept_is_406() -> None:
    """An Accept header naming nothing served is answered 406."""
    with pytest.raises(ApiProblem) as caught:
        preferred_representation("text/html, image/png")
    assert caught.value.status == 406
