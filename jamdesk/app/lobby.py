"""The LAN lobby: the live list of rooms nearby, and a lobby-wide chat with no server.

**Rooms.** A :class:`~jamdesk.net.discovery.RoomBrowser` keeps the list of adverts; each
listed room carries its timer anchor on its host's clock, so the time left is computed here
with :meth:`Lobby.reading`, never polled.

**Chat.** The lobby chat is a room like any other, marked ``lobby`` (docs/ARCHITECTURE.md: reuse the
event log, the host as single writer, host hand-over and failover, rate limits). Whoever opens
the lobby first on a network hosts it; everyone after joins it. When its host quits, the room
is handed to the member who joined earliest (``Jam.leave``); when the host vanishes, that member
takes over. Two instances that open the lobby at the same moment each host one: as soon as
they see each other, the one whose host id sorts higher ends its lobby, and its members (and
it) join the other. Lobby rooms are never stored in history and never listed as jams.

Why a room and not a gossip mesh: every piece it needs (ordering, one writer, rate limits,
backlog for newcomers, reconnection, hand-over) is already built and tested for jams; a
mesh would need its own ordering and flood control for a feature that carries a few lines a
minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings, JamUpdate
from jamdesk.app.membership import address_of
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.core import timer as timers
from jamdesk.core.commands import Chat
from jamdesk.core.events import ChatPosted, Event
from jamdesk.core.kinds import SessionType
from jamdesk.core.timer import TimerAnchor, TimerReading
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import DiscoveryError, RoomAd, RoomBrowser
from jamdesk.net.internet_lobby import LobbyChatLine, LobbyWatcher
from jamdesk.net.lan import SignallingError
from jamdesk.net.member_client import JoinError, LinkState
from jamdesk.protocol.identity import Identity
from jamdesk.protocol.messages import PROTOCOL_VERSION
from jamdesk.protocol.signal import Listing

log = logging.getLogger(__name__)

__all__ = ["ChatLine", "DiscoveryError", "ListedRoom", "Lobby", "LobbyUpdate"]

LOBBY_FIND_S = 1.5
"""How long to look for an existing lobby before opening one (discovery takes 0.1-0.2 s)."""
RETRY_S = 1.0
"""Pause before looking again after a lobby could not be joined."""
CHAT_KEEP = 200
"""Lobby chat lines kept on screen."""
SAME_LINE_MS = 10_000
"""A line seen on the LAN and in the internet lobby within this long is shown once."""


@dataclass(frozen=True)
class ListedRoom:
    """One jam as the lobby lists it (what its LAN advert says).

    ``code`` is ``None`` for a private room, whose ``title``, ``host_name`` and
    ``discipline`` are empty unless its host shows them. ``timer`` is the room's timer anchor
    on its host's clock; read it with :meth:`Lobby.reading`. ``compatible`` is false for a
    room of another Jamdesk protocol version. ``key`` identifies the advert; ``host_id`` is
    the participant id of its host (advertised, so nothing secret).
    """

    key: str
    title: str
    discipline: str
    session_type: str
    host_name: str
    count: int
    lifecycle: str
    code: str | None
    timer: TimerAnchor | None
    compatible: bool
    host_id: str = ""
    signal_url: str = ""
    """Set for a room from a signalling server's internet lobby: join it through that URL."""

    @property
    def internet(self) -> bool:
        """Listed by a signalling server, not seen on the LAN."""
        return bool(self.signal_url)

    @property
    def private(self) -> bool:
        """Its code is a password: ask for it."""
        return self.code is None

    @classmethod
    def of(cls, ad: RoomAd) -> ListedRoom:
        """The listing of an advert."""
        return cls(
            key=ad.name,
            title=ad.title,
            discipline=ad.discipline,
            session_type=ad.session_type,
            host_name=ad.host_name,
            count=ad.count,
            lifecycle=ad.lifecycle,
            code=ad.code,
            timer=ad.timer,
            compatible=ad.protocol == PROTOCOL_VERSION,
            host_id=ad.host_id,
        )

    @classmethod
    def listed(cls, url: str, code: str, listing: Listing) -> ListedRoom:
        """A room from the internet lobby of the signalling server at ``url``."""
        return cls(
            key=f"internet:{code}",
            title=listing.title,
            discipline=listing.discipline,
            session_type=listing.session_type,
            host_name=listing.host_name,
            count=listing.count,
            lifecycle=listing.lifecycle,
            code=code,
            timer=listing.timer,
            compatible=listing.protocol == PROTOCOL_VERSION,
            signal_url=url,
        )


