"""The wire: messages, codec, limits, version, clock-sync maths, the host's and the member's
sans-I/O engines, the PAKE and the relay tunnel. Pure, like ``core``."""
