"""The command line: options given before or after the subcommand mean the same."""

from __future__ import annotations

import pytest

from jamdesk.cli.parser import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-level", "DEBUG", "join", "ALGO7X"],
        ["join", "ALGO7X", "--log-level", "DEBUG"],
        ["--log-level", "INFO", "join", "ALGO7X", "--log-level", "DEBUG"],
    ],
)
def test_log_level_given_anywhere_wins(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).log_level == "DEBUG"


def test_the_defaults_hold_when_nothing_is_given() -> None:
    args = build_parser().parse_args(["join", "ALGO7X"])
    assert (args.log_level, args.name, args.data_dir, args.network) == ("WARNING", None, None, None)
    args = build_parser().parse_args(["--name", "Bo", "--data-dir", "/tmp/x", "stats"])
    assert (args.name, args.data_dir) == ("Bo", "/tmp/x")


@pytest.mark.parametrize("missing", ["redis", "aiohttp_remotes"])
def test_signal_without_the_server_extra_says_what_to_install(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's packages are the jamdesk[server] extra: without one, ``jamdesk signal``
    exits 2 naming it (an import of a module set to None in sys.modules fails, as a missing
    one does), and ``--claim-ttl`` still parses (its limits import no server package)."""
    import sys

    from jamdesk.cli.main import main

    for name in [
        m for m in sys.modules if m.startswith(("jamdesk.signal_server.", "jamdesk.cli.signalling"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.setitem(sys.modules, f"{missing}.asyncio", None)
    assert main(["signal", "--port", "0", "--claim-ttl", "10"]) == 2
    err = capsys.readouterr().err
    assert f"({missing} is missing)" in err
    assert "pip install 'jamdesk[server]'" in err
