"""The deployable signalling server for internet jams (issue 8)."""
