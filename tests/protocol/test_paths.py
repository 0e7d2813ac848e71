"""One link over two paths: frames from the relay and the data channel put back in order,
and a frame that never comes (or comes twice) found."""

from __future__ import annotations

import pytest

from jamdesk.protocol.paths import (
    GAP_TIMEOUT_MS,
    MAX_PENDING,
    PathError,
    Sequencer,
    direct_frame,
    parse_direct,
)


def test_frames_in_order_are_delivered_at_once() -> None:
    seq = Sequencer()
    assert [seq.next_seq() for _ in range(3)] == [0, 1, 2]
    receiver = Sequencer()
    assert receiver.accept(0, b"a", 0) == [b"a"]
    assert receiver.accept(1, b"b", 0) == [b"b"]
    assert not receiver.overdue(10_000)


def test_a_frame_still_on_the_relay_is_slotted_in_when_it_arrives() -> None:
    # The sender moved to the direct path after frame 1; frames 2 and 3 overtook it.
    receiver = Sequencer()
    assert receiver.accept(0, b"relay 0", 0) == [b"relay 0"]
    assert receiver.accept(2, b"direct 2", 5) == []
    assert receiver.accept(3, b"direct 3", 6) == []
    assert receiver.gap_deadline_ms() == 5 + GAP_TIMEOUT_MS
    assert receiver.accept(1, b"relay 1", 40) == [b"relay 1", b"direct 2", b"direct 3"]
    assert receiver.gap_deadline_ms() is None
    assert receiver.expected == 4


def test_a_gap_that_stays_open_is_overdue() -> None:
    receiver = Sequencer()
    receiver.accept(1, b"x", 100)
    assert not receiver.overdue(100 + GAP_TIMEOUT_MS)
    assert receiver.overdue(101 + GAP_TIMEOUT_MS)


def test_a_repeat_is_refused() -> None:
    receiver = Sequencer()
    receiver.accept(0, b"a", 0)
    with pytest.raises(PathError, match="twice"):
        receiver.accept(0, b"a", 1)
    receiver.accept(2, b"c", 1)
    with pytest.raises(PathError, match="twice"):
        receiver.accept(2, b"c", 2)


def test_too_many_frames_behind_a_gap_break_the_link() -> None:
    receiver = Sequencer()
    for n in range(1, MAX_PENDING + 1):
        receiver.accept(n, b"", 0)
    with pytest.raises(PathError, match="frame 0 never arrived"):
        receiver.accept(MAX_PENDING + 1, b"", 0)


def test_direct_frames_carry_their_sequence_number() -> None:
    assert parse_direct(direct_frame(258, b"payload")) == (258, b"payload")
    with pytest.raises(PathError, match="too short"):
        parse_direct(b"\x00\x01")
