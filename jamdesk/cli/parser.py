"""The ``jamdesk`` command line's options (argparse): the GUI, ``host`` and ``join``
(``--headless`` for scripts), ``rooms``, ``lobby``, ``signal``, ``history``, ``replay``,
``export``, ``import`` and ``stats``."""

from __future__ import annotations

import argparse

from jamdesk import __version__
from jamdesk.core.kinds import SessionType


def _jam_options(jam_parser: argparse.ArgumentParser) -> None:
    """Options of both ``host`` and ``join``: sound, and how peers reach each other."""
    jam_parser.add_argument(
        "--music-folder",
        action="append",
        default=[],
        metavar="DIR",
        help="also play the music in this folder (repeatable); bundled tracks are always there",
    )
    jam_parser.add_argument("--no-sound", action="store_true", help="play nothing on this computer")
    jam_parser.add_argument(
        "--signal",
        default="",
        metavar="URL",
        help="a signalling server (jamdesk signal) for joining over the internet",
    )
    jam_parser.add_argument(
        "--ice-server",
        action="append",
        default=[],
        metavar="URL",
        help="a STUN or TURN server, stun:host:3478 or turn:user:password@host:3478 "
        "(repeatable; none on a LAN)",
    )


def _common_options(*, in_subcommand: bool) -> argparse.ArgumentParser:
    """The options every command takes. A subcommand's copies have no defaults of their own
    (``SUPPRESS``): the defaults live on the top-level parser, so ``jamdesk --log-level
    DEBUG join ...`` and ``jamdesk join ... --log-level DEBUG`` both log at DEBUG."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if in_subcommand else value

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default(None),
        help="keep Jamdesk's data here (default: your user data folder; or set JAMDESK_DATA_DIR)",
    )
    common.add_argument("--name", default=default(None), help="your display name in rooms")
    common.add_argument(
        "--log-level",
        default=default("WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log on stderr",
    )
    common.add_argument("--clock-skew-ms", type=int, default=default(0), help=argparse.SUPPRESS)
    common.add_argument(
        "--network",
        choices=["auto", "loopback"],
        default=default(None),
        help="'loopback' keeps every packet on this computer (or set JAMDESK_NETWORK)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public so the README's usage can be checked against it)."""
    common, top = _common_options(in_subcommand=True), _common_options(in_subcommand=False)
    parser = argparse.ArgumentParser(
        prog="jamdesk", parents=[top], description="Shared focus sessions with your study group."
    )
    parser.add_argument("--version", action="version", version=f"jamdesk {__version__}")
    sub = parser.add_subparsers(dest="command")

    host = sub.add_parser("host", parents=[common], help="host a jam")
    host.add_argument(
        "--headless", action="store_true", help="no window: JSON lines on stdout, commands on stdin"
    )
    host.add_argument("--title", default="Focus jam", help="the room's title")
    host.add_argument(
        "--type",
        default="FOCUS",
        metavar="TYPE",
        help="session type: " + ", ".join(t.value for t in SessionType),
    )
    host.add_argument(
        "--timer",
        default=None,
        help="countdown:25m, stopwatch, pomodoro or pomodoro:25/5/15x4 (default: the type's own)",
    )
    host.add_argument(
        "--bind",
        default="0.0.0.0",
        metavar="ADDRESS",
        help="address the join endpoint listens on (default: all)",
    )
    host.add_argument(
        "--fanout-window-ms",
        type=int,
        default=None,
        metavar="MS",
        help="send each member at most one batch of events per MS ms (default 25; 0 sends "
        "every event at once; for benchmarks)",
    )
    host.add_argument(
        "--no-advertise",
        action="store_true",
        help="do not announce the room on the LAN (join with --address)",
    )
    host.add_argument(
        "--discipline",
        default="",
        metavar="SUBJECT",
        help="the subject, e.g. Mathematics (shown in the lobby)",
    )
    host.add_argument(
        "--private",
        action="store_true",
        help="a private room: its code is a password, never shown in the lobby",
    )
    host.add_argument(
        "--show-title",
        action="store_true",
        help="with --private: still show the title, host and subject in the lobby",
    )

    join = sub.add_parser("join", parents=[common], help="join a jam by its code")
    for jam_parser in (host, join):
        _jam_options(jam_parser)
    join.add_argument("code", help="the jam's code, like ALGO7X, or a jamdesk://join link")
    join.add_argument(
        "--room", default="", metavar="ID", help="with --signal: a private jam's room id"
    )
    join.add_argument(
        "--headless", action="store_true", help="no window: JSON lines on stdout, commands on stdin"
    )
    join.add_argument(
        "--address", metavar="HOST:PORT", help="the host's address, skipping LAN discovery"
    )
    rooms = sub.add_parser("rooms", parents=[common], help="list the jams on your network")
    rooms.add_argument("--json", action="store_true", help="a JSON list instead of text")
    rooms.add_argument(
        "--wait",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how long to listen for rooms (default 2)",
    )
    lobby = sub.add_parser("lobby", parents=[common], help="the lobby: rooms nearby and chat")
    for listing in (rooms, lobby):
        listing.add_argument(
            "--signal",
            default="",
            metavar="URL",
            help="also list the public rooms of this signalling server's internet lobby",
        )
    lobby.add_argument(
        "--headless", action="store_true", help="no window: JSON lines on stdout, commands on stdin"
    )
    lobby.add_argument(
        "--bind",
        default="0.0.0.0",
        metavar="ADDRESS",
        help="address to listen on if this computer hosts the lobby chat (default: all)",
    )
    _add_signal_parser(sub, common)
    history = sub.add_parser("history", parents=[common], help="your past jams")
    history.add_argument("--json", action="store_true", help="a JSON list instead of text")
    replay = sub.add_parser("replay", parents=[common], help="replay a past jam (Ghost Replay)")
    replay.add_argument("session", type=int, help="the jam's number (see jamdesk history)")
    replay.add_argument(
        "--participant",
        action="append",
        metavar="NAME",
        help="whose actions to replay (repeatable; default: everyone)",
    )
    replay.add_argument(
        "--speed", type=float, default=1.0, choices=[1.0, 2.0, 4.0], help="1, 2 or 4 times as fast"
    )
    replay.add_argument(
        "--headless", action="store_true", help="print the replayed moments as JSON lines"
    )
    export = sub.add_parser("export", parents=[common], help="save a jam as a replay file")
    export.add_argument("session", type=int, help="the jam's number")
    export.add_argument("file", help="where to write it")
    imported = sub.add_parser("import", parents=[common], help="add a friend's replay file")
    imported.add_argument("file", help="the replay file")
    stats = sub.add_parser("stats", parents=[common], help="your level, EXP, focus and streaks")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of text")
    sub.add_parser(
        "repair",
        parents=[common],
        help="keep a damaged history file aside (never deleted) and start an empty one",
    )
    return parser


