"""Who a member is: an Ed25519 key pair per install, and a participant id derived from its
public key (docs/ARCHITECTURE.md, "Identity"; issue 16).

The hello carries the public key and a signature (RFC 8032, Ed25519, through
``cryptography``) over :func:`hello_statement`: the room's code, the key and the member's
clock when it signed. The host admits the key's own id, :func:`participant_id_for`, never an
id the member merely claims: a rejoin from the same computer is the same person, and nobody
can be welcomed as another without that person's private key.

What this proves, and what not: the hello travels only inside the link to the host
(DTLS-encrypted data channel, or the sealed relay tunnel), so only a host ever sees a signed
hello. A signature names the room's code and expires after :data:`HELLO_FRESH_MS`, and a
host admits each signature once, so a hello collected by one host can be replayed neither
into another room nor later into the same one (a member that joins by address alone knows
no code and signs over none: such a hello could be replayed into another room within those
minutes by the host that received it). A host cannot tell two installs of one
student apart from two students, and a student who copies their key file to another
computer is the same person on both.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HELLO_FRESH_MS = 15 * 60_000
"""How far a hello's signing time may be from the host's clock (members' clocks are off by
minutes; the room clock is only known after the welcome)."""
_STATEMENT = b"jamdesk-hello/1\x00"


def participant_id_for(public_key: bytes) -> str:
    """The participant id of a 32-byte Ed25519 public key: ``"k"`` and 15 hex digits of its
    SHA-256 (16 characters, as random ids are; the ``k`` tells them apart)."""
    return "k" + hashlib.sha256(b"jamdesk-id/1\x00" + public_key).hexdigest()[:15]


def hello_statement(code: str, public_key: bytes, signed_at_ms: int) -> bytes:
    """What a hello's signature covers: the room's code (upper case), the key, the time."""
    return (
        _STATEMENT
        + code.strip().upper().encode("utf-8")
        + b"\x00"
        + public_key
        + signed_at_ms.to_bytes(8, "big", signed=True)
    )


class Identity:
    """This install's key pair (``key``) and the participant id it proves."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.public_key = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.participant_id = participant_id_for(self.public_key)

    @classmethod
    def generate(cls) -> Identity:
        """A new key pair (an install with no data folder keeps it in memory only)."""
        return cls(Ed25519PrivateKey.generate())

    def sign_hello(self, code: str, signed_at_ms: int) -> tuple[str, str]:
        """``(public key, signature)``, both hex, for a hello to room ``code`` at
        ``signed_at_ms`` (this computer's clock, Unix ms)."""
        signature = self.key.sign(hello_statement(code, self.public_key, signed_at_ms))
        return self.public_key.hex(), signature.hex()


def verify_hello(code: str, public_key_hex: str, signature_hex: str, signed_at_ms: int) -> str:
    """The participant id a hello proves, or ``""`` when its key or signature is not valid
    for room ``code`` (never raises for bad input)."""
    try:
        public_key = bytes.fromhex(public_key_hex)
        signature = bytes.fromhex(signature_hex)
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, hello_statement(code, public_key, signed_at_ms)
        )
    except (ValueError, InvalidSignature, OverflowError):
        return ""
    return participant_id_for(public_key)
