"""Conformance over the real CAP corpus in ../shared/data/cap: what is valid reads, round-trips
and re-validates; what is invalid is refused for its own reason, named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import etree

from tanbih.cap import alert_from_json, alert_to_json, emit_xml, parse_document, parse_xml, validate
from tanbih.cap.xsd import schema_problems
from tanbih.errors import CapError, CapVersionError

CAP = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cap"


def _files(*parts: str) -> list[str]:
    """Corpus files below ``parts`` as ids relative to the corpus (empty if it is absent)."""
    folder = CAP.joinpath(*parts)
    return sorted(str(p.relative_to(CAP)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def cap_dir(shared_data: Path) -> Path:
    """The CAP corpus, or a skip (a failure under CI) when the shared data set is missing."""
    return shared_data / "cap"


@pytest.fixture(scope="module")
def manifest(cap_dir: Path) -> dict[str, dict[str, str]]:
    """MANIFEST.tsv rows by file, for what the corpus says of each file."""
    with (cap_dir / "MANIFEST.tsv").open(encoding="utf-8") as rows:
        return {row["file"]: row for row in csv.DictReader(rows, delimiter="\t")}


VALID = _files("valid")
SIGNATURE = _files("invalid", "signature")

# Why each refused file is refused: (error type, where, words of the message, line).
REFUSED: dict[str, tuple[type[CapError], str, str, int | None]] = {
    "invalid/schema/invalid.cap": (
        CapError,
        "alert/scope",
        "required element <scope> is missing",
        9,
    ),
    "invalid/schema/tg_invalid_schema.xml": (
        CapError,
        "alert/info[1]/certainty",
        "required element <certainty> is missing; found <audience>",
        16,
    ),
    # Its namespace is CAP 1.1 (the MANIFEST lists its enumeration errors under 1.1 rules).
    "invalid/schema/noaa_errors.cap": (CapVersionError, "alert", "CAP 1.1 is not accepted", 3),
    "invalid/semantic/canada_errors.cap": (
        CapError,
        "alert/references",
        "msgType Update needs references",
        12,
    ),
    "invalid/not-cap/xee.cap": (CapError, "document", "DOCTYPE declarations are refused", None),
    "invalid/not-cap/sc_invalid_schema.xml": (
        CapVersionError,
        "schema",
        "not a CAP alert: root element is {http://www.w3.org/2001/XMLSchema}schema",
        5,
    ),
    "invalid/not-cap/nws_atom_feed_example.xml": (
        CapVersionError,
        "feed",
        "not a CAP alert: root element is {http://www.w3.org/2005/Atom}feed",
        19,
    ),
}
OLDER = {name: name.split("/")[1].removeprefix("cap") for name in _files("other-versions")}


@pytest.mark.parametrize("name", VALID)
def test_valid_file_reads_validates_and_round_trips(cap_dir: Path, name: str) -> None:
    """A valid corpus file parses, passes the rules, and emit → parse gives the same model."""
    alert = parse_xml((cap_dir / name).read_bytes())
    assert validate(alert) == []
    emitted = emit_xml(alert)
    assert schema_problems(etree.fromstring(emitted)) == []
    again = parse_xml(emitted)
    assert again == alert
    assert emit_xml(again) == emitted  # offsets and text survive, not just the instants


@pytest.mark.parametrize("name", VALID)
def test_valid_file_round_trips_through_json(cap_dir: Path, name: str) -> None:
    """A valid corpus file survives model → JSON text → model unchanged."""
    alert = parse_xml((cap_dir / name).read_bytes())
    assert alert_from_json(json.loads(json.dumps(alert_to_json(alert)))) == alert


@pytest.mark.parametrize("name", VALID + SIGNATURE)
def test_signed_flag_matches_the_manifest(
    cap_dir: Path, manifest: dict[str, dict[str, str]], name: str
) -> None:
    """``CapDocument.signed`` is true exactly for the files the MANIFEST lists as signed."""
    document = parse_document((cap_dir / name).read_bytes())
    assert document.signed == (manifest[name]["xmldsig"] == "yes")


@pytest.mark.parametrize("name", SIGNATURE)
def test_tampered_signature_files_still_parse(cap_dir: Path, name: str) -> None:
    """Files whose signature is broken are schema-valid CAP; verifying signatures comes later."""
    assert parse_document((cap_dir / name).read_bytes()).signed


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_invalid_file_is_refused_for_its_reason(cap_dir: Path, name: str) -> None:
    """Each invalid corpus file is refused naming the element and the kind of problem."""
    kind, where, words, line = REFUSED[name]
    with pytest.raises(CapError) as caught:
        parse_xml((cap_dir / name).read_bytes())
    assert type(caught.value) is kind
    assert any(
        p.where == where and words in p.message and p.line == line for p in caught.value.problems
    ), caught.value.problems


def test_every_invalid_file_has_a_reason(cap_dir: Path) -> None:
    """The table above covers every file in invalid/schema, invalid/semantic, invalid/not-cap."""
    present = {
        str(p.relative_to(cap_dir))
        for folder in ("schema", "semantic", "not-cap")
        for p in (cap_dir / "invalid" / folder).iterdir()
    }
    assert present == set(REFUSED)


def test_xxe_payload_leaks_nothing(cap_dir: Path) -> None:
    """The XXE payload is refused without the content of the file it names."""
    with pytest.raises(CapError) as caught:
        parse_xml((cap_dir / "invalid/not-cap/xee.cap").read_bytes())
    assert "root:" not in str(caught.value)
    assert "entities" in str(caught.value)


@pytest.mark.parametrize("name", sorted(OLDER))
def test_older_cap_versions_are_refused_by_name(cap_dir: Path, name: str) -> None:
    """CAP 1.0 and 1.1 messages are refused as such, naming the version and how to fix it."""
    with pytest.raises(CapVersionError) as caught:
        parse_xml((cap_dir / name).read_bytes())
    (problem,) = caught.value.problems
    assert problem.message.startswith(f"CAP {OLDER[name]} is not accepted")
    assert "urn:oasis:names:tc:emergency:cap:1.2" in problem.message
