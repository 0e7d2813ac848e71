"""Small helpers around aiortc peer connections and data channels.

We never pass ``RTCConfiguration()`` without servers: with no configuration aiortc asks a
public STUN server, which a LAN jam must not depend on. Candidates are gathered up front by
``setLocalDescription`` (aiortc does not trickle ICE), so an SDP offer or answer is complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiortc import RTCConfiguration, RTCDataChannel, RTCIceServer, RTCPeerConnection

from jamdesk.protocol.signal import IceServer, parse_ice_server

log = logging.getLogger(__name__)
CHANNEL_LABEL = "jamdesk"


_SHUTDOWN_RACE_TASKS = ("RTCSctpTransport.", "RTCDtlsTransport.")


def quiet_shutdown_races(loop: asyncio.AbstractEventLoop) -> None:
    """Log aiortc's peer-shutdown races quietly instead of as "Task exception was never
    retrieved" with a traceback.

    When a peer goes away while data is in flight, aiortc's internal SCTP/DTLS tasks fail with
    a connection or OpenSSL error that nothing awaits (aiortc issue #1040, open). The link is
    handled by our own close and reconnect logic, so these are noted at INFO; any other
    unhandled exception still goes to the loop's default handler.
    """
    from OpenSSL.SSL import Error as SSLError  # noqa: PLC0415 - aiortc's own dependency

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        task = context.get("future")
        exc = context.get("exception")
        coro = getattr(task, "get_coro", lambda: None)()
        name = getattr(coro, "__qualname__", "")
        if isinstance(exc, ConnectionError | SSLError) and name.startswith(_SHUTDOWN_RACE_TASKS):
            log.info("a peer connection closed mid-send (%s: %s)", name, exc)
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def ice_server(server: str | IceServer) -> RTCIceServer:
    """aiortc's form of a STUN or TURN server, given as text
    (:func:`~jamdesk.protocol.signal.parse_ice_server`) or as a signalling server handed it
    out. Raises ``ValueError`` in words for text that is not one."""
    parsed = parse_ice_server(server) if isinstance(server, str) else server
    return RTCIceServer(
        urls=parsed.urls, username=parsed.username or None, credential=parsed.credential or None
    )


def new_peer_connection(ice_servers: Sequence[str | IceServer] | None = None) -> RTCPeerConnection:
    """A peer connection using only ``ice_servers``: our text form (see :func:`ice_server`)
    or as a signalling server hands them out (:class:`~jamdesk.protocol.signal.IceServer`);
    none on a LAN."""
    servers = [ice_server(server) for server in ice_servers or []]
    return RTCPeerConnection(configuration=RTCConfiguration(iceServers=servers))


async def wait_open(channel: RTCDataChannel, timeout_s: float) -> None:
    """Wait until ``channel`` is open. Raises ``TimeoutError`` or ``ConnectionError``."""
    if channel.readyState == "open":
        return
    loop = asyncio.get_running_loop()
    opened: asyncio.Future[None] = loop.create_future()

    def on_open() -> None:
        if not opened.done():
            opened.set_result(None)

    def on_close() -> None:
        if not opened.done():
            opened.set_exception(ConnectionError("the data channel closed before opening"))

    channel.on("open", on_open)
    channel.on("close", on_close)
    try:
        await asyncio.wait_for(opened, timeout_s)
    finally:
        channel.remove_listener("open", on_open)
        channel.remove_listener("close", on_close)


async def wait_closed(channel: RTCDataChannel, timeout_s: float) -> None:
    """Wait until ``channel`` is closed. Raises ``TimeoutError``."""
    if channel.readyState == "closed":
        return
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_close() -> None:
        if not closed.done():
            closed.set_result(None)

    channel.on("close", on_close)
    try:
        await asyncio.wait_for(closed, timeout_s)
    finally:
        channel.remove_listener("close", on_close)


def send(channel: RTCDataChannel, data: bytes) -> bool:
    """Send ``data`` as one text message if the channel is open; returns whether it was sent."""
    if channel.readyState != "open":
        return False
    channel.send(data.decode("utf-8"))
    return True


def offer_problem(sdp: str) -> str | None:
    """Why ``sdp`` cannot be a Jamdesk offer, or ``None`` when it looks usable.

    aiortc parses any text leniently (it even answers ``"garbage"``), so we check that the
    offer has what a data-channel session needs (RFC 8841 ``m=application``, RFC 8122 DTLS
    fingerprint, RFC 8839 ICE credentials) before giving it a peer connection.
    """
    lines = sdp.splitlines()
    if not lines or lines[0].strip() != "v=0":
        return "not an SDP session description"
    needed = {
        "m=application": "no data channel section",
        "a=fingerprint:": "no DTLS fingerprint",
        "a=ice-ufrag:": "no ICE credentials",
        "a=ice-pwd:": "no ICE credentials",
    }
    for prefix, problem in needed.items():
        if not any(line.startswith(prefix) for line in lines):
            return problem
    return None


def sdp_dict(pc: RTCPeerConnection) -> dict[str, Any]:
    """The local description as ``{"sdp": ..., "type": ...}``."""
    desc = pc.localDescription
    return {"sdp": desc.sdp, "type": desc.type}
