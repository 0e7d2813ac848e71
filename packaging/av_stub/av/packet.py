"""``av.packet`` stand-in."""

from av.frame import MediaUnavailableError


class Packet:
    """Unavailable: an encoded packet."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        raise MediaUnavailableError("Packet")
