"""The wire: messages, codec, limits, version and clock-sync maths. Pure, like ``core``."""
