"""Reading CAP XML: hostile input refused without side effects, every problem named in words."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.cap import MAX_BYTES, MAX_DEPTH, emit_xml, parse_document, parse_stored, parse_xml
from tanbih.domain.cap import NamedValue
from tanbih.errors import CapError, CapVersionError, Problem

PLAIN = emit_xml(plain_alert()).decode()


def _refusal(document: str | bytes) -> tuple[Problem, ...]:
    data = document.encode() if isinstance(document, str) else document
    with pytest.raises(CapError) as caught:
        parse_xml(data)
    return caught.value.problems


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _xxe(port: int, secret: Path, encoding: str) -> str:
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE alert SYSTEM "http://127.0.0.1:{port}/cap.dtd" [
  <!ENTITY % file SYSTEM "file://{secret}">
  <!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/remote">
  <!ENTITY secret SYSTEM "file://{secret}">
  <!ENTITY web SYSTEM "http://127.0.0.1:{port}/web">
  %file;
  %remote;
]>
{PLAIN.split("?>", 1)[1].replace("TANBIH-1", "&secret;&web;")}"""


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_xxe_reads_no_file_and_opens_no_connection(
    listener: socket.socket, tmp_path: Path, encoding: str
) -> None:
    """A DOCTYPE with file and network entities is refused; nothing is read or fetched.

    UTF-16 hides the DOCTYPE from the byte check, so libxml2 parses the internal subset, where
    it would load ``%file;`` — whose unterminated text would then make the document malformed.
    Refusal for the DOCTYPE (not a syntax error) shows the file was never read.
    """
    secret = tmp_path / "secret.dtd"
    secret.write_text('<!ENTITY % leak "TOP-SECRET-MARKER')
    document = _xxe(listener.getsockname()[1], secret, encoding).encode(encoding.lower())
    (problem,) = _refusal(document)
    assert problem.where == "document"
    assert problem.message.startswith("DOCTYPE declarations are refused")
    assert "TOP-SECRET-MARKER" not in str(problem)
    with pytest.raises(BlockingIOError):
        listener.accept()  # libxml2 parses synchronously: a fetch would be queued by now


def test_doctype_after_comments_and_pis_is_refused() -> None:
    """A DOCTYPE behind a comment and a processing instruction is still found in the prolog."""
    document = PLAIN.replace("?>\n", "?>\n<!-- hi --><?pi x?>\n<!DOCTYPE alert>\n", 1)
    (problem,) = _refusal(document)
    assert "DOCTYPE" in problem.message


def test_oversize_message_is_refused_before_parsing() -> None:
    """Bytes over ``max_bytes`` are refused, whatever they hold, naming size and limit."""
    with pytest.raises(CapError) as caught:
        parse_xml(b"<" * 101, max_bytes=100)  # not even XML: the size is checked first
    (problem,) = caught.value.problems
    assert problem.message == "101 bytes is over the limit of 100"


def _signature(depth: int) -> str:
    nested = "<ds:Object>" * depth + "x" + "</ds:Object>" * depth
    return (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f"{nested}</ds:Signature>\n</alert>"
    )


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    """Elements nested more than MAX_DEPTH deep (here inside a lax ds:Signature) are refused."""
    (problem,) = _refusal(PLAIN.replace("</alert>", _signature(MAX_DEPTH)))
    assert problem.message == f"elements are nested more than {MAX_DEPTH} deep"


def test_nesting_within_the_limit_is_accepted() -> None:
    """A signature nested up to the limit (alert, Signature, then Objects) parses as signed."""
    assert parse_document(PLAIN.replace("</alert>", _signature(MAX_DEPTH - 2)).encode()).signed


def test_malformed_xml_names_the_line() -> None:
    """Not well-formed XML is refused with the parser's reason and line."""
    (problem,) = _refusal(PLAIN.replace("</sender>", "</sendr>"))
    assert problem.where == "document"
    assert problem.message.startswith("not well-formed XML")
    assert problem.line == 4


def test_alert_without_namespace_is_not_cap() -> None:
    """An ``<alert>`` in no namespace is refused as not CAP, saying which namespace is wanted."""
    with pytest.raises(CapVersionError) as caught:
        parse_xml(PLAIN.replace(' xmlns="urn:oasis:names:tc:emergency:cap:1.2"', "").encode())
    assert "no namespace" in caught.value.problems[0].message


def test_declared_encoding_is_honoured() -> None:
    """An ISO-8859-1 document is decoded as it declares."""
    latin = PLAIN.replace("UTF-8", "ISO-8859-1").replace("Zone A", "Usulután").encode("latin-1")
    assert parse_xml(latin).infos[0].areas[0].area_desc == "Usulután"


def test_comments_and_pis_anywhere_do_not_change_the_alert() -> None:
    """Comments and processing instructions between or inside elements change no value."""
    code = "<eventCode><valueName>S<!-- a -->AME</valueName><?pi?><value>SVR</value></eventCode>"
    document = (
        PLAIN.replace("<event>Drone</event>", "<event>Dr<!-- x -->one</event><!-- y -->")
        .replace("<onset>", f"{code}\n    <onset>")
        .replace("<areaDesc>", "<?pi?><areaDesc>")
    )
    info = parse_xml(document.encode()).infos[0]
    assert info.event == "Drone"
    assert info.event_codes == (NamedValue("SAME", "SVR"),)
    assert info.areas[0].area_desc == "Zone A"


