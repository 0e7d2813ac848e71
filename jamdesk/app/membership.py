"""Being a member of a room: the member engine (our copy of the log), the client that links
it to the host, and finding the host by the room's code (docs/ARCHITECTURE.md, "Network").
The :class:`~jamdesk.app.jam.Jam` holds one :class:`Membership` while it is a member."""

from __future__ import annotations

from collections.abc import Callable

from jamdesk.app.clock import LocalClock
from jamdesk.app.hosting import Reach, lan_address
from jamdesk.app.transport import MemberLink, Transport
from jamdesk.core import succession
from jamdesk.core.events import Event
from jamdesk.core.room import RoomState
from jamdesk.net.discovery import RoomAd, RoomNotFoundError
from jamdesk.net.member_client import HostRoute, JoinError, LinkState
from jamdesk.net.signal_client import SignalRoute
from jamdesk.protocol.identity import Identity
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome
from jamdesk.protocol.messages import PROTOCOL_VERSION
from jamdesk.protocol.paths import Path

FIND_TIMEOUT_S = 5.0
"""How long to look for the room's advert on the LAN."""

CHECK_HOST_S = 3.0
"""How long the member next in line gives the host it lost to answer one rejoin before it
takes over (issue 16, item 2: a member frozen for seconds, not the host, lost the link)."""


