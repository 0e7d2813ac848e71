"""A jam as the GUI and the CLI use it: host one, join one, send commands, leave.

One :class:`Jam` object serves the whole session on this computer, whichever role it plays
(docs/ARCHITECTURE.md, "Network": host transfer). Its role is one of three states, and moves
only along :data:`TRANSITIONS` (the manner of magic-wormhole's ``_boss.py``):

- :class:`~jamdesk.app.hosting.Hosting`: it serves the room's log;
- :class:`~jamdesk.app.membership.Membership`: it is linked to the host;
- :class:`Closed`: the jam is over for this computer (the last state stays readable).

The host **hands over** (``transfer``): it appends ``host_changed``, stops serving, and
becomes a member of the new host, which serves from its own copy of the log under the same
code and room clock. When the host is **lost**, the member who joined earliest takes over
the same way (:mod:`jamdesk.core.succession`); the others find it by the room's code.

Observers :meth:`~Jam.subscribe` and receive frozen :class:`JamUpdate` values (the
magic-wormhole status pattern); they read :attr:`Jam.state` and :meth:`Jam.reading` and never
touch the layers below. Every event is kept by a :class:`~jamdesk.app.recorder.
SessionRecorder`. The network parts come from a :class:`~jamdesk.app.transport.Transport`
(the real one unless a test gives another).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from jamdesk.app.clock import LocalClock
from jamdesk.app.hosting import Hosting, Reach
from jamdesk.app.jam_state import (
    TRANSITIONS,
    Closed,
    JamUpdate,
    JamView,
    Listener,
    RoleState,
    state_name,
)
from jamdesk.app.membership import Membership, address_of
from jamdesk.app.recorder import SessionRecorder
from jamdesk.app.storage import AsyncDatabase
from jamdesk.app.transport import Transport, network
from jamdesk.core import succession
from jamdesk.core.commands import Command, EndRoom, TakeOver, TransferHost
from jamdesk.core.events import Event, HostChanged, RoomEnded, RoomOpened
from jamdesk.core.kinds import Lifecycle
from jamdesk.core.room import RoomLog
from jamdesk.core.rules import Rejected, decide
from jamdesk.net.discovery import RoomAd
from jamdesk.net.member_client import JoinError, LinkState
from jamdesk.protocol.identity import Identity
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome

__all__ = ["TRANSITIONS", "Jam"]

log = logging.getLogger(__name__)

END_DRAIN_S = 2.0
"""How long an ending host waits for members to hear the end before closing links."""


class Jam(JamView):
    """One jam on this computer. Build it with :func:`host_jam` or :func:`join_jam`.

    Args:
        name: our display name.
        clock: this computer's clock.
        db: where the session is kept (``None``: not kept).
        reach: how the room is reached (address policy, listening address, LAN advert,
            signalling server and STUN/TURN servers).
        client_id: this app's stable id (from the profile), for bans.
        avatar_color: our colour in the people list.
        transport: the network parts (:func:`~jamdesk.app.transport.network` by default).
    """

    def __init__(
        self,
        name: str,
        *,
        clock: LocalClock,
        db: AsyncDatabase | None,
        reach: Reach,
        client_id: str = "",
        avatar_color: str = "",
        transport: Transport | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.name = name
        self.identity = identity or Identity.generate()  # who we prove to be in rooms
        self._avatar_color = avatar_color
        self._clock = clock
        self._client_id = client_id
        self._reach = reach
        self._transport = transport or network()
        self._recorder = SessionRecorder(db)
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self._role: RoleState = Closed(None)
        self._leaving = False
        self._handed_over = asyncio.Event()
        self.transitions: list[tuple[str, str, str]] = []
        """Every move of the role so far: (from, event, to)."""

    # -- the role -----------------------------------------------------------------------------

    def _move(self, event: str, to: RoleState) -> None:
        """Change role along :data:`TRANSITIONS`. Raises ``RuntimeError`` for a move the
        table does not have (a bug, not bad input)."""
        before = state_name(self._role)
        after = TRANSITIONS.get((before, event))
        if after is None or after != state_name(to):
            raise RuntimeError(f"no move from {before} on {event} to {state_name(to)}")
        self.transitions.append((before, event, after))
        log.info("role: %s --%s--> %s", before, event, after)
        self._role = to

    def _close_role(self, event: str) -> None:
        role = self._role
        if isinstance(role, Closed):
            return
        last = role.state if not isinstance(role, Membership) or role.held else None
        self._move(event, Closed(last, list(role.events), role.me))

    # -- what observers do --------------------------------------------------------------------

    async def send(self, cmd: Command) -> None:
        """Send a command; a refusal arrives as a :class:`JamUpdate` with ``refused``."""
        service = self.service
        if service is not None:
            rejected = await service.command(cmd)
            if rejected is not None:
                self._emit(JamUpdate(refused=rejected))
            return
        role = self._role
        if not isinstance(role, Membership) or role.client.send(cmd) is None:
            self._emit(
                JamUpdate(notice="Not connected to the host right now; try again in a moment.")
            )

    def act_as_ghost(self, ghost_id: str, cmd: Command) -> None:
        """Replay a ghost's action into the room (only while hosting); a refusal is logged."""
        service = self.service
        if service is None:
            log.warning("only the host can replay ghosts")
            return
        out = service.engine.act_as(ghost_id, cmd, self.room_now_ms())
        service.carry_out(out)
        if out.refused is not None:
            log.info("ghost action refused: %s", out.refused.reason)

    async def end(self) -> None:
        """End the jam for everyone (host), give members a moment to hear it, then close."""
        service = self.service
        if service is None:
            await self.send(EndRoom())
            return
        if self.state.lifecycle is not Lifecycle.ENDED:
            await self.send(EndRoom())
        await service.wait_no_links(END_DRAIN_S)
        await self.close()

    async def leave(self) -> None:
        """Leave the room. A host hands over to the earliest-joined member present, or ends
        the jam when nobody else is there."""
        role = self._role
        if isinstance(role, Closed):
            return
        service = self.service
        if service is not None:
            successor = succession.successor(self.state, exclude=self.me)
            if successor is None or self.state.lifecycle is Lifecycle.ENDED:
                await self.end()
                return
            self._leaving = True
            await service.command(TransferHost(participant_id=successor, leaving=True))
            await self._handed_over.wait()  # set once members have moved to the new host
            return
        if not isinstance(role, Membership):
            return
        held = role.held
        self._close_role("left")
        await role.client.leave()
        if held and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("left")
        self._emit(JamUpdate(closed=True))

    async def close(self) -> None:
        """Stop without leaving (the app quits): the stored session shows as interrupted."""
        role = self._role
        if isinstance(role, Closed):
            return
        held = not isinstance(role, Membership) or role.held
        if self._recorder.recording and held and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("interrupted")
        self._close_role("closed")
        if isinstance(role, Hosting):
            await role.stop()
        else:
            await role.client.close()
        for task in list(self._tasks):
            task.cancel()
        self._emit(JamUpdate(closed=True))

    # -- opening --------------------------------------------------------------------------------

    async def open_room(self, opened: RoomOpened, *, replay_of: int | None = None) -> None:
        """Open a new room as its host and start recording it. Raises
        :class:`~jamdesk.net.lan.SignallingError` when the signalling server refuses it."""
        hosting = self._new_hosting(RoomLog(opened, at_ms=self._clock.now_ms()), opened.host_id)
        self._role = hosting
        try:
            await hosting.start(probe=True, on_path=self._paths_changed)
        except BaseException:
            await self.close()
            raise
        self._start_session(replay_of=replay_of)

    async def join(
        self, code: str | None, address: tuple[str, int] | None, *, rediscover: bool
    ) -> None:
        """Join the room with ``code`` (found on the LAN or through the signalling server)
        or at ``address``, and start recording it. Raises
        :class:`~jamdesk.net.member_client.JoinError` in words."""
        membership = self._new_membership(code, address)
        self._role = membership
        await membership.join_first()
        if code is not None and membership.state.code != code:
            await membership.client.close()
            raise JoinError(
                f"The host at that address is running jam {membership.state.code}, not {code}."
            )
        membership.code = membership.state.code
        if rediscover:
            membership.address = None
        self._start_session()

    def _new_hosting(self, room_log: RoomLog, me: str, offset_ms: int = 0) -> Hosting:
        return Hosting(
            room_log,
            me,
            transport=self._transport,
            reach=self._reach,
            clock=self._clock,
            offset_ms=offset_ms,
            on_events=self._on_host_events,
            notice=lambda words: self._emit(JamUpdate(notice=words)),
            spawn=self._spawn,
            on_twin=lambda ad: self._spawn(self._give_way(ad)),
        )

    def _new_membership(
        self,
        code: str | None,
        address: tuple[str, int] | None,
        engine: MemberEngine | None = None,
    ) -> Membership:
        return Membership(
            transport=self._transport,
            reach=self._reach,
            clock=self._clock,
            name=self.name,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            identity=self.identity,
            code=code,
            address=address,
            on_outcome=self._on_outcome,
            on_link=self._on_link,
            on_path=lambda path: self._emit(JamUpdate(path=path)),
            engine=engine,
        )

    # -- hosting ------------------------------------------------------------------------------

    def _on_host_events(self, events: list[Event]) -> None:
        self._persist(events)
        if any(isinstance(e.body, RoomEnded) for e in events):
            self._finish_session("ended")
        if isinstance(self._role, Hosting):
            self._role.refresh_advert()
        self._emit(JamUpdate(events=tuple(events)))
        for event in events:
            body = event.body
            if isinstance(body, HostChanged) and body.participant_id != self.me:
                self._spawn(self._hand_over(body.participant_id))

    def _paths_changed(self) -> None:
        self._emit(JamUpdate(paths=True))

    async def _hand_over(self, new_host: str) -> None:
        """We were host and gave the role to ``new_host``: serve no more, then either go (we
        were leaving) or join the new host as a member."""
        hosting = self._role
        assert isinstance(hosting, Hosting)
        if hosting.service is not None:
            await hosting.service.wait_no_links(END_DRAIN_S)  # members move to the new host
        state = hosting.state
        await hosting.stop()
        notice = f"{state.name_of(new_host)} is now the host."
        if self._leaving:
            self._close_role("handed_over_leaving")
            self._finish_session("handed_over")  # recorded as what it was: run, then handed on
            self._handed_over.set()
            self._emit(JamUpdate(host_changed=True, notice=notice, closed=True))
            return
        membership = self._new_membership(state.code, None, self._engine_from(hosting))
        self._move("handed_over", membership)
        self._emit(JamUpdate(host_changed=True, notice=notice))
        try:
            await membership.client.join()
        except JoinError as exc:
            self._emit(JamUpdate(notice=f"Could not reach the new host: {exc}"))
            return
        self._emit(JamUpdate(link=LinkState.CONNECTED))

    def _engine_from(self, hosting: Hosting) -> MemberEngine:
        """A member engine holding the log we served, to join the room's other host with."""
        engine = MemberEngine(
            self.name,
            participant_id=hosting.me,
            log=list(hosting.log.events),
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=hosting.state.code,
            identity=self.identity,
        )
        engine.state = hosting.state
        return engine

    async def _give_way(self, ad: RoomAd) -> None:
        """Another host serves this room too (two hosts met after a partition or a long
        freeze), it answered, and we are the one to give way
        (:func:`~jamdesk.core.succession.gives_way`): stop serving and join it with our log.
        Its log is the room's from then on: events only we held after the split are
        dropped, as on any resume. Our members, if any, find it by the room's code (a host
        replaced as lost stays acceptable to them)."""
        hosting = self._role
        if not isinstance(hosting, Hosting):
            return
        try:
            address = address_of(ad)  # before we stop serving: never a room left hostless
        except JoinError as exc:
            log.warning("not giving way to %s: %s", ad.host_id, exc)
            return
        await hosting.stop()
        engine = self._engine_from(hosting)
        membership = self._new_membership(hosting.state.code, address, engine)
        self._move("gave_way", membership)
        try:
            await membership.client.join()
        except JoinError as exc:
            log.warning("could not join the room's other host: %s", exc)
            self._emit(JamUpdate(notice=f"Could not reach the jam's other host: {exc}"))
            await self._become_host(take_over=False)  # serve on: never a room without a host
            return
        membership.address = None  # from now on, found by the room's code
        name = self.state.name_of(self.state.host_id)
        log.info("gave way: %s hosts the room", self.state.host_id)
        self._emit(
            JamUpdate(
                host_changed=True,
                link=LinkState.CONNECTED,
                notice=f"{name} is hosting this jam; you are back in it as a member.",
            )
        )

    # -- being a member -----------------------------------------------------------------------

    def _on_outcome(self, out: MemberOutcome) -> None:
        if out.kept_until is not None:
            self._recorder.drop_after(out.kept_until)
        if out.events:
            self._persist(out.events)
            self._emit(JamUpdate(events=tuple(out.events)))
            for event in out.events:
                self._after_member_event(event)
        for _ref, refusal in out.refused:
            self._emit(JamUpdate(refused=refusal))
        if out.paths_changed:
            self._emit(JamUpdate(paths=True))
        if out.error is not None:
            log.warning("the host reported: %s %s", out.error.code, out.error.message)
            if out.error.fatal:
                self._emit(JamUpdate(notice=out.error.message))

    def _after_member_event(self, event: Event) -> None:
        body = event.body
        if isinstance(body, RoomEnded):
            self._finish_session("ended")
            self._emit(JamUpdate(notice="The host ended the jam."))
            self._spawn(self.close())
        elif isinstance(body, HostChanged):
            if body.participant_id == self.me and body.reason == "transfer":
                self._spawn(self._become_host(take_over=False))
            elif body.participant_id != self.me:
                name = self.state.name_of(body.participant_id)
                self._emit(JamUpdate(host_changed=True, notice=f"{name} is now the host."))

    def _on_link(self, state: LinkState) -> None:
        role = self._role
        if state is LinkState.CLOSED and not isinstance(role, Closed):
            return  # a link we replace (checking the host, taking over): the jam goes on
        if isinstance(role, Membership) and state is LinkState.RECONNECTING and role.held:
            lost = self.state.host_id
            moved = role.linked_host not in ("", lost)  # handed over: the new host is known
            # A relayed link lost with the signalling server says nothing of the host.
            unknown = role.client.lost_with_server
            if (
                not moved
                and not unknown
                and succession.takes_over(self.state, self.me)
                and role.address is None
            ):
                log.info("lost the host and we joined earliest: checking that it is gone")
                self._spawn(self._take_over_unless_the_host_answers(role))
        notice = {
            LinkState.RECONNECTING: "Lost the connection to the host; reconnecting...",
            LinkState.GONE: "The host has gone, and the jam cannot continue.",
        }.get(state)
        if state is LinkState.CONNECTED and isinstance(role, Membership) and role.held:
            role.linked_host = self.state.host_id
        if state is LinkState.CONNECTED and self._recorder.recording:
            notice = "Reconnected."
        if state is LinkState.GONE and not self.closed and self._recorder.recording:
            self._finish_session("interrupted")
        self._emit(JamUpdate(link=state, notice=notice))

    async def _take_over_unless_the_host_answers(self, membership: Membership) -> None:
        """We are next in line and lost the host: it may be we who were away (a laptop lid,
        a Wi-Fi drop, a long pause) while the host is fine. Rejoin it once; only when it
        does not answer is it gone, and we take over (issue 16, item 2: never a second host
        while the host lives)."""
        try:
            await membership.check_host()
        except JoinError as exc:
            if self._role is not membership:
                return
            log.info("the host did not answer (%s): taking over", exc)
            await self._become_host(take_over=True)
            return
        log.info("the host answered: we stay a member")

    async def _become_host(self, *, take_over: bool) -> None:
        """Serve the room from our own copy of its log (host transfer or failover)."""
        membership = self._role
        if not isinstance(membership, Membership):
            return
        await membership.client.close()
        offset = membership.engine.clock.offset_ms
        me = membership.me
        room_log = RoomLog.from_events(membership.engine.log)
        hosting = self._new_hosting(room_log, me, offset)
        added: list[Event] = []
        if take_over:
            bodies = decide(room_log.state, me, TakeOver(), hosting.room_now_ms())
            if isinstance(bodies, Rejected):
                log.warning("could not take over: %s", bodies.reason)
                return
            added = room_log.append(me, bodies, hosting.room_now_ms())
        self._move("took_over" if take_over else "transferred_to_us", hosting)
        await hosting.start(probe=False, on_path=self._paths_changed)
        if added:
            self._on_host_events(added)
        self._emit(JamUpdate(host_changed=True, notice="You are now the host."))

    # -- storage ------------------------------------------------------------------------------

    def _start_session(self, replay_of: int | None = None) -> None:
        held = list(self.events)
        self._recorder.start(
            self.state,
            held,
            me=self.me,
            role=self.role,
            started_at_ms=held[0].at_ms if held else self.room_now_ms(),
            replay_of=replay_of,
        )

    def _persist(self, events: list[Event]) -> None:
        self._recorder.append(events)

    def _finish_session(self, outcome: str) -> None:
        self._recorder.finish(outcome, self.room_now_ms())

    # -- plumbing -----------------------------------------------------------------------------

    def _emit(self, update: JamUpdate) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("a jam listener failed")

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        return task


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a jam task failed", exc_info=task.exception())