def test_tree_is_kept_as_received() -> None:
    """``CapDocument.root`` keeps comments and white space for signature checks later."""
    document = parse_document(PLAIN.replace("<scope>", "<!-- kept --><scope>").encode())
    assert document.root.xpath("count(//comment())") == 1
    assert not document.signed


# (name, text replaced, replacement, where, words of the message)
SCHEMA_ERRORS = [
    (
        "bad urgency",
        "Immediate",
        "Soon",
        "alert/info[1]/urgency",
        "'Soon' is not a CAP 1.2 urgency",
    ),
    (
        "1.0 certainty",
        "Observed",
        "Very Likely",
        "alert/info[1]/certainty",
        "CAP 1.2 says 'Likely'",
    ),
    ("Z time", "14:05:00+02:00", "12:05:00Z", "alert/sent", "is not a CAP time"),
    ("fraction", "14:05:00+02:00", "14:05:00.5+02:00", "alert/sent", "no fractions"),
    ("bad day", "2026-03-01T14", "2026-02-30T14", "alert/sent", "is not a real date and time"),
    ("bad language", "<language>en<", "<language>en_US<", "alert/info[1]/language", "RFC 3066"),
    ("unknown element", "<scope>", "<foo/><scope>", "alert/foo", "element <foo> is not allowed"),
    ("attribute", "<scope>", '<scope kind="x">', "alert/scope", "attribute 'kind' is not allowed"),
    ("missing event", "<event>Drone</event>", "", "alert/info[1]/event", "<event> is missing"),
    ("text in info", "<event>", "stray<event>", "alert/info[1]", "text is not allowed directly"),
    ("child in leaf", "Drone", "<b>Drone</b>", "alert/info[1]/event", "holds text only"),
    ("missing category", "<category>Security</category>", "", "alert/info[1]/category", "missing"),
    ("empty area", "<areaDesc>Zone A</areaDesc>", "", "alert/info[1]/area[1]/areaDesc", "missing"),
    (
        "only a category",
        PLAIN[PLAIN.index("<event>") : PLAIN.index("</info>")],
        "",
        "alert/info[1]/event",
        "required element <event> is missing",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [case[1:] for case in SCHEMA_ERRORS],
    ids=[case[0] for case in SCHEMA_ERRORS],
)
def test_schema_errors_are_put_in_words(old: str, new: str, where: str, words: str) -> None:
    """Each kind of XSD error names the element path and says what is wrong in plain words."""
    assert old in PLAIN
    problems = _refusal(PLAIN.replace(old, new, 1))
    assert any(p.where == where and words in p.message for p in problems), problems
    assert all(p.line for p in problems)


def test_schema_errors_in_sibling_blocks_are_all_reported() -> None:
    """Errors in two info blocks are both reported, not just the first."""
    info = PLAIN[PLAIN.index("  <info>") : PLAIN.index("</info>") + len("</info>")]
    second = info.replace("Severe", "Awful")
    document = PLAIN.replace(info, info.replace("Immediate", "Soon") + "\n" + second)
    wheres = {p.where for p in _refusal(document)}
    assert wheres == {"alert/info[1]/urgency", "alert/info[2]/severity"}


def test_rule_findings_are_all_reported_with_lines() -> None:
    """Several rule violations come back together, each with its element and line."""
    document = PLAIN.replace("<scope>Public</scope>", "<scope>Private</scope>").replace(
        "32.1,34.8</polygon>", "32.3,34.8</polygon>"
    )
    problems = {(p.where, p.line) for p in _refusal(document)}
    assert problems == {("alert/addresses", 2), ("alert/info[1]/area[1]/polygon[1]", 21)}


def test_text_syntax_errors_name_element_and_line() -> None:
    """Bad polygon, circle and references text, and a time Python cannot hold, are all named."""
    document = (
        PLAIN.replace(
            "<scope>Public</scope>", "<scope>Public</scope>\n  <references>a,b</references>"
        )
        .replace("32.1,34.8 32.2", "32.1;34.8 32.2", 1)
        .replace("32.08,34.78 5.0", "32.08,34.78")
        .replace("<onset>2026-03-01T14:06:30+02:00", "<onset>2026-03-01T24:00:00+02:00")
    )
    problems = {p.where: p for p in _refusal(document)}
    assert set(problems) == {
        "alert/references",
        "alert/info[1]/onset",
        "alert/info[1]/area[1]/polygon[1]",
        "alert/info[1]/area[1]/circle[1]",
    }
    assert "'a,b' is not 'sender,identifier,sent'" in problems["alert/references"].message
    assert problems["alert/info[1]/area[1]/circle[1]"].line == 23


def test_a_stored_message_over_the_posting_limit_reads_back_whole() -> None:
    """A warning over many zones may pass the limit for posts: refused as a post, it reads
    back as stored, every area kept."""
    alert = plain_alert()
    [info] = alert.infos
    [area] = info.areas
    many = tuple(replace(area, area_desc=f"Zone {i}") for i in range(7000))
    big = emit_xml(replace(alert, infos=(replace(info, areas=many),)))
    assert len(big) > MAX_BYTES

    with pytest.raises(CapError, match="over the limit"):
        parse_xml(big)
    assert [a.area_desc for a in parse_stored(big).infos[0].areas] == [
        f"Zone {i}" for i in range(7000)
    ]