class Membership:
    """This computer as a member of the room with ``code`` (or at ``address``).

    Args:
        name, client_id, avatar_color: who we are.
        code: the room's code (``None`` while only an address is known).
        address: the host's LAN endpoint, for a join by address (and ``None`` after it
            when the room is to be found by its code again).
        engine: our copy of the log, when we had one (a host who handed over).
        on_outcome, on_link, on_path: what the client reports, for the jam.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        reach: Reach,
        clock: LocalClock,
        name: str,
        client_id: str,
        avatar_color: str,
        code: str | None,
        address: tuple[str, int] | None,
        identity: Identity,
        on_outcome: Callable[[MemberOutcome], None],
        on_link: Callable[[LinkState], None],
        on_path: Callable[[Path], None],
        engine: MemberEngine | None = None,
    ) -> None:
        self._transport, self._reach, self._clock = transport, reach, clock
        self._name, self._client_id, self._avatar_color = name, client_id, avatar_color
        self.code, self.address = code, address
        self._identity = identity
        self._on_outcome, self._on_link, self._on_path = on_outcome, on_link, on_path
        self.linked_host = ""  # the host our link was made to
        self._tries = 0  # finds so far: each one tries the next advert that may be the host
        self._only_the_host = False  # while checking that the host is gone: no successor
        self.engine = engine or self._new_engine()
        self.client = self._new_client()

    @property
    def held(self) -> bool:
        """Whether we hold the room's state yet (after the first Welcome)."""
        return self.engine.state is not None

    @property
    def state(self) -> RoomState:
        assert self.engine.state is not None
        return self.engine.state

    @property
    def events(self) -> list[Event]:
        return self.engine.log

    @property
    def me(self) -> str:
        return self.engine.participant_id or ""

    def room_now_ms(self) -> int:
        """Our estimate of the room clock now."""
        return self.engine.room_now(self._clock.now_ms())

    def _new_engine(self) -> MemberEngine:
        return MemberEngine(
            self._name,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=self.code or "",
            identity=self._identity,
        )

    def _new_client(self) -> MemberLink:
        def on_link(state: LinkState) -> None:
            if self.client is client:  # a client we replaced may still report: not heard
                self._on_link(state)

        client = self._transport.member_client(
            self.engine,
            local_clock=self._clock.now_ms,
            on_outcome=self._on_outcome,
            on_link=on_link,
            find_host=self.find_host,
            ice_servers=self._reach.ice_servers,
            on_path=self._on_path,
        )
        if self.held and self.state.private and self.code and not self._reach.signal_url:
            client.pake_secret = self.code  # prove the code on the LAN, never send it
        return client

    async def find_host(self) -> HostRoute:
        """Where the host is: the address given or being tried, else found by the room's
        code. Once in the room, only an advert by the current host (or, if it was lost, the
        member who takes over) is used: an old host's record may linger, and a private
        room's code is never offered to another room's host."""
        if self.address is not None:
            return self.address
        assert self.code is not None
        reach = self._reach
        if reach.signal_url:
            if reach.relay_id:  # private: the id routes, the code is proved by PAKE
                return SignalRoute(reach.signal_url, reach.relay_id, secret=self.code)
            return SignalRoute(reach.signal_url, self.code)
        lobby = self.held and self.state.lobby
        hosts = succession.possible_hosts(self.state, self.events) if self.held else set()
        if self._only_the_host:
            hosts = {self.state.host_id}
        try:
            ads = await self._transport.find_rooms(
                self.code, reach.mode, FIND_TIMEOUT_S, lobby=lobby
            )
        except RoomNotFoundError as exc:
            raise JoinError(str(exc)) from exc
        if hosts:
            ads = [ad for ad in ads if ad.host_id in hosts]
            if not ads:
                raise JoinError(f"The host of jam {self.code} is not on the network right now.")
        # A lost host's advert can linger beside its successor's: each try takes the next.
        self._tries += 1
        return address_of(ads[self._tries % len(ads)])

    async def join_first(self) -> None:
        """The first join: by the address given, else try each room that may have the code
        (the public one advertising it, or each private room) until one lets us in. Raises
        :class:`~jamdesk.net.member_client.JoinError` in words."""
        if self.address is not None or self.code is None or self._reach.signal_url:
            await self.client.join()
            return
        try:
            ads = await self._transport.find_rooms(self.code, self._reach.mode, FIND_TIMEOUT_S)
        except RoomNotFoundError as exc:
            raise JoinError(str(exc)) from exc
        last: JoinError | None = None
        for ad in ads:
            try:
                self.address = address_of(ad)
                self.client.pake_secret = self.code if ad.private else ""
                await self.client.join()
                return
            except JoinError as exc:
                last = exc
                self.engine = self._new_engine()  # a fresh engine and link for the next room
                self.client = self._new_client()
            finally:
                self.address = None
        assert last is not None
        if all(ad.private for ad in ads):
            raise JoinError(
                f"No jam on this network opened with code {self.code}. Check the code."
            ) from last
        raise last

    async def rejoin(self) -> None:
        """Join the room's (new) host with the log we hold, found by the room's code."""
        self.client = self._new_client()
        await self.client.join()

    async def check_host(self, timeout_s: float = CHECK_HOST_S) -> None:
        """Try once, with a new link, to reach the host we lost (its advert on the LAN, or
        the room's code at the signalling server), resuming our stay when it answers.
        Raises :class:`~jamdesk.net.member_client.JoinError` when it does not answer within
        ``timeout_s`` (or is not found): only then is it known to be gone."""
        if self.client.link_state is LinkState.CONNECTED:
            return  # its own reconnect loop was quicker: the host answered it
        await self.client.close()  # its own reconnect loop would race this one
        self._only_the_host = True
        try:
            self.client = self._new_client()
            await self.client.join(timeout_s)
        finally:
            self._only_the_host = False


def address_of(ad: RoomAd) -> tuple[str, int]:
    """Where to reach an advertised room: an IPv4 address first. Raises :class:`JoinError`
    when it gave none (or speaks another protocol)."""
    if ad.protocol != PROTOCOL_VERSION:
        raise JoinError(
            f"That jam runs a different version of Jamdesk (protocol "
            f"{ad.protocol}, yours {PROTOCOL_VERSION}). Update both to match."
        )
    if not ad.addresses:
        raise JoinError("The jam was found but gave no address to connect to.")
    return lan_address(ad)
