"""The JSON mirror: its shape, strictness, and errors that name JSON paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.cap import AlertJson, alert_from_json, alert_to_json
from tanbih.domain.cap import Certainty, MsgType, Scope, Status
from tanbih.errors import CapError, Problem

BASE = plain_alert()
DOCUMENT = alert_to_json(BASE)


def _refusal(document: object) -> tuple[Problem, ...]:
    with pytest.raises(CapError) as caught:
        alert_from_json(document)
    return caught.value.problems


def _with(change: str, value: Any) -> dict[str, Any]:
    """The plain document with the value at a dotted path (list indices as numbers) replaced."""
    document = copy.deepcopy(DOCUMENT)
    *parents, last = change.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return document


def test_shape_uses_cap_element_names() -> None:
    """Keys are CAP element names, repeated elements arrays, times and geometry CAP strings."""
    assert DOCUMENT == {
        "identifier": "TANBIH-1",
        "sender": "hub@tanbih.example",
        "sent": "2026-03-01T14:05:00+02:00",
        "status": "Exercise",
        "msgType": "Alert",
        "scope": "Public",
        "info": [
            {
                "language": "en",
                "category": ["Security"],
                "event": "Drone",
                "responseType": ["Shelter"],
                "urgency": "Immediate",
                "severity": "Severe",
                "certainty": "Observed",
                "onset": "2026-03-01T14:06:30+02:00",
                "expires": "2026-03-01T14:15:00+02:00",
                "area": [
                    {
                        "areaDesc": "Zone A",
                        "polygon": ["32.1,34.8 32.2,34.9 32.0,34.95 32.1,34.8"],
                        "circle": ["32.08,34.78 5.0"],
                    }
                ],
            }
        ],
    }


def test_json_reads_back_to_the_same_alert() -> None:
    """The mirror read back gives the model it was written from."""
    assert alert_from_json(DOCUMENT) == BASE


def test_absent_may_be_null_empty_or_missing() -> None:
    """``null``, ``""`` and ``[]`` for optional elements all mean absent."""
    document = {**DOCUMENT, "note": None, "source": "", "code": [], "references": []}
    assert alert_from_json(document) == BASE


@pytest.mark.parametrize(
    ("change", "value", "where", "words"),
    [
        ("info.0.area.0.altitude", False, "info[0].area[0].altitude", "valid number"),
        ("info.0.area.0.altitude", "100", "info[0].area[0].altitude", "valid number"),
        ("info.0.category.0", "Threat", "info[0].category[0]", "'Threat' is not a CAP 1.2"),
        ("info.0.certainty", "Very Likely", "info[0].certainty", "CAP 1.2 says 'Likely'"),
        ("msgType", "Alarm", "msgType", "use one of Ack, Alert, Cancel, Error, Update"),
        ("sent", "2026-03-01T12:05:00Z", "sent", "is not a CAP time"),
        ("sent", "2026-02-30T12:05:00+00:00", "sent", "not a real date and time"),
        ("info.0.area.0.polygon.0", "1,2;3,4", "info[0].area[0].polygon[0]", "'lat,lon' pairs"),
        ("info.0.area.0.circle.0", "1,2", "info[0].area[0].circle[0]", "not a CAP circle"),
        ("references", ["a,b"], "references[0]", "not 'sender,identifier,sent'"),
        ("info.0.event", "beep\x07", "info[0].event", "U+0007"),
        ("info.0.bogus", 1, "info[0].bogus", "no element 'bogus'"),
        ("identifier", 7, "identifier", "valid string"),
    ],
)
def test_bad_json_names_the_json_path(change: str, value: object, where: str, words: str) -> None:
    """A bad value is refused naming its JSON path and what is wrong (strict: no coercion)."""
    (problem,) = _refusal(_with(change, value))
    assert problem.where == where
    assert words in problem.message


@pytest.mark.parametrize("value", [True, 1.0, "3"])
def test_resource_size_must_be_an_integer(value: object) -> None:
    """``size`` takes a JSON integer only: not ``true``, ``1.0`` or ``"3"``."""
    document = _with("info.0.resource", [{"resourceDesc": "map", "mimeType": "x", "size": value}])
    (problem,) = _refusal(document)
    assert problem.where == "info[0].resource[0].size"


def test_missing_required_elements_are_all_named() -> None:
    """Every missing required element is reported by path."""
    document = copy.deepcopy(DOCUMENT)
    del document["sender"]
    del document["info"][0]["area"][0]["areaDesc"]
    assert {p.where for p in _refusal(document)} == {"sender", "info[0].area[0].areaDesc"}


def test_json_runs_the_same_rules_as_xml() -> None:
    """The rules beyond the XSD apply to JSON too, named by JSON path."""
    document = _with("msgType", "Cancel")
    document["info"][0]["area"][0]["polygon"] = ["0,0 1,1 0,1 1,0 0,0"]
    assert {(p.where, p.message.split(" ")[0]) for p in _refusal(document)} == {
        ("references", "msgType"),
        ("info[0].area[0].polygon[0]", "polygon"),
    }


def test_not_an_object_is_refused() -> None:
    """A JSON array or string is no alert."""
    (problem,) = _refusal(["alert"])
    assert problem == Problem("$", "a CAP alert in JSON is an object")


def test_schema_publishes_camel_case_cap_names() -> None:
    """The OpenAPI schema has CAP's element names, required fields and no extra keys."""
    schema = AlertJson.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"identifier", "sender", "sent", "status", "msgType", "scope"}
    info = schema["$defs"]["InfoJson"]
    assert {"responseType", "eventCode", "senderName"} <= set(info["properties"])
    assert "derefUri" in schema["$defs"]["ResourceJson"]["properties"]


def test_code_lists_in_schema_are_the_domain_enums() -> None:
    """Published code lists are exactly the domain's, so JSON and model cannot drift apart."""
    defs = AlertJson.model_json_schema()["$defs"]
    for enum in (Status, MsgType, Scope, Certainty):
        assert defs[enum.__name__]["enum"] == [member.value for member in enum]
