"""``av.audio.frame`` stand-in."""

from av import AudioFrame

__all__ = ["AudioFrame"]
