"""CAP signing and verification speed on one core: per message, and where the time goes.

Run: ``.venv/bin/python bench/cap_signature.py [--seconds S]`` (about 20 s at the default).
Each row times one call per sample: wall-clock p50 and p99 per message in µs, the p50 of the
thread's CPU time (what the call costs when other processes share the cores), and messages/s
at the wall-clock p50. "sign" is ``tanbih.cap.signature.sign`` on the bytes ``emit_xml``
wrote (a safe parse, one exclusive C14N, SHA-256 digest, ECDSA P-256 signature of the
``SignedInfo`` written from a template).
"verify" is ``verify`` on the signed bytes: the full hostile-input parse (XSD and rules
included), then the signature; "verify, parsed" is ``verify_document`` on a message already
parsed, as the API holds it. The typical message is what tanbih issues for a drone warning:
Arabic, Hebrew and English infos over four zones of 12-point polygons, ETA and shelter
parameters per zone.
"""

from __future__ import annotations

import argparse
import base64
import math
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from _timing import Timings, sample
from tanbih.cap import emit_xml, parse_document, parse_xml
from tanbih.cap.signature import sign, verify, verify_document
from tanbih.cap.xmldsig import SignatureParts, alert_digest, read_signature, signature_matches
from tanbih.cap.xmldsig import strict_base64 as decode
from tanbih.cli.keys import new_key_pair
from tanbih.coalition.keys import signing_key
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import SigningKey

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cap" / "valid"
SMALL = "oasis-spec-examples/v1dot2_appendix_adot1.xml"
IPAWS = "oasiscap-fixtures/ipaws-5e6dd9de023f1930ef6548d9.xml"
SENT = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)
WORDS = {"ar": "تحذير مبكر: طائرة مسيرة", "he": "התרעה מוקדמת: כטב״ם", "en": "Early warning: drone"}


