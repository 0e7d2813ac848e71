"""``jamdesk``: parse the command line, set up logging, and run the command asked for; each
command's module loads only what it needs (Qt only when a window is wanted)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from jamdesk.cli.common import EXIT_USAGE, default_name
from jamdesk.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.network:
        os.environ["JAMDESK_NETWORK"] = args.network
    if args.command in ("history", "export", "import") or (
        args.command == "replay" and args.headless
    ):
        from jamdesk.cli.history import run_history_command  # noqa: PLC0415 - no window

        return run_history_command(args)
    if args.command == "stats":
        from jamdesk.cli.stats import run_stats  # noqa: PLC0415 - only the database is needed

        return run_stats(args)
    if args.command == "signal":
        return _run_signal(args)
    if args.command == "repair":
        from jamdesk.cli.stats import run_repair  # noqa: PLC0415 - only the database is needed

        return run_repair(args)
    if args.command == "rooms" or (args.command == "lobby" and args.headless):
        from jamdesk.cli.lobby import run_lobby_command  # noqa: PLC0415 - no window

        return run_lobby_command(args)
    if args.command in ("host", "join") and args.headless:
        from jamdesk.cli.headless import run_headless  # noqa: PLC0415 - headless never loads Qt

        return run_headless(args)
    from jamdesk.ui.main import run_gui  # noqa: PLC0415 - Qt only when a window is wanted

    return run_gui(args, default_name=default_name())


def _run_signal(args: argparse.Namespace) -> int:
    """``jamdesk signal``, or exit code 2 with what to install when the ``jamdesk[server]``
    extra is missing (a student's install and the desktop bundle leave it out)."""
    from jamdesk.signal_server import SERVER_EXTRA_HINT, SERVER_PACKAGES  # noqa: PLC0415

    try:
        from jamdesk.cli.signalling import run_signal  # noqa: PLC0415 - the server only
    except ImportError as error:
        package = (error.name or "").split(".")[0]
        if package not in SERVER_PACKAGES:
            raise
        print(
            f"jamdesk signal needs the signalling server's packages ({package} is missing)."
            f" Install them with: {SERVER_EXTRA_HINT}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_signal(args)
