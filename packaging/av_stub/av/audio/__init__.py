"""``av.audio`` stand-in."""
