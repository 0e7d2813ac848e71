"""Strict decoding: every kind of bad input is a value, never an exception."""

import msgspec
import pytest

from jamdesk.core.commands import SetStatus
from jamdesk.core.kinds import Status
from jamdesk.protocol.codec import DecodeError, MessageTooLargeError, decode, encode
from jamdesk.protocol.messages import MAX_MESSAGE_BYTES, CommandMessage, Hello, Ping


def test_round_trip() -> None:
    msg = CommandMessage(ref=3, command=SetStatus(value=Status.DONE))
    assert decode(encode(msg)) == msg
    assert decode(encode(msg).decode()) == msg  # text frames too


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "malformed"),
        (b"\xff\xfe", "malformed"),
        (b"[]", "invalid"),
        (b'{"type": "teleport"}', "invalid"),
        (b'{"type": "ping"}', "invalid"),
        (b'{"type": "ping", "t0": "soon"}', "invalid"),
        (
            b'{"type": "command", "ref": 1, "command": {"cmd": "status", "value": "asleep"}}',
            "invalid",
        ),
        (b'{"type": "command", "ref": 1, "command": {"cmd": "timer.start", "x": 1}}', "invalid"),
        (b"x" * (MAX_MESSAGE_BYTES + 1), "too_large"),
    ],
)
def test_bad_input_is_an_error_value(data: bytes, code: str) -> None:
    result = decode(data)
    assert isinstance(result, DecodeError)
    assert result.code == code


def test_newer_hello_with_extra_fields_still_decodes_for_a_version_check() -> None:
    data = msgspec.json.encode({"type": "hello", "protocol": 9, "name": "A", "pake": "..."})
    assert decode(data) == Hello(protocol=9, name="A")


def test_encode_refuses_oversized() -> None:
    with pytest.raises(MessageTooLargeError):
        encode(Hello(protocol=1, name="x" * MAX_MESSAGE_BYTES))
    assert len(encode(Ping(t0=1))) < 40
