"""``jamdesk signal``: the signalling server, an aiohttp WebSocket service anyone can deploy.

``GET /v1/ws`` upgrades to the relay's WebSocket (:mod:`jamdesk.protocol.signal`: text frames
are signalling messages, binary frames a relay session's sealed frames);
``GET /health`` answers ``{"ok": true, "rooms": N, "connections": N, ...}``. The rules live in
:class:`~jamdesk.signal_server.relay.Relay`; this module carries frames to it and its
answers back, counts connections per address (at most :data:`CONNECTIONS_PER_ADDRESS`),
expires idle rooms every second, and logs one JSON object per line on stderr.

Behind a reverse proxy or load balancer every connection comes from the proxy's address; with
``trusted_proxies`` (the proxy's addresses or networks) the per-address limit counts the
client's address from the ``X-Forwarded-For`` header the proxy sets instead, and connections
that do not come through the proxy are refused (aiohttp-remotes' ``XForwardedStrict``, one
hop; ``/health`` is exempt so the proxy can check it directly).

With ``redis_url`` the instance joins a cluster (:mod:`jamdesk.signal_server.cluster`): the
room registry is shared and joins are relayed between instances, so several can run behind
one load balancer. Without it the instance runs alone, in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import cast

from aiohttp import WSMsgType, web

if sys.platform != "win32":
    import resource
from aiohttp_remotes import XForwardedStrict

from jamdesk.protocol.signal import (
    LOBBY_FLUSH_MS,
    MAX_RELAY_FRAME_BYTES,
    Failure,
    encode_signal,
)
from jamdesk.signal_server import CLAIM_TTL_S
from jamdesk.signal_server.cluster import ClusterError, RedisCluster
from jamdesk.signal_server.relay import Forward, PeerMessage, PeerOffer, Relay, RelayOutcome
from jamdesk.signal_server.turn import IceConfig

log = logging.getLogger(__name__)

CONNECTIONS_PER_ADDRESS = 20
"""WebSockets per client address (counted after a trusted proxy's header)."""
SOCKETS_PER_ADDRESS = CONNECTIONS_PER_ADDRESS + 20
"""TCP connections per peer address, counted as they are accepted (before any HTTP), so
half-open sockets from one address cannot use up the server's file descriptors. Not
applied behind a trusted proxy, whose one address carries everyone: there the proxy must
limit connections per client (nginx ``limit_conn``, see docs/ARCHITECTURE.md)."""
HANDSHAKE_TIMEOUT_S = 10.0
"""A connection must send a whole HTTP request within this long (aiohttp's keep-alive
timeout, which also runs from the moment a connection opens), or it is closed."""
FD_RESERVE = 64
"""File descriptors kept free for Redis, logs and the WebSockets already open: past the
limit less this, new TCP connections are closed as they are accepted."""


class JsonLines(logging.Formatter):
    """Structured logs: one JSON object per record (time, level, logger, message)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "t": round(record.created, 3),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def raise_fd_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit (POSIX
    ``RLIMIT_NOFILE``; a desktop's default soft limit of 1,024 is what half-open sockets
    exhausted); returns the limit now in force (a large number where there is none)."""
    if sys.platform == "win32":  # no such limit
        return 1 << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d: %s", soft, exc)
    log.info("open-file limit %d", soft)
    return int(soft) if soft != resource.RLIM_INFINITY else 1 << 20


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one TCP connection, behind a count: a connection the server
    refuses (``accept`` says so) is closed before aiohttp sees it; otherwise every call
    goes to aiohttp's handler, and ``closed`` is told when it ends."""

    def __init__(
        self,
        server: web.Server,
        accept: Callable[[str], bool],
        closed: Callable[[str], None],
    ) -> None:
        self._server = server
        self._accept = accept
        self._closed = closed
        self._inner: asyncio.Protocol | None = None
        self._peer = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peername = transport.get_extra_info("peername")
        self._peer = str(peername[0]) if peername else "?"
        if not self._accept(self._peer):
            cast("asyncio.Transport", transport).abort()
            return
        self._inner = self._server()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._closed(self._peer)
            self._inner.connection_lost(exc)


class SignalServer:
    """The relay behind a WebSocket endpoint on ``host``:``port`` (0: any free port); with
    ``redis_url``, one instance of a cluster sharing that Redis server; ``ice`` the STUN/TURN
    servers handed to clients."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        *,
        per_address: int = CONNECTIONS_PER_ADDRESS,
        redis_url: str = "",
        trusted_proxies: Sequence[str] = (),
        claim_ttl_s: int = CLAIM_TTL_S,
        ice: IceConfig | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._claim_ttl_s = claim_ttl_s
        # One hop: the proxy. Raises ValueError for what is not an address or a network.
        self._proxy = (
            XForwardedStrict([list(trusted_proxies)], white_paths=["/health"])
            if trusted_proxies
            else None
        )
        self._max_per_address = per_address
        self._redis_url = redis_url
        self._cluster: RedisCluster | None = None
        self._peer_tasks: set[asyncio.Task[None]] = set()
        self.relay = Relay(clustered=bool(redis_url), ice=ice)
        # Lobby chat lines carry Unix ms; the relay's own clock is monotonic.
        self.relay.lobby.wall_offset_ms = time.time_ns() // 1_000_000 - _now_ms()
        self._sockets: dict[str, web.WebSocketResponse] = {}
        self._per_address: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._tcp: Counter[str] = Counter()  # open TCP connections per peer address
        self._max_sockets = 0
        self._ticker: asyncio.Task[None] | None = None
        self._lobby_flusher: asyncio.Task[None] | None = None
        self._closing = False
        self.refused_sockets = 0
        self.port = 0

    async def start(self) -> int:
        """Join the cluster (if any), then listen; returns the port. Raises ``OSError`` when
        the port cannot be had, :class:`~jamdesk.signal_server.cluster.ClusterError` when
        Redis cannot be reached."""
        if self._redis_url:
            self._cluster = RedisCluster(
                self._redis_url, self._peer_message, claim_ttl_s=self._claim_ttl_s
            )
            await self._cluster.start()
            self.relay.instance = self._cluster.instance
        app = web.Application()
        if self._proxy is not None:
            await self._proxy.setup(app)
        app.router.add_get("/v1/ws", self._ws)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, access_log=None, keepalive_timeout=HANDSHAKE_TIMEOUT_S)
        await self._runner.setup()
        fds = raise_fd_limit()
        self._max_sockets = max(FD_RESERVE, fds - FD_RESERVE)
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: _Guarded(server, self._accepted, self._sockets_closed),
            self._host,
            self._port,
            backlog=128,  # asyncio accepts up to this many per turn, each a descriptor
        )
        self.port = int(self._listener.sockets[0].getsockname()[1])
        self._ticker = asyncio.create_task(self._tick_loop(), name="jamdesk-signal-tick")
        self._lobby_flusher = asyncio.create_task(self._lobby_loop(), name="jamdesk-signal-lobby")
        log.info("listening on %s:%d", self._host, self.port)
        return self.port

    async def close(self) -> None:
        """Stop: close every connection. Relay sessions are not ended one by one: their
        sides see the server go (and so do not take a peer for gone)."""
        self._closing = True
        for task in (self._ticker, self._lobby_flusher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._listener is not None:
            self._listener.close()
        for ws in list(self._sockets.values()):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        for task in list(self._peer_tasks):
            task.cancel()
        if self._cluster is not None:
            await self._cluster.release(list(self.relay.rooms))
            await self._cluster.close()

    def _accepted(self, peer: str) -> bool:
        """Whether a TCP connection just accepted from ``peer`` may stay (see
        :data:`SOCKETS_PER_ADDRESS`, :data:`FD_RESERVE`); counted when it may."""
        if sum(self._tcp.values()) >= self._max_sockets or (
            self._proxy is None and self._tcp[peer] >= SOCKETS_PER_ADDRESS
        ):
            self.refused_sockets += 1
            if self.refused_sockets in (1, 100) or self.refused_sockets % 10_000 == 0:
                log.warning("closed %d connections at accept: too many", self.refused_sockets)
            return False
        self._tcp[peer] += 1
        return True

    def _sockets_closed(self, peer: str) -> None:
        self._tcp[peer] -= 1
        if self._tcp[peer] <= 0:
            del self._tcp[peer]

    async def _health(self, _request: web.Request) -> web.Response:
        """``{"ok", "rooms", "connections", "instance", "redis", "relay_sessions",
        "relayed_bytes", "tcp_connections", "refused_at_accept"}``; 503 with ``"ok": false``
        while an instance of a cluster cannot reach Redis, so a load balancer's health check
        sends new clients elsewhere."""
        cluster = self._cluster
        redis = await cluster.reachable() if cluster is not None else None
        return web.json_response(
            {
                "ok": redis is not False,
                "rooms": len(self.relay.rooms),
                "connections": len(self._sockets),
                "instance": cluster.instance if cluster is not None else "",
                "redis": redis,
                "relay_sessions": len(self.relay.sessions),
                "relayed_bytes": self.relay.sessions.relayed_bytes,
                "tcp_connections": sum(self._tcp.values()),
                "refused_at_accept": self.refused_sockets,
            },
            status=503 if redis is False else 200,
        )

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        address = request.remote or "?"
        if self._per_address[address] >= self._max_per_address:
            log.warning("refused a connection from %s: too many", address)
            return web.json_response({"error": "Too many connections from you."}, status=429)
        ws = web.WebSocketResponse(max_msg_size=MAX_RELAY_FRAME_BYTES, heartbeat=20)
        await ws.prepare(request)
        client = f"c{next(self._ids)}"
        self._sockets[client] = ws
        self._per_address[address] += 1
        self.relay.connected(client, address)
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._carry_out(self.relay.received(client, frame.data, _now_ms()))
                elif frame.type == WSMsgType.BINARY:
                    await self._carry_out(self.relay.relayed(client, frame.data, _now_ms()))
                elif frame.type == WSMsgType.ERROR:
                    break
            if ws.close_code == 1009:  # aiohttp closes over-large frames itself (RFC 6455)
                log.info("%s sent a frame over %d bytes", client, MAX_RELAY_FRAME_BYTES)
        finally:
            del self._sockets[client]
            self._per_address[address] -= 1
            gone = self.relay.gone(client)
            if not self._closing:
                await self._carry_out(gone)
        return ws

    async def _carry_out(self, out: RelayOutcome) -> None:
        for client, message in out.sends:
            ws = self._sockets.get(client)
            if ws is not None and not ws.closed:
                with contextlib.suppress(ConnectionError):
                    await ws.send_str(encode_signal(message))
            if isinstance(message, Failure):
                log.info("refused %s: %s", client, message.code)
        for clients, text in out.broadcasts:  # one lobby frame, encoded once, for many
            for client in clients:
                ws = self._sockets.get(client)
                if ws is not None and not ws.closed:
                    with contextlib.suppress(ConnectionError):
                        await ws.send_str(text)
        for client, data in out.frames:
            ws = self._sockets.get(client)
            if ws is not None and not ws.closed:
                with contextlib.suppress(ConnectionError):
                    await ws.send_bytes(data)
        for client in out.close:
            ws = self._sockets.get(client)
            if ws is not None:
                await ws.close()
        cluster = self._cluster
        if cluster is None:
            return
        if out.lobby_peer is not None:
            await cluster.publish_lobby(out.lobby_peer)
        if out.releases:
            await cluster.release(out.releases)
        for instance, peer in out.peers:
            if instance == cluster.instance:
                await self._carry_out(self.relay.peer_received(peer, _now_ms()))
            else:  # not received (0 or None): that joiner's instance is gone; nothing to do
                await cluster.publish(instance, peer)
        for client, code in out.claims:
            held = await cluster.claim(code)
            await self._carry_out(self.relay.claimed(client, code, held, _now_ms()))
        for forward in out.forwards:
            await self._forward(cluster, forward)

    async def _forward(self, cluster: RedisCluster, forward: Forward) -> None:
        """Pass a join to the instance that holds its room, or tell the joiner."""
        try:
            owner = await cluster.owner(forward.code)
        except ClusterError as exc:
            log.warning("could not route a join: %s", exc)
            await self._carry_out(self.relay.unrouted(forward.join_id, reachable=False))
            return
        if owner is None:
            await self._carry_out(self.relay.unrouted(forward.join_id))
            return
        offer = PeerOffer(
            join_id=forward.join_id,
            code=forward.code,
            sdp=forward.sdp,
            origin=cluster.instance,
            pake=forward.pake,
            tunnel=forward.tunnel,
            joiner=forward.joiner,
        )
        if owner == cluster.instance:  # claimed here a moment ago, or just given back
            await self._carry_out(self.relay.peer_received(offer, _now_ms()))
            return
        received = await cluster.publish(owner, offer)
        if not received:  # 0: the instance holding the code is gone (its claim will expire)
            await self._carry_out(self.relay.unrouted(forward.join_id, received is not None))

    def _peer_message(self, message: PeerMessage) -> None:
        task = asyncio.ensure_future(self._carry_out(self.relay.peer_received(message, _now_ms())))
        self._peer_tasks.add(task)
        task.add_done_callback(self._peer_tasks.discard)

    async def _lobby_loop(self) -> None:
        """Send the lobby's batched changes every ``LOBBY_FLUSH_MS``."""
        while True:
            await asyncio.sleep(LOBBY_FLUSH_MS / 1000)
            await self._carry_out(self.relay.lobby_flush(_now_ms()))

    async def _tick_loop(self) -> None:
        for second in itertools.count(1):
            await asyncio.sleep(1)
            await self._carry_out(self.relay.tick(_now_ms()))
            if self._cluster is not None and second % self._cluster.renew_every_s == 0:
                for code in await self._cluster.renew(list(self.relay.rooms)):
                    await self._carry_out(self.relay.lost(code))


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


async def serve(
    host: str,
    port: int,
    *,
    per_address: int = CONNECTIONS_PER_ADDRESS,
    redis_url: str = "",
    trusted_proxies: Sequence[str] = (),
    claim_ttl_s: int = CLAIM_TTL_S,
    ice: IceConfig | None = None,
) -> int:
    """Run until SIGINT/SIGTERM; prints ``{"event": "listening", "port": N}`` on stdout, or
    ``{"event": "error", "reason": ...}`` and returns 2 when it cannot start."""
    import signal  # noqa: PLC0415 - only the server process handles signals

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.getLogger().handlers = [handler]
    try:
        server = SignalServer(
            host,
            port,
            per_address=per_address,
            redis_url=redis_url,
            trusted_proxies=trusted_proxies,
            claim_ttl_s=claim_ttl_s,
            ice=ice,
        )
    except ValueError as exc:
        print(json.dumps({"event": "error", "reason": f"--trusted-proxy: {exc}"}), flush=True)
        return 2
    try:
        await server.start()
    except ClusterError as exc:
        print(json.dumps({"event": "error", "reason": str(exc)}), flush=True)
        await server.close()
        return 2
    except OSError as exc:
        print(json.dumps({"event": "error", "reason": f"Cannot listen there: {exc}"}), flush=True)
        await server.close()
        return 2
    print(json.dumps({"event": "listening", "host": host, "port": server.port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()
    return 0
