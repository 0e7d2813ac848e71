"""A signalling server's internet lobby, watched from here: the public rooms it lists, kept
current, and its lobby chat (docs/ARCHITECTURE.md, "Internet lobby";
:mod:`jamdesk.signal_server.lobby` is the server's side).

One WebSocket, like a host's registration: ``lobby`` once, then the server sends the whole
list and its changes as they happen. A dropped connection is opened again with backoff,
and the list is replaced by the server's next whole list, so nothing goes stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from jamdesk.net.lan import SignallingError
from jamdesk.net.signal_client import again_until_connected, open_and_ask
from jamdesk.protocol.signal import (
    Failure,
    Listing,
    LobbyLine,
    LobbyRooms,
    LobbySay,
    SignalError,
    WatchLobby,
    decode_signal,
    encode_signal,
)

log = logging.getLogger(__name__)

MAX_ROOMS = 20_000
"""Rooms kept from one server at most (a server that sends more is cut off there)."""


@dataclass(frozen=True)
class LobbyChatLine:
    """One line of a server's lobby chat (``at_ms``: the server's clock)."""

    name: str
    text: str
    at_ms: int


class LobbyWatcher:
    """The lobby of the signalling server at ``url``: :attr:`rooms` (code -> listing) as the
    server lists them now, ``on_change`` called after each change, ``on_line`` with each
    chat line; ``session_type`` and ``text`` filter what the server sends."""

    def __init__(
        self,
        url: str,
        *,
        on_change: Callable[[], None] | None = None,
        on_line: Callable[[LobbyChatLine], None] | None = None,
        session_type: str = "",
        text: str = "",
    ) -> None:
        self.url = url
        self.rooms: dict[str, Listing] = {}
        self.more = 0  # rooms the server has beyond those it sent (filter to see them)
        self._on_change = on_change or (lambda: None)
        self._on_line = on_line or (lambda _line: None)
        self._watch = WatchLobby(session_type=session_type, text=text)
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Connect and read the whole list once; then follow it in the background. Raises
        :class:`~jamdesk.net.lan.SignallingError` in words when the server cannot be reached
        or does not answer as a Jamdesk signalling server."""
        self._session = aiohttp.ClientSession()
        try:
            ws = await self._connect()
        except SignallingError:
            await self._session.close()
            raise
        self._task = asyncio.create_task(self._follow(ws), name="jamdesk-internet-lobby")

    async def say(self, name: str, text: str) -> bool:
        """Post ``text`` to the lobby chat as ``name``; ``False`` when not connected now."""
        ws = self._ws
        if ws is None or ws.closed:
            return False
        try:
            await ws.send_str(encode_signal(LobbySay(name=name, text=text)))
        except (ConnectionError, aiohttp.ClientError, RuntimeError):
            return False
        return True

    async def close(self) -> None:
        """Stop watching."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        assert self._session is not None
        ws, first = await open_and_ask(self._session, self.url, self._watch)
        if not isinstance(first, LobbyRooms) or not first.full:
            await ws.close()
            words = first.message if isinstance(first, Failure) else "answered out of turn"
            raise SignallingError(f"The signalling server at {self.url}: {words}.")
        self._ws = ws
        self._apply(first)
        return ws

    def _apply(self, message: LobbyRooms) -> None:
        if message.full:
            self.rooms.clear()
            self.more = message.more
        for code in message.gone:
            self.rooms.pop(code, None)
        for room in message.rooms:
            if room.code in self.rooms or len(self.rooms) < MAX_ROOMS:
                self.rooms[room.code] = room.listing
        self._on_change()

    async def _follow(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not self._closing:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = decode_signal(frame.data)
                except SignalError as exc:
                    log.warning("the signalling server sent an unreadable frame: %s", exc)
                    continue
                if isinstance(message, LobbyRooms):
                    self._apply(message)
                elif isinstance(message, LobbyLine):
                    self._on_line(LobbyChatLine(message.name, message.text, message.at_ms))
                elif isinstance(message, Failure):
                    log.info("the signalling server refused: %s", message.message)
            if self._closing:
                return
            ws = await self._reconnect()

    async def _reconnect(self) -> aiohttp.ClientWebSocketResponse:
        return await again_until_connected(self._connect, f"the internet lobby at {self.url}")
