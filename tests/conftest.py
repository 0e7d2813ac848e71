"""Shared fixtures. Every test keeps its traffic on loopback (see tests/net/conftest.py)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["JAMDESK_NETWORK"] = "loopback"
