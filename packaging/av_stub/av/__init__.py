"""A stand-in for PyAV inside Jamdesk's bundle (``packaging/README.md``, "Size").

aiortc imports PyAV at module level for its audio and video codecs (``aiortc/__init__.py``
imports ``mediastreams``, ``rtcrtpsender`` and ``codecs``), but Jamdesk opens data channels
only, so no frame, packet or codec is ever made. The real PyAV is 104 MB with its FFmpeg
libraries; this package gives the names aiortc imports, and using any of them raises
:class:`MediaUnavailableError`. The bundle's smoke test hosts and joins a jam over a real
WebRTC data channel with it (``tests/packaging/test_bundle.py``).
"""

from av.frame import Frame, MediaUnavailableError
from av.packet import Packet

__all__ = [
    "AudioFrame",
    "AudioResampler",
    "CodecContext",
    "FFmpegError",
    "Frame",
    "MediaUnavailableError",
    "Packet",
    "VideoFrame",
]
__version__ = "0+jamdesk.stub"


class FFmpegError(Exception):
    """Never raised: aiortc names it in ``except`` clauses of its codecs."""


class _Unavailable:
    """Any attempt to make one raises :class:`MediaUnavailableError`."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        raise MediaUnavailableError(type(self).__name__)

    @classmethod
    def create(cls, *_args: object, **_kwargs: object) -> "_Unavailable":
        """``CodecContext.create(...)``: unavailable too."""
        raise MediaUnavailableError(cls.__name__)


class AudioFrame(_Unavailable):
    """Unavailable: an audio frame."""


class VideoFrame(_Unavailable):
    """Unavailable: a video frame."""


class AudioResampler(_Unavailable):
    """Unavailable: an audio resampler."""


class CodecContext(_Unavailable):
    """Unavailable: a codec."""
