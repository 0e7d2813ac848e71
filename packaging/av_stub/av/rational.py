"""``av.rational`` stand-in (named in aiortc's type hints)."""

from fractions import Fraction as AVRational

__all__ = ["AVRational"]
