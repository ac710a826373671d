"""Provenance: the partners whose reports a message rests on (its *sources*).

Releasability is decided per source (:func:`tanbih.domain.releasability.release`), so every
message must say whose reports it rests on:

- a partner's own CAP message rests on that partner's reports: its source is the partner that
  posted it;
- a warning this node issued from fused observations rests on the reports of every partner
  whose observations fed the threat. Issuance names them in ``tanbih:source`` parameters, one
  per partner (:mod:`tanbih.domain.issuance`); redaction removes those parameters below
  ``full``, so only recipients entitled to the sources see them.

A partner may name further sources in ``tanbih:source`` parameters of its own messages (a
message it relays): they are added to it, never put in its place, since a source can only make
a message's release more restrictive.
"""

from __future__ import annotations

from collections.abc import Collection

from tanbih.domain.cap import Alert

SOURCE_PARAMETER = "tanbih:source"
"""The ``<parameter>`` value name naming one source partner of an issued warning."""


def named_sources(alert: Alert) -> frozenset[str]:
    """The partner ids the message's ``tanbih:source`` parameters name."""
    return frozenset(
        parameter.value
        for info in alert.infos
        for parameter in info.parameters
        if parameter.value_name == SOURCE_PARAMETER
    )


def message_sources(
    alert: Alert, poster: str, own_partner: str, partners: Collection[str]
) -> frozenset[str]:
    """The partners whose reports ``alert``, posted by partner ``poster``, rests on.

    ``own_partner`` is the partner running this node: its warnings issued from observations
    rest on the partners they name, not on itself. Names that are no partner of the coalition
    (``partners``) are ignored; the poster always counts, unless it is the node itself and the
    message names its sources.
    """
    named = named_sources(alert) & frozenset(partners)
    if poster == own_partner and named:
        return named
    return named | {poster}
