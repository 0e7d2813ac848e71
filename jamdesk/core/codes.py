"""Join codes: short, human, and free of look-alike characters (docs/ARCHITECTURE.md, "Network").

A code is six characters from :data:`ALPHABET`: capital letters without ``I`` and the digits
2-9, so ``ALGO7X`` is a code and no two characters in one are easily confused. A student who
types a look-alike (``0`` for ``O``, ``1`` or ``I`` for ``L``) gets the code they meant.
Randomness is injected, keeping this module pure.
"""

from __future__ import annotations

from collections.abc import Callable

ALPHABET = "ABCDEFGHJKLMNOPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
_LOOKALIKES = str.maketrans({"0": "O", "1": "L", "I": "L"})


class BadCodeError(ValueError):
    """A string that is not a join code; the message says why in plain words."""


def new_code(randbelow: Callable[[int], int]) -> str:
    """A fresh code using ``randbelow(n) -> 0..n-1`` (pass ``secrets.randbelow``)."""
    return "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(CODE_LENGTH))


def normalize(text: str) -> str:
    """The canonical form of a typed code: upper case, spaces and dashes removed, look-alikes
    mapped (``0``->``O``, ``1``/``I``->``L``).

    Raises :class:`BadCodeError` when what remains is not six characters of the alphabet.
    """
    code = text.strip().upper().replace(" ", "").replace("-", "").translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH:
        raise BadCodeError(f"A join code has {CODE_LENGTH} letters or digits, like ALGO7X.")
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise BadCodeError(
            f"A join code has only letters and digits; '{bad[0]}' is not one of them."
        )
    return code
