"""The relay tunnel's keys and frames: both ends agree, the server cannot read or change a
frame, and a private room's tunnel opens only for someone who knows its code."""

from __future__ import annotations

import pytest

from jamdesk.protocol import pake
from jamdesk.protocol.tunnel import OVERHEAD_BYTES, TunnelError, TunnelKey


def pair(pake_key: bytes = b"", host_pake: bytes | None = None):  # type: ignore[no-untyped-def]
    joiner, host = TunnelKey(), TunnelKey()
    to_host = joiner.cipher(host.public, role="joiner", pake_key=pake_key)
    to_joiner = host.cipher(
        joiner.public, role="host", pake_key=pake_key if host_pake is None else host_pake
    )
    return to_host, to_joiner


def test_frames_open_at_the_other_end_in_both_directions() -> None:
    joiner, host = pair()
    frame = joiner.seal(0, b'{"type":"hello"}')
    assert len(frame) == len(b'{"type":"hello"}') + OVERHEAD_BYTES
    assert b"hello" not in frame
    assert host.open(frame) == (0, b'{"type":"hello"}')
    assert joiner.open(host.seal(0, b"welcome")) == (0, b"welcome")
    assert host.open(joiner.seal(5, b"later")) == (5, b"later")  # gaps are for paths.py


def test_an_altered_replayed_or_reordered_frame_is_refused() -> None:
    joiner, host = pair()
    first, second = joiner.seal(0, b"one"), joiner.seal(1, b"two")
    altered = second[:-1] + bytes([second[-1] ^ 0x80])
    with pytest.raises(TunnelError, match="altered"):
        host.open(altered)
    renumbered = (7).to_bytes(8, "big") + second[8:]  # a new sequence number: a new nonce
    with pytest.raises(TunnelError, match="altered"):
        host.open(renumbered)
    assert host.open(second) == (1, b"two")
    with pytest.raises(TunnelError, match="out of order"):
        host.open(first)
    with pytest.raises(TunnelError, match="again"):
        host.open(second)
    with pytest.raises(TunnelError, match="too short"):
        host.open(b"\x00" * 4)


def test_a_frame_sealed_for_one_direction_does_not_open_in_the_other() -> None:
    joiner, _host = pair()
    with pytest.raises(TunnelError):
        joiner.open(joiner.seal(0, b"reflected back by the relay"))


def test_a_private_rooms_tunnel_needs_the_code_so_a_relay_in_the_middle_fails() -> None:
    joiner_pake = pake.JoinerPake("ALGO7X")
    key, message = pake.host_pake("ALGO7X", joiner_pake.message)
    assert joiner_pake.finish(message) == key
    joiner, host = pair(pake_key=key)
    assert host.open(joiner.seal(0, b"hi")) == (0, b"hi")
    # A relay that swapped the public keys holds X25519 secrets with both ends, but without
    # the room's code its keys differ from theirs.
    joiner, relay = pair(pake_key=key, host_pake=b"a guess without the code")
    with pytest.raises(TunnelError):
        relay.open(joiner.seal(0, b"hi"))


def test_a_malformed_public_key_is_refused_in_words() -> None:
    with pytest.raises(TunnelError, match="tunnel key"):
        TunnelKey().cipher("not hex", role="joiner")
    with pytest.raises(TunnelError, match="tunnel key"):
        TunnelKey().cipher("00" * 32, role="host")  # the all-zero (low-order) point


def test_a_nonce_is_never_used_twice() -> None:
    joiner, _ = pair()
    joiner.seal(3, b"x")
    with pytest.raises(ValueError, match="not after"):
        joiner.seal(3, b"y")
