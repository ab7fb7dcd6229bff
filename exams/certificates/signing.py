"""Ed25519 signatures over what a certificate states.

The signature covers every printed fact, so a number, name or date changed in the database
no longer verifies. The private key comes from ``settings.CERTIFICATE_SIGNING_KEY``. Which public
keys are trusted comes from settings too, never from the database (someone who can edit rows could
otherwise add a key of their own and re-sign): the current key, plus the public keys listed in
``CERTIFICATE_TRUSTED_PUBLIC_KEYS`` after a rotation. ``SigningKey`` rows record each key that has
signed, so an operator can copy the old public key into that setting when replacing the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from exams.models import Certificate, SigningKey


def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.CERTIFICATE_SIGNING_KEY))


def raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_for(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def current_signing_key() -> tuple[Ed25519PrivateKey, SigningKey]:
    """The configured private key and its stored public half (stored on first use)."""
    key = private_key()
    public_raw = raw_public_key(key)
    row, _created = SigningKey.objects.get_or_create(
        key_id=key_id_for(public_raw), defaults={"public_key": base64.b64encode(public_raw).decode()}
    )
    return key, row


def canonical_payload(certificate: Certificate) -> bytes:
    """The signed bytes: the printed facts as JSON with sorted keys, compact separators, UTF-8.

    Spelled out so that anyone holding the public key can check a certificate without our code.
    """
    hours = Decimal(str(certificate.credit_hours)).quantize(Decimal("0.1"))
    facts = {
        "verification_id": certificate.verification_id,
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "subject": certificate.subject,
        "credit_hours": f"{hours:f}",
        "issued_on": certificate.issued_on.isoformat(),
        "issuer_name": certificate.issuer_name,
        "key_id": certificate.key_id,
    }
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(certificate: Certificate) -> str:
    """Stamp ``certificate.key_id`` with the current key (the signature covers it) and sign."""
    key, row = current_signing_key()
    certificate.key_id = row.key_id
    return _b64url_encode(key.sign(canonical_payload(certificate)))


def trusted_public_keys() -> dict[str, bytes]:
    """key id -> raw public key, for the configured key and the previous keys still trusted."""
    keys = [raw_public_key(private_key())]
    keys += [base64.b64decode(text) for text in settings.CERTIFICATE_TRUSTED_PUBLIC_KEYS]
    return {key_id_for(raw): raw for raw in keys}


def verify_signature(certificate: Certificate) -> bool:
    """True if the stored signature matches the stored facts under a trusted key it names."""
    public_raw = trusted_public_keys().get(certificate.key_id)
    if public_raw is None or not certificate.signature:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(public_raw)
        public.verify(_b64url_decode(certificate.signature), canonical_payload(certificate))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
