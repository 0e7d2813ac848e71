"""``av.frame`` stand-in: the base class aiortc's codec signatures name."""


class MediaUnavailableError(RuntimeError):
    """Raised on any use of PyAV in the bundle: it carries no audio or video codecs."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: Jamdesk's bundle has no audio or video codecs (data only)")


class Frame:
    """Unavailable: a media frame."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        raise MediaUnavailableError("Frame")
