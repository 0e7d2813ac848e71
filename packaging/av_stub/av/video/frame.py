"""``av.video.frame`` stand-in."""

import enum

from av import VideoFrame

__all__ = ["PictureType", "VideoFrame"]


class PictureType(enum.IntEnum):
    """The picture types aiortc's H.264 encoder names."""

    NONE = 0
    I = 1  # noqa: E741 - PyAV's own name
    P = 2
    B = 3
