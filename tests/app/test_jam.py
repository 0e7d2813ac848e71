"""The Jam's roles, on the in-memory network of :mod:`tests.app.memory`: joining, leaving,
handing over, taking over a lost host and resuming, each checked by the exact moves of the
role (:data:`jamdesk.app.jam.TRANSITIONS`) and by every member holding the same log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings, JamUpdate
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.core import timer
from jamdesk.core.commands import Chat, StartTimer, TransferHost
from jamdesk.core.events import HostChanged, MemberLeft
from jamdesk.core.kinds import SessionType
from jamdesk.net.addresses import NetworkMode
from tests.app.memory import MemoryHost, MemoryNet

CLOCK = LocalClock()


async def host(net: MemoryNet, name: str = "Ana") -> Jam:
    settings = HostSettings(
        name=name,
        title="Linear algebra",
        session_type=SessionType.STUDY,
        timer=timer.countdown(25 * 60_000),
        bind_host="127.0.0.1",
    )
    return await host_jam(
        settings, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK, transport=net.transport()
    )


async def join(net: MemoryNet, code: str, name: str) -> Jam:
    return await join_jam(
        name, code=code, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK, transport=net.transport()
    )


async def until(jam: Jam, check: Callable[[], bool], timeout_s: float = 5, *also: Jam) -> None:
    """Wait for ``check`` to hold, looking again at each update of ``jam`` (and of the
    jams in ``also``)."""
    changed = asyncio.Event()
    unsubscribes = [j.subscribe(lambda _u: changed.set()) for j in (jam, *also)]
    try:
        async with asyncio.timeout(timeout_s):
            while not check():
                changed.clear()
                await changed.wait()
    finally:
        for unsubscribe in unsubscribes:
            unsubscribe()


async def ana_bo_and_cy(net: MemoryNet) -> tuple[Jam, Jam, Jam, MemoryHost]:
    """Ana hosts; Bo joins first (next in line), then Cy. Returns the three and Ana's
    in-memory host service."""
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    cy = await join(net, ana.code, "Cy")
    service = ana.service
    assert isinstance(service, MemoryHost)
    return ana, bo, cy, service


def same_log(*jams: Jam) -> bool:
    first = [e.seq for e in jams[0].events]
    return all([e.seq for e in j.events] == first for j in jams) and all(
        j.events == jams[0].events for j in jams
    )


async def test_a_member_joins_by_code_and_leaves() -> None:
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    assert bo.state == ana.state
    assert ana.state.present_count == 2
    await ana.send(StartTimer())
    await until(bo, lambda: same_log(ana, bo))
    await bo.leave()
    await until(ana, lambda: ana.state.present_count == 1)
    assert isinstance(ana.events[-1].body, MemberLeft)
    assert bo.transitions == [("member", "left", "closed")]
    assert bo.closed
    await ana.close()
    assert ana.transitions == [("hosting", "closed", "closed")]


async def test_a_leaving_host_hands_the_room_to_the_earliest_member() -> None:
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    cy = await join(net, ana.code, "Cy")
    await ana.leave()
    await until(cy, lambda: cy.state.host_id == bo.me and bo.hosting)
    await until(cy, lambda: same_log(bo, cy) and cy.link_state.value == "connected")
    assert ana.transitions == [("hosting", "handed_over_leaving", "closed")]
    assert bo.transitions == [("member", "transferred_to_us", "hosting")]
    assert cy.transitions == []
    await cy.send(Chat(text="still here"))
    await until(bo, lambda: any(getattr(e.body, "text", "") == "still here" for e in bo.events))
    await until(cy, lambda: same_log(bo, cy))
    for jam in (cy, bo):
        await jam.close()


async def test_a_host_who_hands_over_and_stays_becomes_a_member() -> None:
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    await ana.send(TransferHost(participant_id=bo.me))
    await until(ana, lambda: not ana.hosting and ana.link_state.value == "connected")
    await until(ana, lambda: bo.hosting and same_log(ana, bo))
    assert ana.transitions == [("hosting", "handed_over", "member")]
    assert bo.transitions == [("member", "transferred_to_us", "hosting")]
    assert ana.state.host_id == bo.me
    for jam in (ana, bo):
        await jam.close()


async def test_when_the_host_is_lost_the_earliest_member_takes_over() -> None:
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    cy = await join(net, ana.code, "Cy")
    await ana.send(StartTimer())
    await until(cy, lambda: same_log(ana, bo, cy))
    before = len(cy.events)
    service = ana.service
    assert isinstance(service, MemoryHost)
    net.crash(service)  # the laptop is gone: no goodbye, no hand-over
    await until(bo, lambda: bo.hosting)
    await until(cy, lambda: cy.state.host_id == bo.me and same_log(bo, cy))
    changed = [e.body for e in cy.events[before:] if isinstance(e.body, HostChanged)]
    assert [(c.participant_id, c.reason) for c in changed] == [(bo.me, "lost")]
    assert bo.transitions == [("member", "took_over", "hosting")]
    assert cy.transitions == []
    assert bo.state.timer == ana.state.timer  # the shared timer runs on, untouched
    for jam in (cy, bo, ana):
        await jam.close()


async def test_a_member_whose_link_drops_resumes_without_losing_or_repeating() -> None:
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    cy = await join(net, ana.code, "Cy")  # not next in line: a drop is only a drop for Cy
    seen: list[JamUpdate] = []
    cy.subscribe(seen.append)
    service = ana.service
    assert isinstance(service, MemoryHost)
    (link,) = [k for k in service.links.values() if k.member.engine.participant_id == cy.me]
    service.drop(link)  # a Wi-Fi blip
    await ana.send(Chat(text="while you were away"))
    await until(cy, lambda: cy.link_state.value == "connected" and same_log(ana, cy))
    links = [u.link.value for u in seen if u.link is not None]
    assert links == ["reconnecting", "connected"]
    assert [e.seq for e in cy.events] == list(range(1, len(cy.events) + 1))
    assert cy.transitions == []
    assert [p.name for p in ana.state.participants if p.present] == ["Ana", "Bo", "Cy"]
    for jam in (cy, bo, ana):
        await jam.close()


async def test_a_rejoin_from_the_same_computer_is_the_same_person() -> None:
    """Issues 13 and 16: a rejoin made a new person (history listed "Bo" twice, seniority
    lost). The key proves who it is: the same key is the same participant, seniority kept;
    another key is someone else even under the same name."""
    from jamdesk.protocol.identity import Identity

    net = MemoryNet()
    ana = await host(net)
    bo_key = Identity.generate()

    async def join_as(name: str, identity: Identity) -> Jam:
        return await join_jam(
            name, code=ana.code, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK,
            transport=net.transport(), identity=identity,
        )  # fmt: skip

    first = await join_as("Bo", bo_key)
    cy = await join(net, ana.code, "Cy")
    seniority = ana.state.participant(first.me).joined_seq  # type: ignore[union-attr]
    await first.leave()
    await until(ana, lambda: ana.state.present_count == 2)
    again = await join_as("Bo L.", bo_key)  # renamed meanwhile, the same computer
    assert again.me == first.me == bo_key.participant_id
    bo = ana.state.participant(again.me)
    assert bo is not None
    assert (bo.name, bo.present, bo.joined_seq) == ("Bo L.", True, seniority)
    other = await join_as("Bo", Identity.generate())
    assert other.me not in (again.me, cy.me)
    assert [p.name for p in ana.state.participants] == ["Ana", "Bo L.", "Cy", "Bo"]
    assert ana.me == ana.identity.participant_id  # the host is its key's person too
    for jam in (other, again, cy):
        await jam.leave()
    await ana.close()


async def test_the_next_in_line_who_was_away_rejoins_the_live_host() -> None:
    """Issue 16, item 2: the member next in line loses its link while the host is fine (a
    frozen laptop, a Wi-Fi drop): it rejoins the host and never becomes a second host."""
    net = MemoryNet()
    ana = await host(net)
    bo = await join(net, ana.code, "Bo")
    cy = await join(net, ana.code, "Cy")
    seen: list[JamUpdate] = []
    bo.subscribe(seen.append)
    service = ana.service
    assert isinstance(service, MemoryHost)
    (link,) = [k for k in service.links.values() if k.member.engine.participant_id == bo.me]
    service.drop(link)
    await ana.send(Chat(text="while you were away"))
    await until(bo, lambda: bo.link_state.value == "connected" and same_log(ana, bo))
    assert bo.transitions == []
    assert not bo.hosting
    assert [u.link.value for u in seen if u.link is not None] == ["reconnecting", "connected"]
    assert [ad.host_id for ad in net.adverts.values()] == [ana.me]  # one room on the LAN
    await ana.send(Chat(text="one room"))
    await until(cy, lambda: same_log(ana, bo, cy))
    for jam in (cy, bo, ana):
        await jam.close()


async def test_a_member_cut_off_that_took_over_gives_way_when_the_network_heals() -> None:
    """Issue 16, item 2: Bo, next in line, is cut off from Ana (who goes on with Cy) and,
    finding her gone, takes over alone. When the network heals, Bo finds Ana alive with as
    many people and gives way: one room, Ana's log."""
    net = MemoryNet()
    ana, bo, cy, service = await ana_bo_and_cy(net)
    net.cut_off.add(("127.0.0.1", service.port))
    (link,) = [k for k in service.links.values() if k.member.engine.participant_id == bo.me]
    service.drop(link)
    await until(bo, lambda: bo.hosting)
    await ana.send(Chat(text="Bo dropped out"))
    net.heal()
    await until(bo, lambda: not bo.hosting and bo.link_state.value == "connected")
    await until(bo, lambda: same_log(ana, bo, cy), 5, ana, cy)
    assert bo.transitions == [("member", "took_over", "hosting"), ("hosting", "gave_way", "member")]
    assert ana.transitions == []
    assert [ad.host_id for ad in net.adverts.values()] == [ana.me]
    await bo.send(Chat(text="back"))
    await until(cy, lambda: any(getattr(e.body, "text", "") == "back" for e in cy.events))
    for jam in (cy, bo, ana):
        await jam.close()


async def test_a_host_frozen_past_the_failover_wakes_and_gives_way_to_its_successor() -> None:
    """Issue 16, item 2: Ana is frozen (cut off, every link lost); Bo takes over and Cy
    follows. When Ana answers again she is alone, Bo has the room: she gives way."""
    net = MemoryNet()
    ana, bo, cy, service = await ana_bo_and_cy(net)
    net.cut_off.add(("127.0.0.1", service.port))
    for link in list(service.links.values()):
        service.drop(link)
    await until(bo, lambda: bo.hosting)
    await until(cy, lambda: cy.state.host_id == bo.me and cy.link_state.value == "connected")
    await until(ana, lambda: ana.state.present_count == 1)
    net.heal()
    await until(ana, lambda: not ana.hosting and ana.link_state.value == "connected")
    await until(ana, lambda: same_log(ana, bo, cy), 5, bo, cy)
    assert ana.transitions == [("hosting", "gave_way", "member")]
    assert bo.transitions == [("member", "took_over", "hosting")]
    assert [ad.host_id for ad in net.adverts.values()] == [bo.me]
    for jam in (cy, ana, bo):
        await jam.close()
