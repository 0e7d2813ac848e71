"""Several ``jamdesk signal`` instances behind one load balancer, sharing a Redis server.

The shared room registry is one Redis key per room, ``jamdesk:room:<code>``, whose value is the
id of the instance that holds the room. An instance claims a code with ``SET NX EX`` (so two
hosts on two instances cannot both get it: Redis runs commands one at a time), keeps its
claims alive every third of their lifetime, and gives them back when the room goes; the keys
expire :data:`CLAIM_TTL_S` seconds (``--claim-ttl``) after an instance dies, so its codes are
free again.

Each instance subscribes to its own channel, ``jamdesk:instance:<id>``. A joiner's offer for
a room held elsewhere is published there as a :class:`~jamdesk.signal_server.relay.PeerOffer`;
the host's answer comes back on the joiner's instance's channel. ``PUBLISH`` returns how many
subscribers received the message (Redis documentation, PUBLISH): 0 means the instance named
in the registry is gone, and the joiner is told at once instead of waiting.

The rules stay in :class:`~jamdesk.signal_server.relay.Relay`; this module does Redis I/O only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from jamdesk.protocol.signal import SignalError
from jamdesk.signal_server import CLAIM_TTL_S, MIN_CLAIM_TTL_S
from jamdesk.signal_server.lobby import PeerLobby
from jamdesk.signal_server.relay import PeerMessage, decode_peer, encode_peer

log = logging.getLogger(__name__)

REDIS_CONNECTIONS = 32
"""Connections one instance opens to Redis at most (one of them for its subscription)."""

_PREFIX = "jamdesk:"
LOBBY_CHANNEL = f"{_PREFIX}lobby"
"""The channel every instance hears: lobby changes
(:class:`~jamdesk.signal_server.lobby.PeerLobby`)."""

# Delete or renew a key only while it still names this instance (a claim that expired and was
# taken by another instance must not be touched). Redis runs a script atomically (EVAL).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_RENEW = """
local held = redis.call('get', KEYS[1])
if held == ARGV[1] or not held then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""


