"""The internet lobby's rules, by the exact messages they produce (no I/O)."""

from __future__ import annotations

import msgspec

from jamdesk.protocol.signal import (
    Failure,
    ListedRoom,
    Listing,
    ListRoom,
    LobbyLine,
    LobbyRooms,
    LobbySay,
    WatchLobby,
    decode_signal,
)
from jamdesk.signal_server.lobby import ANNOUNCE_S, REMOTE_TTL_S, LobbyBook, PeerLobby
from jamdesk.signal_server.relay import Relay

PHYSICS = Listing(
    title="Physics", session_type="STUDY", host_name="Ana", count=2, lifecycle="active"
)
ESSAY = Listing(title="Essay", session_type="CREATIVE", host_name="Bo", count=1, lifecycle="ready")


def frames(book: LobbyBook, now_ms: int) -> list[tuple[list[str], object]]:
    return [(clients, decode_signal(text)) for clients, text in book.flush(now_ms).broadcasts]


def test_a_watcher_gets_the_whole_lobby_then_one_batch_of_changes() -> None:
    book = LobbyBook()
    book.received("h1", ListRoom("ALGO7X", PHYSICS), True, 0)
    out = book.received("w1", WatchLobby(), False, 10)
    assert out.sends == [("w1", LobbyRooms(rooms=(ListedRoom("ALGO7X", PHYSICS),), full=True))]
    book.flush(20)  # the first listing was before anyone watched: nothing new to say
    book.received("h2", ListRoom("ESSAY1", ESSAY), True, 30)
    book.received("h1", ListRoom("ALGO7X", msgspec.structs.replace(PHYSICS, count=3)), True, 600)
    assert frames(book, 700) == [
        (
            ["w1"],
            LobbyRooms(
                rooms=(
                    ListedRoom("ALGO7X", msgspec.structs.replace(PHYSICS, count=3)),
                    ListedRoom("ESSAY1", ESSAY),
                )
            ),
        )
    ]
    book.gone("h2")  # its host left
    assert frames(book, 800) == [(["w1"], LobbyRooms(gone=("ESSAY1",)))]
    assert frames(book, 900) == []


def test_filters_by_type_and_text_and_a_room_leaving_a_filter_reads_as_gone() -> None:
    book = LobbyBook()
    book.received("h1", ListRoom("ALGO7X", PHYSICS), True, 0)
    book.received("h2", ListRoom("ESSAY1", ESSAY), True, 0)
    book.flush(0)
    (sent,) = book.received("w", WatchLobby(session_type="STUDY"), False, 1).sends
    assert sent == ("w", LobbyRooms(rooms=(ListedRoom("ALGO7X", PHYSICS),), full=True))
    (sent,) = book.received("t", WatchLobby(text=" bo "), False, 1).sends  # the host's name
    assert sent == ("t", LobbyRooms(rooms=(ListedRoom("ESSAY1", ESSAY),), full=True))
    book.flush(2)
    now_creative = msgspec.structs.replace(PHYSICS, session_type="CREATIVE")
    book.received("h1", ListRoom("ALGO7X", now_creative), True, 1_000)
    assert frames(book, 1_100) == [(["w"], LobbyRooms(gone=("ALGO7X",)))]


def test_only_the_rooms_host_lists_it_and_bad_listings_change_nothing() -> None:
    book = LobbyBook()
    out = book.received("x", ListRoom("ALGO7X", PHYSICS), False, 0)
    assert out.sends == [("x", Failure("not_host", "Only a room's host lists it."))]
    for bad in (
        msgspec.structs.replace(PHYSICS, title="  "),
        msgspec.structs.replace(PHYSICS, session_type="NAPPING"),
        msgspec.structs.replace(PHYSICS, count=0),
    ):
        out = book.received("h", ListRoom("ALGO7X", bad), True, 0)
        assert out.sends == [("h", Failure("bad_listing", "That room listing is not valid."))]
    assert book.rooms == {}
    long = msgspec.structs.replace(PHYSICS, title="T\\x07" + "x" * 500, host_name="H" * 99)
    book.received("h", ListRoom("ALGO7X", long), True, 10_000)
    listed = book.rooms["ALGO7X"].listing
    assert (len(listed.title), len(listed.host_name)) == (80, 40)