@dataclass(frozen=True)
class ChatLine:
    """One lobby chat message: who, what, when (room-clock ms of the lobby, or the
    signalling server's clock), whether it was ours, and whether it came through the
    signalling server's internet lobby."""

    name: str
    text: str
    at_ms: int
    mine: bool
    internet: bool = False

    def same_as(self, other: ChatLine) -> bool:
        """The same message seen both ways (one person's line reaches the LAN chat and the
        internet lobby, sent to both): same name and text within :data:`SAME_LINE_MS`."""
        return (
            self.internet != other.internet
            and (self.name, self.text) == (other.name, other.text)
            and abs(self.at_ms - other.at_ms) < SAME_LINE_MS
        )


@dataclass(frozen=True)
class LobbyUpdate:
    """A change for observers: ``rooms`` (every jam listed now), ``chat`` (the lines now),
    ``people`` (how many are in the lobby chat), ``notice`` (in plain words), ``jam_update``
    (the lobby room's own update, for the headless mode) and ``joined`` (the lobby room we
    just entered, hosting it or not)."""

    rooms: tuple[ListedRoom, ...] | None = None
    chat: tuple[ChatLine, ...] | None = None
    people: int | None = None
    notice: str | None = None
    jam_update: JamUpdate | None = None
    joined: Jam | None = None


Listener = Callable[[LobbyUpdate], None]