# Take over a key only while it still names the instance found dead (atomically: EVAL).
_TAKE_OVER = """
if redis.call('get', KEYS[1]) == ARGV[2] then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


class ClusterError(ConnectionError):
    """Redis cannot be reached (at start: the server does not start); the text says where."""


class RedisCluster:
    """This instance's part in a cluster: its ``instance`` id, claims in the shared registry
    and its pub/sub channel. ``on_message`` is called with each readable
    :data:`~jamdesk.signal_server.relay.PeerMessage` that another instance sends here (bad
    ones are logged and dropped)."""

    def __init__(
        self,
        url: str,
        on_message: Callable[[PeerMessage], None],
        claim_ttl_s: int = CLAIM_TTL_S,
    ) -> None:
        if claim_ttl_s < MIN_CLAIM_TTL_S:
            raise ValueError(f"a claim lasts at least {MIN_CLAIM_TTL_S} s")
        self.url = url
        self.claim_ttl_s = claim_ttl_s
        self.renew_every_s = claim_ttl_s // 3
        self.instance = secrets.token_hex(6)
        self._on_message = on_message
        # A bounded pool that makes commands wait for a free connection (up to 5 s) rather
        # than fail, as the default pool does past its size (redis-py, BlockingConnectionPool);
        # a command on a connection that Redis closed (it restarted) is tried again on a new
        # one: redis-py's asyncio connections do not retry unless given a Retry.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=REDIS_CONNECTIONS,
            timeout=5,
            socket_connect_timeout=5,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
        )
        self._redis: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._listener: asyncio.Task[None] | None = None
        self.subscribed = False  # whether this instance hears its channel now

    @property
    def channel(self) -> str:
        """This instance's channel."""
        return _channel(self.instance)

    async def start(self) -> None:
        """Connect and subscribe. Raises :class:`ClusterError` when Redis is unreachable."""
        try:
            await self._redis.ping()
            await self._pubsub.subscribe(self.channel, LOBBY_CHANNEL)
        except (RedisError, OSError) as exc:
            raise ClusterError(f"Cannot reach Redis at {self.url}: {exc}") from exc
        self.subscribed = True
        self._listener = asyncio.create_task(self._listen(), name="jamdesk-signal-pubsub")
        log.info("instance %s joined the cluster at %s", self.instance, self.url)

    async def close(self) -> None:
        """Stop listening and disconnect (claims are given back by the relay beforehand)."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.reset()  # aclose() is untyped; reset() is its typed alias
        with contextlib.suppress(RedisError, OSError):
            await self._redis.aclose()

    async def reachable(self) -> bool:
        """Whether this instance hears its channel and Redis answers a PING within 2 s."""
        try:
            return self.subscribed and bool(await asyncio.wait_for(self._redis.ping(), 2))
        except (RedisError, OSError, TimeoutError):
            return False

    async def claim(self, code: str) -> bool | None:
        """Claim ``code`` for this instance: ``True`` held here now (or already), ``False``
        held by another live instance, ``None`` when Redis cannot be reached.

        A code held by an instance that no longer listens on its channel (``PUBSUB
        NUMSUB`` counts 0 subscribers: it crashed) is taken over at once instead of after
        its claim expires, so a host whose instance died registers again within seconds
        (its members, relayed or not, then find it)."""
        key = _room_key(code)
        try:
            if await self._redis.set(key, self.instance, nx=True, ex=self.claim_ttl_s):
                return True
            owner = await self._redis.get(key)
            if owner is None or owner == self.instance:
                return bool(owner == self.instance)
            ((_, listeners),) = await self._redis.pubsub_numsub(_channel(str(owner)))
            if listeners:
                return False
            taken = await self._redis.eval(
                _TAKE_OVER, 1, key, self.instance, str(owner), str(self.claim_ttl_s)
            )
        except (RedisError, OSError) as exc:
            log.warning("could not claim %s in Redis: %s", code, exc)
            return None
        if taken == 1:
            log.info("took over %s from instance %s, which is gone", code, owner)
        return bool(taken == 1)

    async def owner(self, code: str) -> str | None:
        """The instance that holds ``code``, or None. Raises :class:`ClusterError`."""
        try:
            owner = await self._redis.get(_room_key(code))
        except (RedisError, OSError) as exc:
            raise ClusterError(f"Cannot reach Redis at {self.url}: {exc}") from exc
        return None if owner is None else str(owner)

    async def release(self, codes: Iterable[str]) -> None:
        """Give back claims (only those still naming this instance), in one round trip."""
        codes = list(codes)
        try:
            await self._for_each(_RELEASE, codes)
        except (RedisError, OSError) as exc:  # they expire on their own
            log.warning("could not release %s in Redis: %s", ", ".join(codes), exc)

    async def renew(self, codes: Iterable[str]) -> list[str]:
        """Renew the claims on ``codes``, in one round trip; returns those another instance
        holds now (lost while Redis was unreachable and the claim expired). Unreachable
        Redis: none lost."""
        codes = list(codes)
        try:
            held = await self._for_each(_RENEW, codes, str(self.claim_ttl_s))
        except (RedisError, OSError) as exc:
            log.warning("could not renew %d claims in Redis: %s", len(codes), exc)
            return []
        return [code for code, result in zip(codes, held, strict=True) if result != 1]

    async def _for_each(self, script: str, codes: list[str], *args: str) -> list[object]:
        """Run ``script`` on each code's key with (instance, ``args``), pipelined: one round
        trip, not one per room (an instance renews all its rooms every few seconds)."""
        if not codes:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.eval(script, 1, _room_key(code), self.instance, *args)
            return list(await pipe.execute())

    async def publish(self, instance: str, message: PeerMessage) -> int | None:
        """Send ``message`` to ``instance``; returns how many received it (0: that instance
        is gone), None when Redis cannot be reached."""
        try:
            return await self._redis.publish(_channel(instance), encode_peer(message))
        except (RedisError, OSError) as exc:
            log.warning("could not publish to instance %s: %s", instance, exc)
            return None

    async def publish_lobby(self, message: PeerLobby) -> None:
        """Tell every instance (this one too, which ignores its own) of this one's lobby
        changes, on the shared lobby channel. Unreachable Redis: logged; the periodic
        announcement mends it."""
        try:
            await self._redis.publish(LOBBY_CHANNEL, encode_peer(message))
        except (RedisError, OSError) as exc:
            log.warning("could not publish the lobby: %s", exc)

    async def _listen(self) -> None:
        while True:
            try:
                async for item in self._pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    try:
                        message = decode_peer(item["data"])
                    except SignalError as exc:
                        log.warning("an unreadable message between instances: %s", exc)
                        continue
                    self._on_message(message)
            except (RedisError, OSError) as exc:
                if self.subscribed:
                    log.warning("lost the Redis subscription (%s); subscribing again", exc)
                self.subscribed = False
                await asyncio.sleep(1)
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.subscribe(self.channel, LOBBY_CHANNEL)
                    self.subscribed = True
                    log.info("subscribed again to %s", self.channel)


def _room_key(code: str) -> str:
    return f"{_PREFIX}room:{code}"


def _channel(instance: str) -> str:
    return f"{_PREFIX}instance:{instance}"