def test_lobby_chat_reaches_every_watcher_with_the_room_chats_limits() -> None:
    book = LobbyBook()
    book.received("a", WatchLobby(), False, 0)
    book.received("b", WatchLobby(), False, 0)
    assert book.received("a", LobbySay("Ana", "anyone on linear algebra?"), False, 5).sends == []
    bad = book.received("a", LobbySay("Ana", "bell\x07"), False, 6).sends
    assert bad == [("a", Failure("bad_chat", "A chat message is one to 2,000 characters."))]
    assert frames(book, 10) == [
        (["a", "b"], LobbyLine(name="Ana", text="anyone on linear algebra?", at_ms=5))
    ]
    for i in range(9):
        book.received("a", LobbySay("Ana", f"line {i}"), False, 20)
    flood = book.received("a", LobbySay("Ana", "one too many"), False, 20).sends
    assert flood == [("a", Failure("slow_down", "Too many messages; slow down."))]
    late = book.received("c", WatchLobby(), False, 30).sends  # the backlog greets a newcomer
    assert [type(m).__name__ for _, m in late] == ["LobbyRooms"] + ["LobbyLine"] * 10


def test_instances_share_the_lobby_and_a_dead_instances_rooms_expire() -> None:
    one, two = LobbyBook(), LobbyBook()
    one.instance, two.instance = "i1", "i2"
    one.received("h", ListRoom("ALGO7X", PHYSICS), True, 0)
    peer = one.flush(0, clustered=True).peer
    assert peer == PeerLobby("i1", rooms=(ListedRoom("ALGO7X", PHYSICS),), full=True)
    two.remote(peer, 0)
    assert two.received("w", WatchLobby(), False, 1).sends == [
        ("w", LobbyRooms(rooms=(ListedRoom("ALGO7X", PHYSICS),), full=True))
    ]
    one.received("w1", WatchLobby(), False, 2)
    two.received("w", LobbySay("Bo", "hi from two"), False, 3)
    said = two.flush(100, clustered=True).peer
    assert said == PeerLobby("i2", lines=(LobbyLine("Bo", "hi from two", 3),), full=True)
    one.remote(said, 100)
    assert frames(one, 200) == [(["w1"], LobbyLine("Bo", "hi from two", 3))]
    two.flush(REMOTE_TTL_S * 1000 + 1, clustered=True)  # i1 said nothing for 30 s: it died
    assert "ALGO7X" not in two.rooms
    assert ANNOUNCE_S < REMOTE_TTL_S


def test_the_relay_lists_only_the_rooms_a_client_registered_and_forgets_them_with_it() -> None:
    relay = Relay()
    relay.received("host", '{"type": "register", "code": "ALGO7X"}', 0)
    listing = msgspec.json.encode(ListRoom("ALGO7X", PHYSICS)).decode()
    assert relay.received("other", listing.replace("ALGO7X", "ALGO7X"), 1).sends == [
        ("other", Failure("not_host", "Only a room's host lists it."))
    ]
    relay.received("host", listing, 2)
    relay.received("watcher", '{"type": "lobby"}', 3)
    assert "ALGO7X" in relay.lobby.rooms
    relay.gone("host")
    assert relay.lobby.rooms == {}
    out = relay.lobby_flush(4)
    assert [decode_signal(text) for _, text in out.broadcasts] == [LobbyRooms(gone=("ALGO7X",))]


def test_a_big_lobby_goes_out_in_frames_under_the_size_limit_busiest_first() -> None:
    from jamdesk.protocol.signal import MAX_SIGNAL_BYTES, MAX_SNAPSHOT_ROOMS, ROOMS_PER_FRAME

    book = LobbyBook()
    widest = msgspec.structs.replace(
        PHYSICS, title="T" * 80, host_name="H" * 40, discipline="D" * 40,
    )  # fmt: skip
    for i in range(MAX_SNAPSHOT_ROOMS + 50):
        listing = msgspec.structs.replace(widest, count=1 + i % 7)
        book.received(f"h{i}", ListRoom(f"R{i:05d}", listing), True, 0)
    sent = [message for _, message in book.received("w", WatchLobby(), False, 1).sends]
    assert all(isinstance(m, LobbyRooms) for m in sent)
    assert [m.full for m in sent] == [True, False, False]  # type: ignore[union-attr]
    assert sent[0].more == 50  # type: ignore[union-attr]
    rooms = [room for m in sent for room in m.rooms]  # type: ignore[union-attr]
    assert len(rooms) == MAX_SNAPSHOT_ROOMS
    assert rooms[0].listing.count == 7  # the busiest first
    assert all(len(msgspec.json.encode(m)) < MAX_SIGNAL_BYTES for m in sent)
    assert max(len(m.rooms) for m in sent) == ROOMS_PER_FRAME  # type: ignore[union-attr]
