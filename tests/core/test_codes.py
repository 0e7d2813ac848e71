"""Join codes: human alphabet, look-alikes mapped, clear errors."""

import random

import pytest

from jamdesk.core.codes import ALPHABET, BadCodeError, new_code, normalize


def test_new_codes_use_only_the_alphabet() -> None:
    rng = random.Random(7)
    codes = {new_code(rng.randrange) for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01I") & set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("algo7x", "ALGO7X"), (" ALG-O7X ", "ALGO7X"), ("a1g07x", "ALGO7X"), ("aig07x", "ALGO7X")],
)
def test_typed_codes_normalize(typed: str, code: str) -> None:
    assert normalize(typed) == code


@pytest.mark.parametrize(("typed", "words"), [("ABC", "6 letters"), ("ABC!EF", "'!'")])
def test_bad_codes_say_why(typed: str, words: str) -> None:
    with pytest.raises(BadCodeError, match=words):
        normalize(typed)