class Lobby:
    """The lobby for this computer. ``chat=False`` lists rooms only (``jamdesk rooms``).

    Args:
        name: our display name in the lobby chat.
        clock: this computer's clock (room timers are read on it).
        mode: the network address policy.
        client_id: this app's stable id.
        avatar_color: our colour in the chat.
        chat: take part in the lobby chat (host or join the lobby room).
        bind_host: where to listen when this computer hosts the lobby room.
        signal_url: also list the public rooms of this signalling server's internet lobby
            (marked :attr:`ListedRoom.internet`); "" for the LAN only.
    """

    def __init__(
        self,
        name: str,
        *,
        clock: LocalClock,
        mode: NetworkMode,
        client_id: str = "",
        avatar_color: str = "",
        chat: bool = True,
        bind_host: str = "0.0.0.0",
        signal_url: str = "",
        identity: Identity | None = None,
    ) -> None:
        self.name = name
        self._identity = identity or Identity.generate()
        self._clock = clock
        self._mode = mode
        self._client_id = client_id
        self._avatar_color = avatar_color
        self._chat_wanted = chat
        self._bind_host = bind_host
        self._browser = RoomBrowser(mode, self._rooms_changed)
        self._internet = (
            LobbyWatcher(signal_url, on_change=self._internet_changed, on_line=self._internet_line)
            if signal_url
            else None
        )
        self._internet_up = False
        self._listeners: list[Listener] = []
        self.jam: Jam | None = None
        self.chat: list[ChatLine] = []
        self._dead: set[str] = set()  # lobby adverts that did not answer (a crashed host)
        self._wake = asyncio.Event()
        self._rooms_seen = asyncio.Event()  # the list changed (for wait_for_rooms)
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    # -- what observers read --------------------------------------------------------------------

    @property
    def rooms(self) -> tuple[ListedRoom, ...]:
        """Every jam advertised on the LAN now (lobby rooms left out), in the order seen,
        then those of the internet lobby (by title), each once: a room seen on both is
        shown as the LAN sees it."""
        lan = tuple(ListedRoom.of(r) for r in self._browser.rooms if not r.lobby)
        if self._internet is None:
            return lan
        near = {room.code for room in lan if room.code}
        url = self._internet.url
        far = sorted(
            (
                ListedRoom.listed(url, code, listing)
                for code, listing in self._internet.rooms.items()
                if code not in near
            ),
            key=lambda room: (room.title.casefold(), room.key),
        )
        return lan + tuple(far)

    @property
    def people(self) -> int:
        """How many are in the lobby chat now (0 before it is reached)."""
        return self.jam.state.present_count if self.jam is not None else 0

    @property
    def hosting(self) -> bool:
        """Whether this computer serves the lobby chat now."""
        return self.jam is not None and self.jam.hosting

    def reading(self, room: ListedRoom) -> TimerReading | None:
        """The room's timer now, from its advertised anchor and this computer's clock
        (``None`` when the advert carries no timer)."""
        if room.timer is None:
            return None
        return timers.read(room.timer, self._clock.now_ms())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every :class:`LobbyUpdate`; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- what observers do ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start listing rooms, and (with chat) find or open the lobby room in the
        background. Raises :class:`~jamdesk.net.discovery.DiscoveryError` in plain words."""
        await self._browser.start()
        if self._internet is not None:
            try:
                await self._internet.start()
                self._internet_up = True
            except SignallingError as exc:  # the LAN lobby works all the same
                self._emit(LobbyUpdate(notice=f"Internet rooms are not shown: {exc}"))
        if self._chat_wanted:
            self._task = asyncio.create_task(self._keep_in_lobby(), name="jamdesk-lobby")

    async def wait_for_rooms(
        self, predicate: Callable[[tuple[ListedRoom, ...]], bool], timeout_s: float
    ) -> bool:
        """Wait until ``predicate(rooms)`` holds (lobby rooms left out), at most
        ``timeout_s``; returns whether it did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not predicate(self.rooms):  # LAN or internet: look again as either changes
            left = deadline - loop.time()
            if left <= 0:
                return False
            self._rooms_seen.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._rooms_seen.wait(), left)
        return True

    async def say(self, text: str) -> None:
        """Post ``text`` to the lobby chat; a refusal or "not connected" comes back as a
        notice."""
        online = self._internet is not None and self._internet_up
        if online:  # everyone watching the signalling server's lobby (shown once if both)
            assert self._internet is not None
            online = await self._internet.say(self.name, text)
        if self.jam is None or self.jam.closed:
            if not online:
                self._emit(LobbyUpdate(notice="Not in the lobby chat yet; try again in a moment."))
            return
        await self.jam.send(Chat(text=text))

    async def close(self) -> None:
        """Leave the lobby (a host hands the lobby room to the earliest member) and stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        jam, self.jam = self.jam, None
        if jam is not None and not jam.closed:
            await jam.leave()
        if self._internet is not None and self._internet_up:
            await self._internet.close()
        await self._browser.close()

    # -- staying in the lobby -------------------------------------------------------------------

    def _lobby_ads(self) -> list[RoomAd]:
        return sorted(
            (r for r in self._browser.rooms if r.lobby and r.name not in self._dead and r.code),
            key=lambda r: r.host_id,
        )

    async def _keep_in_lobby(self) -> None:
        while not self._closing:
            try:
                jam = await self._enter()
            except (JoinError, OSError) as exc:
                log.info("could not reach the lobby chat: %s", exc)
                await asyncio.sleep(RETRY_S)
                continue
            self._use(jam)
            await self._stay(jam)

    async def _enter(self) -> Jam:
        await self._browser.wait_for(lambda _rooms: bool(self._lobby_ads()), LOBBY_FIND_S)
        for ad in self._lobby_ads():
            try:
                return await join_jam(
                    self.name,
                    code=ad.code,
                    address=address_of(ad),
                    clock=self._clock,
                    db=None,
                    mode=self._mode,
                    client_id=self._client_id,
                    identity=self._identity,
                    bind_host=self._bind_host,
                    avatar_color=self._avatar_color,
                    rediscover=True,
                )
            except JoinError as exc:
                log.info("lobby %s did not answer (%s); passing it over", ad.name, exc)
                self._dead.add(ad.name)
        settings = HostSettings(
            name=self.name,
            title="Lobby",
            session_type=SessionType.FOCUS,
            timer=timers.stopwatch(),
            bind_host=self._bind_host,
            avatar_color=self._avatar_color,
            lobby=True,
        )
        return await host_jam(
            settings,
            clock=self._clock,
            db=None,
            mode=self._mode,
            client_id=self._client_id,
            identity=self._identity,
        )

    def _use(self, jam: Jam) -> None:
        self.jam = jam
        self.chat = [line for line in self.chat if line.internet]  # a new LAN lobby room
        self._add_chat(jam.events)
        jam.subscribe(lambda update: self._jam_update(jam, update))
        log.info("in the lobby chat (%s), %s", jam.code, "hosting" if jam.hosting else "member")
        self._emit(LobbyUpdate(chat=tuple(self.chat), people=self.people, joined=jam))

    async def _stay(self, jam: Jam) -> None:
        """Wait until the lobby room closes, or (while we host it) a lobby that sorts first
        shows up: then end ours, so that everyone moves to that one."""
        while not self._closing and not jam.closed:
            if jam.link_state is LinkState.GONE:  # the lobby's host is gone for good
                await jam.close()
                break
            if jam.hosting and any(
                ad.host_id < jam.state.host_id and ad.code != jam.code for ad in self._lobby_ads()
            ):
                log.info("another lobby is on this network; moving everyone there")
                await jam.end()
                break
            self._wake.clear()
            await self._wake.wait()
        if self.jam is jam:
            self.jam = None

    def _jam_update(self, jam: Jam, update: JamUpdate) -> None:
        if self.jam is not jam:
            return
        if update.events:
            self._add_chat(list(update.events))
        self._emit(
            LobbyUpdate(
                chat=tuple(self.chat) if update.events else None,
                people=self.people,
                jam_update=update,
            )
        )
        self._wake.set()  # closed, host moved, link changed: _stay looks again

    def _add_chat(self, events: Sequence[Event]) -> None:
        assert self.jam is not None
        state = self.jam.state
        for event in events:
            if isinstance(event.body, ChatPosted):
                pid = event.body.participant_id
                line = ChatLine(
                    state.name_of(pid), event.body.text, event.at_ms, pid == self.jam.me
                )
                self._add_line(line)
        del self.chat[:-CHAT_KEEP]

    def _rooms_changed(self, _rooms: tuple[RoomAd, ...]) -> None:
        self._wake.set()
        self._rooms_seen.set()
        self._emit(LobbyUpdate(rooms=self.rooms))

    def _add_line(self, line: ChatLine) -> bool:
        """Add ``line`` unless it is one already shown the other way; returns whether."""
        if any(line.same_as(seen) for seen in self.chat[-50:]):
            return False
        self.chat.append(line)
        return True

    def _internet_line(self, line: LobbyChatLine) -> None:
        # Stamped with this computer's clock: the server's is not the LAN lobby room's.
        now = self._clock.now_ms()
        shown = ChatLine(line.name, line.text, now, line.name == self.name, internet=True)
        if self._add_line(shown):
            del self.chat[:-CHAT_KEEP]
            self._emit(LobbyUpdate(chat=tuple(self.chat)))

    def _internet_changed(self) -> None:
        self._rooms_seen.set()
        self._emit(LobbyUpdate(rooms=self.rooms))

    def _emit(self, update: LobbyUpdate) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("a lobby listener failed")