def _claim_ttl(text: str) -> int:
    """``--claim-ttl``: whole seconds, at least ``MIN_CLAIM_TTL_S`` (claims are renewed every
    third of it)."""
    from jamdesk.signal_server import MIN_CLAIM_TTL_S  # noqa: PLC0415 - server only

    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if seconds < MIN_CLAIM_TTL_S:
        raise argparse.ArgumentTypeError(f"a claim lasts at least {MIN_CLAIM_TTL_S} seconds")
    return seconds


def _add_signal_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``jamdesk signal``: the signalling server's options."""
    signal = sub.add_parser(
        "signal", parents=[common], help="run a signalling server for internet jams"
    )
    signal.add_argument("--host", default="127.0.0.1", help="address to listen on")
    signal.add_argument("--port", type=int, default=8787, help="port (0: any free one)")
    signal.add_argument(
        "--max-per-address",
        type=int,
        default=20,
        metavar="N",
        help="connections one address may hold (default 20; raise it behind a proxy)",
    )
    signal.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="share rooms with other instances through this Redis server "
        "(redis://host:6379/0), to run several behind a load balancer",
    )
    signal.add_argument(
        "--claim-ttl",
        type=_claim_ttl,
        default=None,
        metavar="SECONDS",
        help="with --redis: how long a crashed instance's rooms stay taken (default 30; >= 3)",
    )
    signal.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="the reverse proxy's address or network (repeatable): limits then count the "
        "client address it puts in X-Forwarded-For, and connections must come through it",
    )
    signal.add_argument(
        "--ice-server",
        action="append",
        default=[],
        type=_ice_server,
        metavar="URL",
        help="a STUN or TURN server to hand every client (repeatable): stun:HOST:3478, "
        "turn:HOST:3478, or turn:USER:PASSWORD@HOST:3478",
    )
    signal.add_argument(
        "--turn-secret",
        default="",
        metavar="SECRET",
        help="coturn's static-auth-secret: each client gets short-lived TURN credentials "
        "for the --ice-server turn: URLs given without a user (coturn use-auth-secret)",
    )


def _ice_server(text: str) -> object:
    """``--ice-server`` of ``jamdesk signal``, checked as it is parsed."""
    from jamdesk.signal_server.turn import parse_server  # noqa: PLC0415 - server only

    try:
        return parse_server(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
