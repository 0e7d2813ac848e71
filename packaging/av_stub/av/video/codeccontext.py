"""``av.video.codeccontext`` stand-in."""

from av import CodecContext


class VideoCodecContext(CodecContext):
    """Unavailable: a video codec."""
