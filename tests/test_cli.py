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
