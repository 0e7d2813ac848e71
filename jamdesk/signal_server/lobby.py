"""The internet lobby's rules, with no I/O: which public rooms are listed, who watches, and
the lobby chat (docs/ARCHITECTURE.md, "Internet lobby").

A host lists a room it holds on this server (:class:`~jamdesk.protocol.signal.ListRoom`); a
room stops being listed when its host unlists it, leaves, or the relay forgets it. Watchers
(:class:`~jamdesk.protocol.signal.WatchLobby`) get the whole list at once, then the changes
batched: :meth:`LobbyBook.flush`, called every :data:`~jamdesk.protocol.signal.
LOBBY_FLUSH_MS` by the adapter, encodes each batch once per distinct filter and hands back
the frame with the watchers it goes to, so fanning a change out to thousands of watchers
costs one encode, not thousands.

Several instances (``--redis``) each keep the whole lobby: every flush publishes this
instance's changes and chat lines to the others as one :class:`PeerLobby`, and every
:data:`ANNOUNCE_S` seconds it announces all its rooms again (``full``); a room another
instance listed and has not announced for :data:`REMOTE_TTL_S` seconds is dropped (that
instance died). Soft state, as mDNS keeps it: no shared registry to clean up.

Limits: :data:`MAX_LISTED` rooms and :data:`MAX_WATCHERS` watchers per instance; a listing's
texts are cut (:data:`~jamdesk.protocol.signal.MAX_LISTING_TEXT`); a room's listing changes
at most :data:`LIST_UPDATES_PER_S` a second; chat lines follow the room chat's rules (one
line of up to 2,000 characters, 10 at once then one a second per connection) and the last
:data:`CHAT_BACKLOG` lines greet a new watcher.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

import msgspec

from jamdesk.protocol.engine import CHAT_LIMIT, RateLimit
from jamdesk.protocol.signal import (
    MAX_SNAPSHOT_ROOMS,
    Failure,
    ListedRoom,
    Listing,
    ListRoom,
    LobbyLine,
    LobbySay,
    Signal,
    WatchLobby,
    clean_listing,
    clean_lobby_line,
    encode_signal,
    lobby_frames,
)

log = logging.getLogger(__name__)

MAX_LISTED = 20_000
MAX_WATCHERS = 20_000
CHAT_BACKLOG = 50
LIST_UPDATES_PER_S = 2
ANNOUNCE_S = 10
REMOTE_TTL_S = 3 * ANNOUNCE_S


class PeerLobby(
    msgspec.Struct, frozen=True, tag="lobby", tag_field="type", forbid_unknown_fields=True
):
    """Between instances: ``origin``'s lobby changes (rooms listed or changed, codes gone,
    chat lines); ``full``: every room ``origin`` lists now (its periodic announcement)."""

    origin: str
    rooms: tuple[ListedRoom, ...] = ()
    gone: tuple[str, ...] = ()
    lines: tuple[LobbyLine, ...] = ()
    full: bool = False


_Filter = tuple[str, str]  # (session type, lower-case text); ("", "") is everything


def _matches(wanted: _Filter, listing: Listing) -> bool:
    session_type, text = wanted
    if session_type and listing.session_type != session_type:
        return False
    if text:
        haystack = f"{listing.title}\n{listing.discipline}\n{listing.host_name}".casefold()
        return text in haystack
    return True


@dataclass
class LobbyOutcome:
    """What the adapter must send: ``sends`` (client, message) one by one, then
    ``broadcasts`` (clients, frame): one encoded text frame for many clients; ``peer``, to
    publish to the other instances."""

    sends: list[tuple[str, Signal]] = field(default_factory=list)
    broadcasts: list[tuple[list[str], str]] = field(default_factory=list)
    peer: PeerLobby | None = None


@dataclass
class _Entry:
    """A listed room: ``client`` its host here, or ``origin`` the instance that lists it
    (then ``seen_ms``: when it last said so)."""

    client: str
    listing: Listing
    origin: str = ""
    seen_ms: int = 0


class LobbyBook:
    """The listed rooms by code, the watchers and their filters, the chat backlog."""

    def __init__(self) -> None:
        self.instance = ""  # this instance's id in a cluster (set by the relay)
        self.wall_offset_ms = 0  # Unix ms minus the adapter's clock (for chat lines' times)
        self.rooms: dict[str, _Entry] = {}
        self.watchers: dict[str, _Filter] = {}
        self.chat: deque[LobbyLine] = deque(maxlen=CHAT_BACKLOG)
        self._changed: set[str] = set()
        self._before: dict[str, Listing | None] = {}  # each changed room as watchers saw it
        self._fresh: set[str] = set()  # watchers whose snapshot came within this batch
        self._own_changed: set[str] = set()  # what to tell the other instances
        self._lines: list[LobbyLine] = []
        self._own_lines: list[LobbyLine] = []
        self._announced_ms: int | None = None
        self._chat_rate = RateLimit(*CHAT_LIMIT)
        self._list_rate = RateLimit(LIST_UPDATES_PER_S * 2, 1000 // LIST_UPDATES_PER_S)

    def _touch(self, code: str) -> None:
        """Note that ``code`` changes now, keeping its listing as watchers last saw it."""
        if code not in self._changed:
            entry = self.rooms.get(code)
            self._before[code] = entry.listing if entry is not None else None
            self._changed.add(code)

    # -- from clients -----------------------------------------------------------------------

    def received(
        self, client: str, message: ListRoom | WatchLobby | LobbySay, holds: bool, now_ms: int
    ) -> LobbyOutcome:
        """A lobby message from ``client``; ``holds``: it is the host of ``message.code``
        on this server (for :class:`ListRoom`). Bad input is refused, never applied."""
        out = LobbyOutcome()
        match message:
            case ListRoom(code=code, listing=listing):
                self._list(out, client, code=code, listing=listing, holds=holds, now_ms=now_ms)
            case WatchLobby(session_type=session_type, text=text):
                self._watch(out, client, (session_type, text.strip().casefold()[:80]))
            case LobbySay(name=name, text=text):
                self._say(out, client, name, text, now_ms)
        return out

    def _list(
        self,
        out: LobbyOutcome,
        client: str,
        *,
        code: str,
        listing: Listing | None,
        holds: bool,
        now_ms: int,
    ) -> None:
        if not holds:
            out.sends.append((client, Failure("not_host", "Only a room's host lists it.")))
            return
        if listing is None:
            self.unlist(code)
            return
        if not self._list_rate.allow(code, now_ms):
            return  # a host's updates come a few a second at most; the next one will do
        clean = clean_listing(listing)
        if clean is None:
            out.sends.append((client, Failure("bad_listing", "That room listing is not valid.")))
            return
        if code not in self.rooms and len(self.rooms) >= MAX_LISTED:
            out.sends.append((client, Failure("lobby_full", "The lobby is full right now.")))
            return
        self._touch(code)
        self.rooms[code] = _Entry(client, clean)
        self._own_changed.add(code)

    def _watch(self, out: LobbyOutcome, client: str, wanted: _Filter) -> None:
        if client not in self.watchers and len(self.watchers) >= MAX_WATCHERS:
            out.sends.append((client, Failure("lobby_full", "The lobby is full right now.")))
            return
        self.watchers[client] = wanted
        self._fresh.add(client)
        matching = [
            ListedRoom(code, entry.listing)
            for code, entry in self.rooms.items()
            if _matches(wanted, entry.listing)
        ]
        if len(matching) > MAX_SNAPSHOT_ROOMS:  # the busiest first; a filter finds the rest
            matching.sort(key=lambda room: -room.listing.count)
        shown = matching[:MAX_SNAPSHOT_ROOMS]
        more = len(matching) - len(shown)
        out.sends.extend((client, f) for f in lobby_frames(shown, full=True, more=more))
        out.sends.extend((client, line) for line in self.chat)

    def _say(self, out: LobbyOutcome, client: str, name: str, text: str, now_ms: int) -> None:
        line = clean_lobby_line(name, text)
        if line is None:
            out.sends.append(
                (client, Failure("bad_chat", "A chat message is one to 2,000 characters."))
            )
            return
        if not self._chat_rate.allow(client, now_ms):
            out.sends.append((client, Failure("slow_down", "Too many messages; slow down.")))
            return
        said = LobbyLine(name=line[0], text=line[1], at_ms=now_ms + self.wall_offset_ms)
        self.chat.append(said)
        self._lines.append(said)
        self._own_lines.append(said)

    # -- from the relay and the adapter -----------------------------------------------------

    def unlist(self, code: str) -> None:
        """Take ``code`` off the lobby (its host unlisted it, left, or the room is gone)."""
        entry = self.rooms.get(code)
        if entry is not None and not entry.origin:
            self._touch(code)
            del self.rooms[code]
            self._own_changed.add(code)

    def gone(self, client: str) -> None:
        """``client`` disconnected: it watches nothing, and its rooms are unlisted."""
        self.watchers.pop(client, None)
        self._fresh.discard(client)
        for code in [c for c, e in self.rooms.items() if e.client == client and not e.origin]:
            self.unlist(code)

    def remote(self, message: PeerLobby, now_ms: int) -> None:
        """Another instance's lobby changes (see the module's text); this instance's own
        rooms are never replaced by another's word."""
        if message.origin == self.instance:
            return
        if message.full:  # its whole list: what it no longer names is gone
            named = {room.code for room in message.rooms}
            for code in [
                c for c, e in self.rooms.items() if e.origin == message.origin and c not in named
            ]:
                self._touch(code)
                del self.rooms[code]
        for room in message.rooms:
            held = self.rooms.get(room.code)
            if held is not None and not held.origin:
                continue
            clean = clean_listing(room.listing)
            if clean is None or (held is None and len(self.rooms) >= MAX_LISTED):
                continue
            if held is None or held.listing != clean:
                self._touch(room.code)
            self.rooms[room.code] = _Entry("", clean, origin=message.origin, seen_ms=now_ms)
        for code in message.gone:
            held = self.rooms.get(code)
            if held is not None and held.origin == message.origin:
                self._touch(code)
                del self.rooms[code]
        for line in message.lines[:CHAT_BACKLOG]:
            self.chat.append(line)
            self._lines.append(line)

    def _peer(self, now_ms: int) -> PeerLobby | None:
        """What to tell the other instances now: the changes, or every room of ours each
        :data:`ANNOUNCE_S`; remote rooms not heard of for :data:`REMOTE_TTL_S` go."""
        for code in [
            c
            for c, e in self.rooms.items()
            if e.origin and now_ms - e.seen_ms > REMOTE_TTL_S * 1000
        ]:
            self._touch(code)
            del self.rooms[code]
        changed, self._own_changed = self._own_changed, set()
        lines, self._own_lines = self._own_lines, []
        if self._announced_ms is None or now_ms - self._announced_ms >= ANNOUNCE_S * 1000:
            self._announced_ms = now_ms
            own = tuple(ListedRoom(c, e.listing) for c, e in self.rooms.items() if not e.origin)
            return PeerLobby(self.instance, rooms=own, lines=tuple(lines), full=True)
        if not changed and not lines:
            return None
        rooms = tuple(
            ListedRoom(c, self.rooms[c].listing)
            for c in sorted(changed)
            if c in self.rooms and not self.rooms[c].origin
        )
        gone = tuple(c for c in sorted(changed) if c not in self.rooms)
        return PeerLobby(self.instance, rooms=rooms, gone=gone, lines=tuple(lines))

    def flush(self, now_ms: int, clustered: bool = False) -> LobbyOutcome:
        """The changes since the last flush, for every watcher: one frame per distinct
        filter (rooms listed or changed, codes gone), then the new chat lines in one frame
        each for everyone; ``clustered``: also what to tell the other instances."""
        out = LobbyOutcome()
        if clustered:
            out.peer = self._peer(now_ms)
        changed, self._changed = sorted(self._changed), set()
        before, self._before = self._before, {}
        lines, self._lines = self._lines, []
        fresh, self._fresh = self._fresh, set()
        if changed and self.watchers:
            # A watcher whose snapshot came within this batch saw some changes already: it
            # is told the state of every changed room (listed, or gone) instead.
            by_filter: dict[tuple[_Filter, bool], list[str]] = {}
            for client, wanted in self.watchers.items():
                by_filter.setdefault((wanted, client in fresh), []).append(client)
            for (wanted, snapshot), clients in by_filter.items():
                rooms: list[ListedRoom] = []
                gone: list[str] = []
                for code in changed:
                    entry, old = self.rooms.get(code), before.get(code)
                    shown = entry is not None and _matches(wanted, entry.listing)
                    was = snapshot or (old is not None and _matches(wanted, old))
                    if shown and entry is not None and (not was or entry.listing != old):
                        rooms.append(ListedRoom(code, entry.listing))
                    elif was and not shown:  # out of the lobby, or out of this filter
                        gone.append(code)
                if rooms or gone:
                    out.broadcasts.extend(
                        (clients, encode_signal(frame)) for frame in lobby_frames(rooms, gone)
                    )
        if lines and self.watchers:
            everyone = list(self.watchers)
            out.broadcasts.extend((everyone, encode_signal(line)) for line in lines)
        return out
