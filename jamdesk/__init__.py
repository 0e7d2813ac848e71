"""Jamdesk: shared focus sessions ("jams") over peer-to-peer WebRTC data channels.

The package is layered as ``docs/ARCHITECTURE.md`` describes; imports point down only:
``ui`` -> ``app`` -> ``net`` / ``store`` / ``audio`` -> ``protocol`` -> ``core``.
"""

__version__ = "0.1.0"
