"""Jamdesk: shared focus sessions ("jams") over peer-to-peer WebRTC data channels.

The package is layered as ``docs/ARCHITECTURE.md`` describes; imports point down only:
``ui`` -> ``app`` -> ``net`` / ``store`` / ``audio`` -> ``protocol`` -> ``core``.
"""

__version__ = "0.1.0"

APP_ID = "app.jamdesk.Jamdesk"
"""The app's reverse-DNS id: the ``.desktop`` file's name (so the task bar finds its icon),
the AppStream component and the macOS bundle identifier (``packaging/``)."""
