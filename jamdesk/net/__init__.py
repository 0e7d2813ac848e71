"""Networking: aiortc data channels in a star, LAN signalling over HTTP, zeroconf discovery,
the signalling-URL client, and the relay fallback's two-path links (``paths``)."""
