"""Every rule of the coalition file, as a table: one mistake in, one problem at its path out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.unit.coalition.samples import Document, Write, load_problems, minimal

from tanbih.coalition import load_coalition
from tanbih.coalition.tokens import hash_token

Mutation = Callable[[Document], object]


def set_at(path: tuple[str | int, ...], value: Any) -> Mutation:
    """A mutation setting the value at ``path`` (creating nothing on the way)."""

    def mutate(document: Document) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def delete_at(path: tuple[str | int, ...]) -> Mutation:
    """A mutation removing the key at ``path``."""

    def mutate(document: Document) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate


HUB_CHANNELS = ("partners", 0, "contacts", 0, "channels")

CASES: list[tuple[str, Mutation, str, str]] = [
    # (case, mutation, where the problem must be, words its message must contain)
    ("format missing", delete_at(("format",)), "format", "required"),
    ("format unknown", set_at(("format",), "tanbih-coalition/9"), "format", "tanbih-coalition/1"),
    ("name missing", delete_at(("coalition", "name")), "coalition.name", "required"),
    ("version a number", set_at(("coalition", "version"), 2), "coalition.version", "quote"),
    ("unknown key", set_at(("partners", 0, "nmae"), "Hub"), "partners[0].nmae", "unknown key"),
    ("role unknown", set_at(("partners", 1, "role"), "ally"), "partners[1].role", "coordinator"),
    ("no partners", set_at(("partners",), []), "partners", "must not be empty"),
    ("empty name", set_at(("partners", 1, "name"), ""), "partners[1].name", "must not be empty"),
    ("partners not a list", set_at(("partners",), {"id": "x"}), "partners", "list"),
    ("id uppercase", set_at(("partners", 1, "id"), "AA"), "partners[1].id", "lowercase"),
    ("id duplicate", set_at(("partners", 2, "id"), "aa"), "partners[2].id", "partners[1].id"),
    ("no coordinator", set_at(("partners", 0, "role"), "partner"), "partners", "coordinator"),
    (
        "second coordinator",
        set_at(("partners", 2, "role"), "coordinator"),
        "partners[2].role",
        "second coordinator",
    ),
    ("node partner unknown", set_at(("node", "partner"), "zz"), "node.partner", "'zz'"),
    (
        "node sender not the partner's",
        set_at(("node", "sender"), "cap@aa.example.org"),
        "node.sender",
        "not among the senders of partner 'hub'",
    ),
    (
        "sender used by two partners",
        set_at(("partners", 1, "senders"), ["hub@hub.example.org"]),
        "partners[1].senders[0]",
        "already given at partners[0].senders[0]",
    ),
    (
        "sender with a space",
        set_at(("partners", 1, "senders"), ["cap at aa"]),
        "partners[1].senders[0]",
        "without spaces",
    ),
    (
        "raw token instead of a hash",
        set_at(("partners", 1, "tokens"), ["aa-token"]),
        "partners[1].tokens[0]",
        "sha256:",
    ),
    (
        "token hash too short",
        set_at(("partners", 1, "tokens"), ["sha256:abc"]),
        "partners[1].tokens[0]",
        "64",
    ),
    (
        "token hash given to two partners",
        set_at(("partners", 1, "tokens"), [hash_token("hub-token")]),
        "partners[1].tokens[0]",
        "already given at partners[0].tokens[0]",
    ),
    (
        "partner language",
        set_at(("partners", 1, "languages"), ["Arabic"]),
        "partners[1].languages[0]",
        "language tag",
    ),
    (
        "no languages",
        set_at(("partners", 1, "languages"), []),
        "partners[1].languages",
        "must not be empty",
    ),
    (
        "contact language",
        set_at(("partners", 1, "contacts", 0, "languages"), ["ar", "e"]),
        "partners[1].contacts[0].languages[1]",
        "language tag",
    ),
    (
        "contact duty unknown",
        set_at(("partners", 1, "contacts", 0, "duty"), "boss"),
        "partners[1].contacts[0].duty",
        "duty_officer",
    ),
    (
        "contact id used twice",
        set_at(("partners", 1, "contacts", 0, "id"), "hub-duty"),
        "partners[1].contacts[0].id",
        "already given at partners[0].contacts[0].id",
    ),
    (
        "channel kind unknown",
        set_at((*HUB_CHANNELS, 1, "kind"), "pager"),
        "partners[0].contacts[0].channels[1].kind",
        "email",
    ),
    (
        "console address with a space",
        set_at((*HUB_CHANNELS, 0, "address"), "hub duty"),
        "partners[0].contacts[0].channels[0].address",
        "console",
    ),
    (
        "email without @",
        set_at((*HUB_CHANNELS, 1, "address"), "duty.hub.example.org"),
        "partners[0].contacts[0].channels[1].address",
        "e-mail",
    ),
    (
        "sms number without +",
        set_at((*HUB_CHANNELS, 2, "address"), "07700900001"),
        "partners[0].contacts[0].channels[2].address",
        "E.164",
    ),
    (
        "voice number too long",
        set_at((*HUB_CHANNELS, 3, "address"), "+4477009000011234"),
        "partners[0].contacts[0].channels[3].address",
        "E.164",
    ),
    (
        "webhook not http",
        set_at((*HUB_CHANNELS, 4, "address"), "ftp://127.0.0.1/cap"),
        "partners[0].contacts[0].channels[4].address",
        "http",
    ),
    (
        "webhook without host",
        set_at((*HUB_CHANNELS, 4, "address"), "http:///cap"),
        "partners[0].contacts[0].channels[4].address",
        "host",
    ),
    (
        "apprise without scheme",
        set_at((*HUB_CHANNELS, 5, "address"), "127.0.0.1:18190"),
        "partners[0].contacts[0].channels[5].address",
        "scheme",
    ),
    ("zone owner unknown", set_at(("zones", 0, "partner"), "zz"), "zones[0].partner", "'zz'"),
    (
        "zone shelter time too long",
        set_at(("zones", 0, "shelter_seconds"), 601),
        "zones[0].shelter_seconds",
        "600",
    ),
    (
        "zone shelter time negative",
        set_at(("zones", 0, "shelter_seconds"), -1),
        "zones[0].shelter_seconds",
        "0",
    ),
    (
        "zone with no shelter time at all",
        delete_at(("zones", 0, "shelter_seconds_property")),
        "zones[0]",
        "shelter_seconds",
    ),
    (
        "zone name language",
        set_at(("zones", 0, "names"), {"EN": "name_en"}),
        "zones[0].names.EN",
        "language tag",
    ),
    ("zone file missing key", delete_at(("zones", 0, "file")), "zones[0].file", "required"),
    ("sharing a scalar", set_at(("sharing",), "open"), "sharing", "must be a mapping"),
    ("response a list", set_at(("response",), ["hub-first"]), "response", "must be a mapping"),
]


@pytest.mark.parametrize(
    ("mutation", "where", "words"),
    [pytest.param(m, w, words, id=case) for case, m, w, words in CASES],
)
def test_each_mistake_is_reported_at_its_path(
    write: Write, mutation: Mutation, where: str, words: str
) -> None:
    """One mistake in an otherwise valid file gives one problem, at its path, saying what."""
    document = minimal()
    mutation(document)
    problems = load_problems(write(document))
    assert [p.where for p in problems] == [where], problems
    assert words in problems[0].message
    assert problems[0].line is not None


def test_policy_sections_are_kept_verbatim(write: Write) -> None:
    """The agreement's sections reach Coalition.policies as written, besides being typed."""
    document = minimal()
    document["sharing"] = {"default": "full", "pairs": [{"between": ["aa", "bb"], "rule": "none"}]}
    document["response"] = {"non_responders": ["bb"]}
    coalition = load_coalition(write(document))
    assert dict(coalition.policies) == {
        "sharing": {"default": "full", "pairs": [{"between": ["aa", "bb"], "rule": "none"}]},
        "response": {"non_responders": ["bb"]},
    }


def test_independent_mistakes_are_all_reported_in_one_run(write: Write) -> None:
    """Two unrelated mistakes both appear, so an operator fixes the file in one pass."""
    document = minimal()
    set_at((*HUB_CHANNELS, 1, "address"), "nobody")(document)
    set_at(("node", "partner"), "zz")(document)
    problems = load_problems(write(document))
    assert {p.where for p in problems} == {
        "node.partner",
        "partners[0].contacts[0].channels[1].address",
    }
