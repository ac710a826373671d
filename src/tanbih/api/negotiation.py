"""Media types in and out: CAP XML or its JSON mirror."""

from __future__ import annotations

from enum import StrEnum

from tanbih.api.problems import ApiProblem


class Representation(StrEnum):
    """The two representations of a CAP message."""

    XML = "xml"
    JSON = "json"


CAP_XML = "application/cap+xml"
_XML_TYPES = {CAP_XML, "application/xml", "text/xml"}
_JSON_TYPES = {"application/json"}


def body_representation(content_type: str | None) -> Representation:
    """How to read a request body, from its ``Content-Type``; 415 if neither."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _XML_TYPES:
        return Representation.XML
    if media in _JSON_TYPES:
        return Representation.JSON
    raise ApiProblem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        f"Content-Type {media or '(none)'!r} is not accepted; send {CAP_XML}, application/xml "
        "or application/json",
    )


def preferred_representation(accept: str | None) -> Representation:
    """The representation the ``Accept`` header prefers (JSON unless XML ranks higher); 406."""
    if not accept:
        return Representation.JSON
    best: tuple[float, int, Representation] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        quality = _quality(params)
        if quality <= 0:
            continue
        if media in _XML_TYPES:
            choice = Representation.XML
        elif media in _JSON_TYPES or media in {"*/*", "application/*"}:
            choice = Representation.JSON
        else:
            continue
        # Higher quality wins; on a tie the earlier entry wins.
        candidate = (quality, -position, choice)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        raise ApiProblem(
            406,
            "not-acceptable",
            "Not acceptable",
            f"Accept {accept!r} names no representation served here; use application/json "
            f"or {CAP_XML}",
        )
    return best[2]


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
