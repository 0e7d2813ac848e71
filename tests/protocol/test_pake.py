"""SPAKE2 and the fingerprint proofs: the same code agrees, anything else does not."""

from __future__ import annotations

import pytest

from jamdesk.protocol import pake
from jamdesk.protocol.tunnel import TunnelKey

OFFER = "v=0\r\na=fingerprint:sha-256 AA:BB:CC\r\n"
ANSWER = "v=0\r\na=fingerprint:sha-256 11:22:33\r\n"


def agree(joiner_code: str, host_code: str) -> tuple[bytes, bytes]:
    joiner = pake.JoinerPake(joiner_code)
    host_key, message = pake.host_pake(host_code, joiner.message)
    return joiner.finish(message), host_key


def test_the_same_code_gives_the_same_key_and_matching_proofs() -> None:
    mine, theirs = agree("ALGO7X", "ALGO7X")
    assert mine == theirs
    assert pake.check(
        pake.proof(mine, "host", ANSWER, OFFER), pake.proof(theirs, "host", ANSWER, OFFER)
    )


def test_a_wrong_code_or_an_altered_fingerprint_fails_the_proof() -> None:
    mine, theirs = agree("ALGO7X", "ALGO7Y")
    assert mine != theirs
    right_key, same = agree("ALGO7X", "ALGO7X")
    altered = ANSWER.replace("11:22:33", "11:22:34")
    assert pake.proof(right_key, "host", ANSWER, OFFER) != pake.proof(same, "host", altered, OFFER)
    assert pake.proof(right_key, "host", ANSWER, OFFER) != pake.proof(
        right_key, "joiner", ANSWER, OFFER
    )  # roles differ: one side's proof cannot be sent back as the other's


@pytest.mark.parametrize("message", ["", "zz", "00" * 33])
def test_a_malformed_pake_message_is_refused(message: str) -> None:
    with pytest.raises(pake.PakeError):
        pake.host_pake("ALGO7X", message)


def test_an_sdp_without_a_fingerprint_is_refused() -> None:
    with pytest.raises(pake.PakeError, match="no DTLS fingerprint"):
        pake.fingerprint("v=0\r\n")


def test_a_relayed_join_proves_the_code_over_both_tunnel_keys() -> None:
    joiner_key, host_key = TunnelKey().public, TunnelKey().public
    joiner = pake.JoinerPake("ALGO7X")
    key, message = pake.host_pake("ALGO7X", joiner.message)
    host_proof = pake.tunnel_proof(key, "host", host_key, joiner_key)
    mine = joiner.conclude_tunnel(joiner_key, host_key, message, host_proof)
    assert pake.check(pake.tunnel_proof(key, "joiner", joiner_key, host_key), mine)
    assert joiner.key == key
    # a relay that swapped the host's tunnel key for its own is caught by the joiner
    other = pake.JoinerPake("ALGO7X")
    key2, message2 = pake.host_pake("ALGO7X", other.message)
    proof2 = pake.tunnel_proof(key2, "host", host_key, joiner_key)
    with pytest.raises(pake.PakeError):
        other.conclude_tunnel(joiner_key, TunnelKey().public, message2, proof2)
