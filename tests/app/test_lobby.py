"""The LAN lobby in one process: real zeroconf on 127.0.0.1 and real data channels.

Every wait is on a condition signalled by the lobby's own updates (no sleeps).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.lobby import Lobby, LobbyUpdate
from jamdesk.app.opening import host_jam
from jamdesk.core import timer
from jamdesk.core.commands import StartTimer
from jamdesk.core.kinds import Phase, SessionType
from jamdesk.net.addresses import NetworkMode, install
from jamdesk.net.discovery import RoomAd
from jamdesk.net.member_client import LinkState

install(NetworkMode.LOOPBACK)
CLOCK = LocalClock()


class Watcher:
    """Wakes waiters on every update of any watched lobby (a condition may read several)."""

    waiting: list[asyncio.Event] = []  # noqa: RUF012 - shared by every watcher on purpose

    def __init__(self, lobby: Lobby) -> None:
        self.lobby = lobby
        self.updates: list[LobbyUpdate] = []
        lobby.subscribe(self._on_update)

    def _on_update(self, update: LobbyUpdate) -> None:
        self.updates.append(update)
        for event in Watcher.waiting:
            event.set()

    async def until(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        changed = asyncio.Event()
        Watcher.waiting.append(changed)

        async def loop() -> None:
            while not predicate():
                changed.clear()
                await changed.wait()

        try:
            await asyncio.wait_for(loop(), timeout_s)
        finally:
            Watcher.waiting.remove(changed)


@asynccontextmanager
async def lobby(name: str, *, chat: bool = True) -> AsyncIterator[Watcher]:
    instance = Lobby(name, clock=CLOCK, mode=NetworkMode.LOOPBACK, chat=chat, bind_host="127.0.0.1")
    watcher = Watcher(instance)
    await instance.start()
    try:
        yield watcher
    finally:
        await instance.close()


def settings(title: str, *, private: bool = False, show_title: bool = False) -> HostSettings:
    return HostSettings(
        name="Ana",
        title=title,
        session_type=SessionType.POMODORO,
        timer=timer.pomodoro_timer(),
        bind_host="127.0.0.1",
        discipline="Mathematics",
        private=private,
        show_title=show_title,
    )


async def test_rooms_are_listed_live_with_their_timer_and_private_ones_hide_their_details() -> None:
    async with lobby("Bo", chat=False) as bo:
        maths = await host_jam(
            settings("Calculus"), clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK
        )
        secret = await host_jam(
            settings("Secret plans", private=True), clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK
        )
        try:
            hosts = {maths.state.host_id, secret.state.host_id}

            def ours() -> list[RoomAd]:  # other jams on this computer are not ours to count
                return [r for r in bo.lobby.rooms if r.host_id in hosts]

            await bo.until(lambda: len(ours()) == 2)
            listed = {r.code: r for r in ours()}
            public = listed[maths.code]
            assert (public.title, public.discipline, public.host_name) == (
                "Calculus",
                "Mathematics",
                "Ana",
            )
            (hidden,) = [r for r in ours() if r.private]
            assert (hidden.code, hidden.title, hidden.host_name) == (None, "", "")
            assert secret.code not in str(hidden)

            await maths.send(StartTimer())
            await bo.until(
                lambda: any(
                    r.code == maths.code and r.timer is not None and r.timer.running
                    for r in bo.lobby.rooms
                )
            )
            ad = next(r for r in bo.lobby.rooms if r.code == maths.code)
            reading = bo.lobby.reading(ad)
            assert reading is not None
            assert reading.phase is Phase.FOCUS
            assert abs(reading.remaining_ms - maths.reading().remaining_ms) < 1_000  # type: ignore[operator]

            await maths.end()
            await bo.until(lambda: [r.private for r in ours()] == [True])
        finally:
            await maths.close()
            await secret.close()


async def test_a_private_room_is_joined_by_its_code_and_nothing_else() -> None:
    from jamdesk.app.opening import join_jam
    from jamdesk.net.member_client import JoinError

    other = await host_jam(
        settings("Other", private=True), clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK
    )
    mine = await host_jam(
        settings("Mine", private=True), clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK
    )
    offers: list[str] = []  # everything the other private room is sent
    assert other.service is not None
    signalling = other.service._signalling
    answer = signalling._on_offer

    async def recorded(offer, remote):  # type: ignore[no-untyped-def]
        offers.append(repr(offer))
        return await answer(offer, remote)

    signalling._on_offer = recorded
    try:
        bo = await join_jam("Bo", code=mine.code, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK)
        assert bo.state.title == "Mine"
        assert other.state.present_count == 1
        # The code is proved with SPAKE2, never sent: the other room learnt nothing, and its
        # engine never even got a hello (the wrong proof ended it before the data channel).
        assert not any(mine.code in offer for offer in offers)
        assert other.service.engine.refusals == {}
        await bo.leave()
        with pytest.raises(JoinError, match="No jam on this network opened with code ZZZZZZ"):
            await join_jam("Cy", code="ZZZZZZ", clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK)
        assert offers  # the wrong code was tried at every private room, this one included
        assert not any("ZZZZZZ" in offer for offer in offers)
        assert other.service.engine.refusals == {}
        assert other.state.present_count == mine.state.present_count == 1
    finally:
        await other.close()
        await mine.close()


async def test_lobby_chat_reaches_everyone_and_survives_its_host_leaving() -> None:
    async with lobby("Ana") as ana:
        await ana.until(lambda: ana.lobby.hosting)  # the first on the network opens it
        async with lobby("Bo") as bo:
            await bo.until(lambda: bo.lobby.jam is not None and ana.lobby.people == 2)
            assert not bo.lobby.hosting
            await bo.lobby.say("anyone doing linear algebra?")
            for who in (ana, bo):
                await who.until(lambda w=who: len(w.lobby.chat) == 1)  # type: ignore[misc]
            assert ana.lobby.chat[0].text == "anyone doing linear algebra?"
            assert (ana.lobby.chat[0].name, ana.lobby.chat[0].mine) == ("Bo", False)
            assert bo.lobby.chat[0].mine

            async with lobby("Cy") as cy:
                await cy.until(lambda: cy.lobby.people == 3)
                assert [c.text for c in cy.lobby.chat] == ["anyone doing linear algebra?"]
                await ana.lobby.close()  # the instance hosting the lobby quits
                await bo.until(lambda: bo.lobby.hosting)  # Bo joined earliest: takes it over
                assert bo.lobby.jam is not None

                def cy_on_bo() -> bool:
                    jam = cy.lobby.jam
                    return (
                        jam is not None
                        and jam.state.host_id == bo.lobby.jam.me  # type: ignore[union-attr]
                        and jam.link_state is LinkState.CONNECTED
                    )

                await cy.until(cy_on_bo)
                assert cy.lobby.people == 2
                await cy.lobby.say("still here")
                await bo.until(lambda: bo.lobby.chat[-1].text == "still here")


async def test_two_lobbies_opened_at_once_become_one() -> None:
    async with lobby("Ana") as ana, lobby("Bo") as bo:
        await ana.until(lambda: ana.lobby.jam is not None)
        await bo.until(lambda: bo.lobby.jam is not None)

        def one_lobby() -> bool:
            a, b = ana.lobby.jam, bo.lobby.jam
            return (
                a is not None and b is not None and a.code == b.code and a.state.present_count == 2
            )

        await ana.until(one_lobby, 20)
        await bo.until(one_lobby, 20)


async def test_internet_rooms_are_listed_beside_the_lans_marked_and_deduplicated() -> None:
    """Issue 13: "Rooms nearby" shows LAN and internet rooms together, marked. A room
    listed by a real signalling server (in this process, on loopback) and not on the LAN
    shows as internet, joinable through that server; one seen on both shows once."""
    import aiohttp

    from jamdesk.protocol.signal import Listing, ListRoom, Register, encode_signal
    from jamdesk.signal_server.server import SignalServer

    server = SignalServer("127.0.0.1", 0)
    port = await server.start()
    url = f"http://127.0.0.1:{port}"
    listing = Listing(
        title="Organic chemistry", session_type="STUDY", host_name="Kai", count=3,
        lifecycle="active", timer=timer.start(timer.countdown(25 * 60_000), CLOCK.now_ms()),
    )  # fmt: skip
    maths = await host_jam(settings("Calculus"), clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK)
    instance = Lobby("Bo", clock=CLOCK, mode=NetworkMode.LOOPBACK, chat=False, signal_url=url)
    bo = Watcher(instance)
    async with aiohttp.ClientSession() as session:
        far = await session.ws_connect(f"ws://127.0.0.1:{port}/v1/ws")
        near = await session.ws_connect(f"ws://127.0.0.1:{port}/v1/ws")
        try:
            await far.send_str(encode_signal(Register(code="CHEM42")))
            await far.receive_str(timeout=10)
            await far.send_str(encode_signal(ListRoom(code="CHEM42", listing=listing)))
            await near.send_str(encode_signal(Register(code=maths.code)))
            await near.receive_str(timeout=10)
            twin = Listing(title="Calculus", session_type="POMODORO", host_name="Ana", count=1,
                           lifecycle="ready")  # fmt: skip
            await near.send_str(encode_signal(ListRoom(code=maths.code, listing=twin)))
            await instance.start()

            def codes() -> list[str | None]:
                return [r.code for r in instance.rooms if r.code in ("CHEM42", maths.code)]

            def both() -> bool:  # the LAN's advert of Calculus, the server's of CHEM42
                lan = [r for r in instance.rooms if r.code == maths.code and not r.internet]
                return len(codes()) == 2 and bool(lan)

            await bo.until(both)
            (chem,) = [r for r in instance.rooms if r.code == "CHEM42"]
            assert chem.internet
            assert chem.signal_url == url
            assert (chem.title, chem.host_name, chem.count) == ("Organic chemistry", "Kai", 3)
            reading = instance.reading(chem)
            assert reading is not None
            assert 24 * 60_000 < reading.remaining_ms <= 25 * 60_000  # type: ignore[operator]
            (calculus,) = [r for r in instance.rooms if r.code == maths.code]
            assert not calculus.internet  # seen on the LAN too: shown as the LAN sees it
            await far.close()  # its host left: gone from the list
            await bo.until(lambda: codes() == [maths.code])
        finally:
            await instance.close()
            await near.close()
            await maths.close()
            await server.close()


async def test_the_internet_lobby_chat_joins_the_lans_and_a_line_sent_both_ways_shows_once() -> (
    None
):
    """Ana and Bo share a LAN and a signalling server; Kai reaches only the server. Bo's
    line goes to both chats and each of them sees it once; Kai's arrives marked internet."""
    import aiohttp

    from jamdesk.protocol.signal import LobbySay, WatchLobby, encode_signal
    from jamdesk.signal_server.server import SignalServer

    server = SignalServer("127.0.0.1", 0)
    port = await server.start()
    url = f"http://127.0.0.1:{port}"

    def on_both(name: str) -> Lobby:
        return Lobby(name, clock=CLOCK, mode=NetworkMode.LOOPBACK, bind_host="127.0.0.1",
                     signal_url=url)  # fmt: skip

    ana_lobby, bo_lobby = on_both("Ana"), on_both("Bo")
    ana, bo = Watcher(ana_lobby), Watcher(bo_lobby)
    async with aiohttp.ClientSession() as session:
        kai = await session.ws_connect(f"ws://127.0.0.1:{port}/v1/ws")
        try:
            await kai.send_str(encode_signal(WatchLobby()))
            await ana_lobby.start()
            await bo_lobby.start()
            await bo.until(lambda: bo_lobby.jam is not None and ana_lobby.people == 2)
            await bo_lobby.say("chapter 4 anyone?")
            for who in (ana, bo):
                await who.until(
                    lambda w=who: any(c.text == "chapter 4 anyone?" for c in w.lobby.chat)  # type: ignore[misc]
                )
            await kai.send_str(encode_signal(LobbySay(name="Kai", text="from far away")))
            await ana.until(lambda: any(c.text == "from far away" for c in ana_lobby.chat))
            await bo_lobby.say("welcome Kai")  # a last line, so both copies of Bo's have come
            await ana.until(lambda: [c.text for c in ana_lobby.chat].count("welcome Kai") == 1)
            texts = [c.text for c in ana_lobby.chat]
            assert texts.count("chapter 4 anyone?") == 1, ana_lobby.chat  # sent both ways, once
            (far,) = [c for c in ana_lobby.chat if c.text == "from far away"]
            assert (far.name, far.internet, far.mine) == ("Kai", True, False)
        finally:
            await kai.close()
            await bo_lobby.close()
            await ana_lobby.close()
            await server.close()
