"""``av.video`` stand-in."""
