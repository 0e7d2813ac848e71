"""Avatar colours travel with the host's and members' joins, over real data channels."""

from __future__ import annotations

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.core.commands import Join
from jamdesk.core.defaults import default_timer
from jamdesk.core.kinds import SessionType
from jamdesk.core.rules import decide
from jamdesk.net.addresses import NetworkMode, install
from tests.factories import room_log

install(NetworkMode.LOOPBACK)


async def test_everyone_sees_everyones_colour() -> None:
    host = await host_jam(
        HostSettings(
            "Ana",
            "Colours",
            SessionType.FOCUS,
            default_timer(SessionType.FOCUS),
            bind_host="127.0.0.1",
            advertise=False,
            avatar_color="#2E9E5B",
        ),
        clock=LocalClock(),
        db=None,
        mode=NetworkMode.LOOPBACK,
    )
    member = await join_jam(
        "Bo",
        address=("127.0.0.1", host.port),
        clock=LocalClock(),
        db=None,
        mode=NetworkMode.LOOPBACK,
        avatar_color="#E0A100",
    )
    try:
        colours = {p.name: p.avatar_color for p in member.state.participants}
        assert colours == {"Ana": "#2E9E5B", "Bo": "#E0A100"}
        assert host.state.participant(member.me).avatar_color == "#E0A100"  # type: ignore[union-attr]
    finally:
        await member.close()
        await host.close()


def test_a_malformed_colour_is_dropped_not_refused() -> None:
    bodies = decide(room_log().state, "x", Join(name="Bo", avatar_color="red;evil"), 0)
    assert isinstance(bodies, list)
    assert bodies[0].avatar_color == ""  # type: ignore[union-attr]
