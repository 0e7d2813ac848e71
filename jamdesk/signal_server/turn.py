"""The STUN/TURN servers a signalling server hands its clients (``jamdesk signal
--ice-server URL --turn-secret SECRET``), so that a student types only the signalling URL.

With a shared secret, every client gets its own short-lived TURN credentials in the form of
the "TURN REST API" (draft-uberti-behave-turn-rest-00), which coturn checks with
``use-auth-secret`` and ``static-auth-secret=SECRET`` (coturn's README.turnserver): the
username is ``<expiry unix time>:<id>``, the password the base64 of HMAC-SHA1(secret,
username). Nothing is stored; coturn refuses the credentials once the expiry has passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from jamdesk.protocol.signal import IceServer, parse_ice_server

TURN_TTL_S = 24 * 60 * 60
"""How long handed-out TURN credentials last (a long jam, then a reconnect renews them)."""


def turn_credentials(
    secret: str, user: str, now_s: int, ttl_s: int = TURN_TTL_S
) -> tuple[str, str]:
    """``(username, password)`` for TURN REST API credentials valid until ``now_s + ttl_s``
    (unix seconds)."""
    username = f"{now_s + ttl_s}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def parse_server(text: str) -> IceServer:
    """``stun:host[:port]`` or ``turn[s]:[user:password@]host[:port][?transport=...]`` to an
    :class:`~jamdesk.protocol.signal.IceServer`. Raises ``ValueError`` in words."""
    if text.strip().partition(":")[2].startswith("/"):  # a web URL is no ICE server
        raise ValueError(f"'{text}' is not a STUN or TURN server (stun:host:3478, turn:...).")
    return parse_ice_server(text)


@dataclass(frozen=True)
class IceConfig:
    """What ``--ice-server`` and ``--turn-secret`` said. TURN servers given without
    credentials get fresh REST API credentials for each client when ``turn_secret`` is set;
    ``clock`` gives unix seconds."""

    servers: tuple[IceServer, ...] = ()
    turn_secret: str = ""
    ttl_s: int = TURN_TTL_S
    clock: Callable[[], float] = time.time

    def for_client(self, user: str) -> tuple[IceServer, ...]:
        """The servers to hand to one client (``user`` goes into its TURN username)."""
        if not self.turn_secret:
            return self.servers
        now_s = int(self.clock())
        handed: list[IceServer] = []
        for server in self.servers:
            if server.urls.startswith("turn") and not server.username:
                username, password = turn_credentials(self.turn_secret, user, now_s, self.ttl_s)
                handed.append(IceServer(server.urls, username=username, credential=password))
            else:
                handed.append(server)
        return tuple(handed)