def row(name: str, size: int, timings: Timings) -> str:
    """One table row: wall µs at p50 and p99, CPU µs at p50, messages per second at the p50."""
    wall, cpu = (sorted(times) for times in timings)
    p50, p99 = wall[len(wall) // 2] / 1000, wall[min(len(wall) - 1, int(len(wall) * 0.99))] / 1000
    cpu50 = cpu[len(cpu) // 2] / 1000
    return f"{name:<44} {size:>8,} {p50:>9.1f} {p99:>9.1f} {cpu50:>9.1f} {1e6 / p50:>9,.0f}"


def drone_warning(zones: int) -> Alert:
    """A tanbih early warning in three languages over ``zones`` zones."""
    areas = []
    parameters = []
    for z in range(zones):
        lat, lon = 32.0 + z * 0.05, 34.8 + z * 0.04
        ring = [
            Point(
                lat + 0.02 * math.sin(k * math.tau / 11), lon + 0.02 * math.cos(k * math.tau / 11)
            )
            for k in range(11)
        ]
        areas.append((f"zone-{z}", Polygon((*ring, ring[0]))))
        parameters += [
            NamedValue(f"tanbih:eta:zone-{z}", (SENT + timedelta(seconds=60 + z)).isoformat()),
            NamedValue(f"tanbih:shelter_seconds:zone-{z}", "90"),
        ]
    infos = tuple(
        Info(
            categories=(Category.SECURITY,),
            event=WORDS[language],
            urgency=Urgency.IMMEDIATE,
            severity=Severity.SEVERE,
            certainty=Certainty.LIKELY,
            language=language,
            response_types=(ResponseType.PREPARE,),
            event_codes=(NamedValue("tanbih:threat_class", "drone"),),
            onset=SENT + timedelta(seconds=60),
            expires=SENT + timedelta(minutes=30),
            sender_name="Regional coordinator",
            headline=WORDS[language],
            parameters=(NamedValue("tanbih:threat", "T-17"), *parameters),
            areas=tuple(
                Area(
                    f"{name} ({language})", (polygon,), geocodes=(NamedValue("tanbih:zone", name),)
                )
                for name, polygon in areas
            ),
        )
        for language in ("ar", "he", "en")
    )
    return Alert(
        identifier="hub@coord.example.org:T-17:1",
        sender="hub@coord.example.org",
        sent=SENT,
        status=Status.EXERCISE,
        msg_type=MsgType.ALERT,
        scope=Scope.RESTRICTED,
        restriction="coalition partners",
        incidents="T-17",
        infos=infos,
    )


def embedded_rsa(data: bytes) -> SigningKey:
    """The certificate a corpus message embeds, registered as an rsa-sha256 key."""
    found = re.search(rb"X509Certificate>([^<]*)<", data)
    assert found is not None
    der = base64.b64decode(b"".join(found.group(1).split()))
    pem = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    key = signing_key("ipaws", "rsa-sha256", pem)
    assert isinstance(key, SigningKey), key
    return key


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per row (default 1)")
    seconds = parser.parse_args().seconds
    key, certificate = new_key_pair("coord", "coord-1", now=SENT - timedelta(days=1), days=365)
    registered = signing_key("coord-1", "ecdsa-sha256", certificate.public_bytes(Encoding.PEM))
    assert isinstance(registered, SigningKey)
    small_alert = parse_xml((CORPUS / SMALL).read_bytes())
    messages = {
        "small (spec A.1)": emit_xml(replace(small_alert, sender="hub@coord.example.org")),
        "typical: 3 languages x 4 zones": emit_xml(drone_warning(4)),
        "large: 3 languages x 20 zones": emit_xml(drone_warning(20)),
    }
    trusted = {"hub@coord.example.org": (registered,)}
    header = ("message, operation", "bytes", "p50 µs", "p99 µs", "CPU p50", "msg/s@p50")
    print("{:<44} {:>8} {:>9} {:>9} {:>9} {:>9}".format(*header))
    for label, xml in messages.items():
        signed = sign(xml, key, certificate)
        document = parse_document(signed)
        assert verify(signed, trusted, required=True, now=SENT).key_id == "coord-1"
        print(
            row(
                f"{label}: sign", len(xml), sample(lambda x=xml: sign(x, key, certificate), seconds)
            )
        )
        print(
            row(
                f"{label}: verify",
                len(signed),
                sample(lambda s=signed: verify(s, trusted, required=True, now=SENT), seconds),
            )
        )
        print(
            row(
                f"{label}: verify, parsed",
                len(signed),
                sample(
                    lambda d=document: verify_document(d, trusted, required=True, now=SENT), seconds
                ),
            )
        )
    ipaws = (CORPUS / IPAWS).read_bytes()
    ipaws_alert = parse_xml(ipaws)
    trusted_ipaws = {ipaws_alert.sender: (embedded_rsa(ipaws),)}
    print(
        row(
            "IPAWS cancel, RSA-2048: verify",
            len(ipaws),
            sample(
                lambda: verify(ipaws, trusted_ipaws, required=True, now=ipaws_alert.sent), seconds
            ),
        )
    )
    print("-- typical message, verify's steps")
    signed = sign(messages["typical: 3 languages x 4 zones"], key, certificate)
    document = parse_document(signed)
    parts = read_signature(document.root)
    assert isinstance(parts, SignatureParts)
    value = decode(parts.signature_value)
    assert value is not None
    certificate_der = decode(parts.certificates[0])
    steps: dict[str, Callable[[], object]] = {
        "parse_document (XSD, rules)": lambda: parse_document(signed),
        "read the signature's shape": lambda: read_signature(document.root),
        "decode the values (base64)": lambda: decode(parts.signature_value) and certificate_der,
        "digest of the alert (C14N, SHA-256)": lambda: alert_digest(
            document.root, exclusive=True, digest="sha256"
        ),
        "SignedInfo C14N + ECDSA verify": lambda: signature_matches(parts, certificate, value),
    }
    for label, call in steps.items():
        print(row(label, len(signed), sample(call, seconds)))


if __name__ == "__main__":
    main()
