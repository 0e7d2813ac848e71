"""``jamdesk signal``: run the signalling server (:mod:`jamdesk.signal_server`) until SIGINT
or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys

from jamdesk.cli.common import EXIT_USAGE
from jamdesk.signal_server import CLAIM_TTL_S
from jamdesk.signal_server.server import serve
from jamdesk.signal_server.turn import IceConfig


def run_signal(args: argparse.Namespace) -> int:
    """Serve; returns the exit code (2: bad settings or it cannot start)."""
    if args.turn_secret and not any(s.urls.startswith("turn") for s in args.ice_server):
        print("jamdesk signal: --turn-secret needs a --ice-server turn:HOST:PORT", file=sys.stderr)
        return EXIT_USAGE
    ice = IceConfig(servers=tuple(args.ice_server), turn_secret=args.turn_secret)
    try:
        return asyncio.run(
            serve(
                args.host,
                args.port,
                per_address=args.max_per_address,
                redis_url=args.redis,
                trusted_proxies=args.trusted_proxy,
                claim_ttl_s=args.claim_ttl or CLAIM_TTL_S,
                ice=ice,
            )
        )
    except KeyboardInterrupt:
        return 0
