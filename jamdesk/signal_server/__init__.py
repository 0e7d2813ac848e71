"""``jamdesk signal``, the deployable signalling server for internet jams: rooms and joins,
relay sessions, STUN/TURN servers for clients, and clustering through Redis.

The server's own packages (Redis for clustering, aiohttp-remotes for ``--trusted-proxy``) are
the ``jamdesk[server]`` extra: a student's install and the desktop bundle leave them out.
This module imports neither, so the command line can parse ``jamdesk signal``'s options and
say what to install.
"""

CLAIM_TTL_S = 30
"""A claim's lifetime in Redis unless renewed: how long a dead instance's codes stay taken.
Renewed every third of it (:attr:`~jamdesk.signal_server.cluster.RedisCluster.renew_every_s`)."""
MIN_CLAIM_TTL_S = 3
"""The shortest ``--claim-ttl`` accepted, in seconds."""

SERVER_PACKAGES = ("redis", "aiohttp_remotes")
"""The import names of the ``jamdesk[server]`` extra's packages (pyproject.toml)."""
SERVER_EXTRA_HINT = "pip install 'jamdesk[server]'"
"""What a student or an operator runs to add them."""
