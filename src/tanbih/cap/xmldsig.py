"""The one XML-DSig shape tanbih accepts on a CAP alert, and the computations that check it.

tanbih's profile of an enveloped signature (W3C XML Signature 1.1, the shape signxml writes):

- exactly one ``ds:Signature`` in the document, a child of ``<alert>``, with no other ``ds:``
  element beside it and no ``ds:Object`` inside (nothing a reference does not cover);
- ``SignedInfo``: a canonicalization (C14N 1.0, 1.1 or exclusive, with or without comments),
  ``ecdsa-sha256`` or ``rsa-sha256``, and exactly **one** ``Reference`` with ``URI=""``, the
  whole alert, so no signature can cover a part of the document, or another one, while the
  rest is read (the signature wrapping attack);
- the reference's transforms: ``enveloped-signature``, then at most one canonicalization;
  its digest SHA-256, SHA-384 or SHA-512;
- ``KeyInfo`` with one ``X509Data`` holding the signer's ``X509Certificate`` (the verifier
  looks it up among the keys registered for the sender; naming elements are ignored).

Values are ``xs:base64Binary``, read strictly: a text that is not the canonical encoding of
its bytes (non-zero padding bits, stray characters) was altered and is refused, as the
XML-DSig schema itself refuses it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from tanbih.cap.xml_parse import XMLDSIG_NAMESPACE
from tanbih.cap.xml_parse import _parser as safe_parser  # the one hostile-input-safe parser
from tanbih.domain.coalition import SignatureAlgorithm

_DS = f"{{{XMLDSIG_NAMESPACE}}}"
SIGNATURE = _DS + "Signature"
ENVELOPED = XMLDSIG_NAMESPACE + "enveloped-signature"

# Algorithm URI -> (exclusive, with comments). C14N 1.1 differs from 1.0 only in how xml:id
# and xml:base are inherited into a document subset; nothing here canonicalizes a subset
# carrying them (CAP and XML-DSig admit no xml: attributes on these elements).
CANONICALIZATIONS = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
SIGNATURE_METHODS = {
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": SignatureAlgorithm.ECDSA_SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": SignatureAlgorithm.RSA_SHA256,
}
DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_KEY_NAMING = {_DS + name for name in ("X509SubjectName", "X509IssuerSerial", "X509SKI")}


@dataclass(frozen=True, slots=True)
class Flaw:
    """Why a signature does not have the accepted shape, and the element at fault."""

    where: str
    message: str


@dataclass(frozen=True, slots=True)
class SignatureParts:
    """What a signature of the accepted shape says, its values still as received (text)."""

    signed_info: etree._Element
    canonicalization: tuple[bool, bool]
    algorithm: SignatureAlgorithm
    reference_exclusive: bool
    digest: str
    digest_value: str
    signature_value: str
    certificates: tuple[str, ...]


def read_signature(root: etree._Element) -> SignatureParts | Flaw | None:
    """The signature on the alert ``root``: ``None`` if unsigned, a :class:`Flaw` if misshapen."""
    # Searched in the whole tree: a signature hidden deeper is a wrapping attempt, not noise.
    signatures = list(root.iter(SIGNATURE))
    if not signatures:
        return None
    if len(signatures) > 1:
        return Flaw("Signature", f"{len(signatures)} signatures; exactly one is accepted")
    signature = signatures[0]
    if signature.getparent() is not root:
        return Flaw("Signature", "the signature must be a child of <alert> (enveloped)")
    stray = next((e for e in root.iterchildren(_DS + "*") if e is not signature), None)
    if stray is not None:
        return Flaw(etree.QName(stray).localname, "no ds: element but the Signature may follow")
    if next(signature.iterchildren(_DS + "Object"), None) is not None:
        return Flaw(
            "Signature/Object",
            "an Object is refused: what it holds is outside the alert, yet could be read as signed",
        )
    parts = _children(signature, "Signature", ("SignedInfo", "SignatureValue", "KeyInfo"))
    if isinstance(parts, Flaw):
        return parts
    signed_info, signature_value, key_info = parts
    return _signed_info(signed_info, signature_value, key_info)


def _signed_info(
    signed_info: etree._Element, signature_value: etree._Element, key_info: etree._Element
) -> SignatureParts | Flaw:
    where = "Signature/SignedInfo"
    parts = _children(
        signed_info, where, ("CanonicalizationMethod", "SignatureMethod", "Reference")
    )
    if isinstance(parts, Flaw):
        return parts
    method, algorithm_element, reference = parts
    canonicalization = CANONICALIZATIONS.get(method.get("Algorithm", ""))
    if canonicalization is None:
        return Flaw(f"{where}/CanonicalizationMethod", _unknown(method, "canonicalization"))
    algorithm = SIGNATURE_METHODS.get(algorithm_element.get("Algorithm", ""))
    if algorithm is None:
        message = _unknown(algorithm_element, "signature method") + " (ecdsa-sha256, rsa-sha256)"
        return Flaw(f"{where}/SignatureMethod", message)
    read = _reference(reference)
    if isinstance(read, Flaw):
        return read
    exclusive, digest, digest_value = read
    certificates = _certificates(key_info)
    if isinstance(certificates, Flaw):
        return certificates
    return SignatureParts(
        signed_info=signed_info,
        canonicalization=canonicalization,
        algorithm=algorithm,
        reference_exclusive=exclusive,
        digest=digest,
        digest_value=digest_value,
        signature_value=signature_value.text or "",
        certificates=certificates,
    )


def _reference(reference: etree._Element) -> tuple[bool, str, str] | Flaw:
    """Whether the reference canonicalizes exclusively, its digest name and value text."""
    where = "Signature/SignedInfo/Reference"
    uri = reference.get("URI")
    if uri != "":
        return Flaw(
            where,
            f'URI {uri!r} is refused: the one reference must be URI="", the whole alert '
            "(a reference to a part or to another document leaves the rest unsigned)",
        )
    parts = _children(reference, where, ("Transforms", "DigestMethod", "DigestValue"))
    if isinstance(parts, Flaw):
        return parts
    transforms, digest_method, digest_value = parts
    algorithms = []
    for transform in _elements(transforms):
        if len(_elements(transform)) or transform.tag != _DS + "Transform":
            return Flaw(f"{where}/Transforms", "only Transform elements without content")
        algorithms.append(transform.get("Algorithm", ""))
    if (
        algorithms[:1] != [ENVELOPED]
        or len(algorithms) > 2
        or any(algorithm not in CANONICALIZATIONS for algorithm in algorithms[1:])
    ):
        return Flaw(
            f"{where}/Transforms",
            f"transforms {algorithms} are refused: enveloped-signature, then at most one "
            "canonicalization",
        )
    # Without a canonicalization transform C14N 1.0 applies; comments never count (URI=""
    # leaves them out of what is signed).
    exclusive = len(algorithms) == 2 and CANONICALIZATIONS[algorithms[1]][0]
    digest = DIGESTS.get(digest_method.get("Algorithm", ""))
    if digest is None:
        return Flaw(f"{where}/DigestMethod", _unknown(digest_method, "digest") + " (SHA-2)")
    return exclusive, digest, digest_value.text or ""


def _certificates(key_info: etree._Element) -> tuple[str, ...] | Flaw:
    """The texts of the X509Certificate elements of a KeyInfo of the accepted shape."""
    where = "Signature/KeyInfo"
    data = [child for child in _elements(key_info) if child.tag != _DS + "KeyName"]
    if len(data) != 1 or data[0].tag != _DS + "X509Data":
        names = ", ".join(etree.QName(child).localname for child in data) or "nothing"
        return Flaw(where, f"holds {names}; one X509Data with the signer's certificate is needed")
    certificates = []
    for child in _elements(data[0]):
        if child.tag == _DS + "X509Certificate":
            certificates.append(child.text or "")
        elif child.tag not in _KEY_NAMING:
            return Flaw(f"{where}/X509Data", f"{etree.QName(child).localname} is not accepted")
    if not certificates:
        return Flaw(f"{where}/X509Data", "no X509Certificate: the signer is known by it")
    return tuple(certificates)


def _children(
    element: etree._Element, where: str, names: tuple[str, ...]
) -> list[etree._Element] | Flaw:
    """The element children of ``element``, if they are the ``ds:`` elements ``names``, in order."""
    children = _elements(element)
    if [child.tag for child in children] != [_DS + name for name in names]:
        found = ", ".join(etree.QName(child).localname for child in children) or "nothing"
        return Flaw(where, f"holds {found}; expected {', '.join(names)}")
    return children


def _elements(element: etree._Element) -> list[etree._Element]:
    # Comments and processing instructions carry nothing a verifier reads.
    return [child for child in element if isinstance(child.tag, str)]


def _unknown(element: etree._Element, what: str) -> str:
    return f"{what} {element.get('Algorithm')!r} is not accepted"


def strict_base64(text: str) -> bytes | None:
    """The bytes ``text`` encodes as ``xs:base64Binary``; ``None`` unless it is canonical."""
    compact = "".join(text.split())
    try:
        raw = base64.b64decode(compact, validate=True)
    except binascii.Error:
        return None
    # Python ignores the padding bits; re-encoding shows whether they were zero.
    return raw if base64.b64encode(raw).decode("ascii") == compact else None


def canonical(element: etree._Element, *, exclusive: bool, with_comments: bool) -> bytes:
    """The C14N of ``element`` (its in-scope namespaces included), as a document of its own."""
    # lxml 6.1 (libxml2 2.14) canonicalizes an element that is not alone in its document (a
    # subelement, or a root beside a processing instruction) wrongly: descendants inheriting
    # a default namespace get xmlns="". Serialised and re-read on its own, it comes out right.
    alone = etree.fromstring(etree.tostring(element, with_tail=False), safe_parser())
    return etree.tostring(alone, method="c14n", exclusive=exclusive, with_comments=with_comments)


def alert_digest(root: etree._Element, *, exclusive: bool, digest: str) -> bytes:
    """The digest of the alert ``root`` with its signature removed (the enveloped transform)."""
    # A deep copy of the root is alone in a new document (see canonical()), and its removed
    # signature leaves the caller's tree untouched.
    alone = copy.deepcopy(root)
    signature = alone.find(SIGNATURE)
    if signature is not None:
        # The transform removes the element only: the text after it stays in the document.
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + (signature.tail or "")
        else:
            alone.text = (alone.text or "") + (signature.tail or "")
        alone.remove(signature)
    data = etree.tostring(alone, method="c14n", exclusive=exclusive, with_comments=False)
    return hashlib.new(digest, data).digest()


def signature_matches(
    parts: SignatureParts, certificate: x509.Certificate, signature_value: bytes
) -> bool:
    """Whether ``signature_value`` signs the canonical ``SignedInfo`` with the certificate's key."""
    exclusive, with_comments = parts.canonicalization
    data = canonical(parts.signed_info, exclusive=exclusive, with_comments=with_comments)
    key = certificate.public_key()
    try:
        if parts.algorithm is SignatureAlgorithm.ECDSA_SHA256:
            if not isinstance(key, ec.EllipticCurvePublicKey):
                return False
            # XML-DSig writes ECDSA as r then s, each as long as the curve's order: not DER.
            size = (key.curve.key_size + 7) // 8
            if len(signature_value) != 2 * size:
                return False
            r = int.from_bytes(signature_value[:size], "big")
            s = int.from_bytes(signature_value[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                return False
            key.verify(signature_value, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
