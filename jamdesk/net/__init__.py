"""Networking: aiortc links in a star, LAN signalling over HTTP, zeroconf discovery."""
