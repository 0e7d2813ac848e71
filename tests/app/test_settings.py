"""Parsing what a student types when hosting."""

import pytest

from jamdesk.app.settings import SettingsError, parse_duration_ms, parse_session_type, parse_timer
from jamdesk.core.kinds import SessionType, TimerMode


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("25m", 1_500_000),
        ("25", 1_500_000),
        ("1h30m", 5_400_000),
        ("90s", 90_000),
        (" 1h 5s ", 3_605_000),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "soon", "5x", "m"])
def test_bad_durations_say_how(text: str) -> None:
    with pytest.raises(SettingsError, match="like 25m"):
        parse_duration_ms(text)


def test_timers() -> None:
    assert parse_timer("stopwatch").mode is TimerMode.STOPWATCH
    assert parse_timer("countdown:45m").duration_ms == 2_700_000
    assert parse_timer("countdown").duration_ms == 1_500_000
    with pytest.raises(SettingsError, match="24 hours"):
        parse_timer("countdown:25h")
    with pytest.raises(SettingsError, match="countdown:25m, stopwatch or pomodoro"):
        parse_timer("hourglass")


def test_session_types_any_case_and_listed_when_wrong() -> None:
    assert parse_session_type("hiit") is SessionType.HIIT
    with pytest.raises(SettingsError, match="WEIGHTLIFTING"):
        parse_session_type("napping")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("", ""), ("  computer   science ", "Computer Science"), ("Astronomy", "Astronomy")],
)
def test_a_subject_is_tidied_and_matched_to_the_list(typed: str, kept: str) -> None:
    from jamdesk.app.settings import parse_discipline

    assert parse_discipline(typed) == kept


@pytest.mark.parametrize("typed", ["x" * 41, "Maths\x00"])
def test_a_bad_subject_is_refused_in_words(typed: str) -> None:
    from jamdesk.app.settings import SettingsError, parse_discipline

    with pytest.raises(SettingsError, match="plain text of at most 40 characters"):
        parse_discipline(typed)


def test_a_join_link_carries_the_server_and_the_code() -> None:
    from jamdesk.app.context import join_link, parse_link

    link = join_link("https://signal.example.org:8787", "ALGO7X")
    assert link == "jamdesk://join?signal=https%3A%2F%2Fsignal.example.org%3A8787&code=ALGO7X"
    assert parse_link(link) == ("https://signal.example.org:8787", "ALGO7X", "")
    private = join_link("http://127.0.0.1:8787", "SECR3T", room="R00MID")
    assert parse_link(private) == ("http://127.0.0.1:8787", "SECR3T", "R00MID")
    with pytest.raises(ValueError, match="not a Jamdesk join link"):
        parse_link("jamdesk://leave?code=ALGO7X")
