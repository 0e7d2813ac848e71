"""Opening a jam: :func:`host_jam` starts a new room on this computer, :func:`join_jam` joins
one by its code or its host's address. Both return the :class:`~jamdesk.app.jam.Jam` that
then serves the session."""

from __future__ import annotations

import secrets

from jamdesk.app.clock import LocalClock
from jamdesk.app.hosting import Reach
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.storage import AsyncDatabase
from jamdesk.app.transport import Transport
from jamdesk.core import codes
from jamdesk.core.events import RoomOpened
from jamdesk.core.rules import valid_color
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.member_client import JoinError
from jamdesk.protocol.identity import Identity


async def host_jam(
    settings: HostSettings,
    *,
    clock: LocalClock,
    db: AsyncDatabase | None,
    mode: NetworkMode,
    client_id: str = "",
    replay_of: int | None = None,
    transport: Transport | None = None,
    identity: Identity | None = None,
) -> Jam:
    """Open a room and start serving it; returns once it is advertised. ``replay_of`` marks
    a solo run beside the ghosts of that stored jam. Raises
    :class:`~jamdesk.net.lan.SignallingError` when the signalling server refuses it."""
    reach = Reach(
        mode=mode,
        bind_host=settings.bind_host,
        advertise=settings.advertise,
        signal_url=settings.signal_url,
        ice_servers=list(settings.ice_servers),
        fanout_window_ms=settings.fanout_window_ms,
    )
    jam = Jam(
        settings.name,
        clock=clock,
        db=db,
        reach=reach,
        client_id=client_id,
        avatar_color=settings.avatar_color,
        transport=transport,
        identity=identity,
    )
    opened = RoomOpened(
        code=codes.new_code(secrets.randbelow),
        title=settings.title,
        session_type=settings.session_type,
        timer=settings.timer,
        host_id=jam.identity.participant_id,  # the host is its key's person too
        host_name=settings.name,
        host_client_id=client_id,
        host_color=settings.avatar_color if valid_color(settings.avatar_color) else "",
        discipline=settings.discipline,
        private=settings.private,
        show_title=settings.show_title,
        lobby=settings.lobby,
    )
    await jam.open_room(opened, replay_of=replay_of)
    return jam


async def join_jam(
    name: str,
    *,
    code: str | None = None,
    address: tuple[str, int] | None = None,
    clock: LocalClock,
    db: AsyncDatabase | None,
    mode: NetworkMode,
    client_id: str = "",
    bind_host: str = "0.0.0.0",
    avatar_color: str = "",
    rediscover: bool = False,
    signal_url: str = "",
    ice_servers: tuple[str, ...] = (),
    relay_id: str = "",
    transport: Transport | None = None,
    identity: Identity | None = None,
) -> Jam:
    """Join the room with ``code`` (found on the LAN) or at ``address`` (host, port).
    With ``rediscover``, ``address`` serves the first join only (it came from the LAN) and
    reconnects find the room by its code, like a join by code.

    Raises :class:`~jamdesk.net.member_client.JoinError` with a reason fit for a student.
    """
    if code is None and address is None:
        raise JoinError("Enter the jam's code.")
    reach = Reach(
        mode=mode,
        bind_host=bind_host,
        signal_url=signal_url,
        ice_servers=list(ice_servers),
        relay_id=relay_id,
    )
    jam = Jam(
        name,
        clock=clock,
        db=db,
        reach=reach,
        client_id=client_id,
        avatar_color=avatar_color,
        transport=transport,
        identity=identity,
    )
    await jam.join(code, address, rediscover=rediscover)
    return jam
