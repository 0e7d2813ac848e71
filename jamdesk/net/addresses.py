"""Which local addresses Jamdesk offers as ICE host candidates and advertises over mDNS.

aioice's ``get_host_addresses()`` leaves out 127.0.0.1 and ::1 on purpose, so a computer whose
only network is loopback gathers no candidate and a connection silently never opens (design
page, "Stack notes"). :func:`install` replaces that function inside ``aioice.ice`` (looked up
there at gathering time) with one that follows a :class:`NetworkMode`:

``auto``
    aioice's own list (every non-loopback address), or 127.0.0.1 when that list is empty.
``loopback``
    127.0.0.1 only: two instances on one computer, and tests that must keep every packet on
    this machine. Chosen with ``JAMDESK_NETWORK=loopback``.
"""

from __future__ import annotations

import os
from enum import StrEnum

import aioice.ice

ENV_VAR = "JAMDESK_NETWORK"
LOOPBACK = "127.0.0.1"
_aioice_addresses = aioice.ice.get_host_addresses


class NetworkMode(StrEnum):
    """Address policy; see the module docstring."""

    AUTO = "auto"
    LOOPBACK = "loopback"


def mode_from_env() -> NetworkMode:
    """The mode named by ``$JAMDESK_NETWORK`` (default ``auto``).

    Raises ``ValueError`` naming the accepted values when it holds anything else.
    """
    value = os.environ.get(ENV_VAR, NetworkMode.AUTO.value).strip().lower()
    try:
        return NetworkMode(value)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be 'auto' or 'loopback', not {value!r}") from None


def host_addresses(mode: NetworkMode, use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
    """The addresses to gather host candidates on (and to advertise) under ``mode``."""
    if mode is NetworkMode.LOOPBACK:
        return [LOOPBACK] if use_ipv4 else []
    found: list[str] = list(_aioice_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6))
    return found or ([LOOPBACK] if use_ipv4 else [])


def install(mode: NetworkMode) -> None:
    """Make aioice gather candidates on :func:`host_addresses` for ``mode``. Idempotent; the
    last call wins (one policy per process)."""

    def policy(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return host_addresses(mode, use_ipv4=use_ipv4, use_ipv6=use_ipv6)

    aioice.ice.get_host_addresses = policy
