"""A hosted room's LAN advert (docs/ARCHITECTURE.md, "Network": LAN), kept in step with the
room: a private room is announced without its code (and without its title, host and
discipline unless shown), the timer anchor on this computer's clock."""

from __future__ import annotations

import asyncio
import logging

import msgspec

from jamdesk.app.transport import Advertising
from jamdesk.core.room import RoomState
from jamdesk.net.discovery import RoomAd
from jamdesk.protocol.signal import Listing

log = logging.getLogger(__name__)


def room_ad(state: RoomState, *, port: int, offset_ms: int) -> RoomAd:
    """The room as the LAN sees it (``offset_ms``: room clock minus this computer's)."""
    host = state.participant(state.host_id)
    shown = not state.private or state.show_title
    anchor = state.timer
    if anchor.started_at_ms is not None:
        anchor = msgspec.structs.replace(anchor, started_at_ms=anchor.started_at_ms - offset_ms)
    return RoomAd(
        title=state.title if shown else "",
        session_type=state.session_type.value,
        host_name=host.name if host and shown else "",
        count=state.present_count,
        lifecycle=state.lifecycle.value,
        code=None if state.private else state.code,
        port=port,
        host_id=state.host_id,
        discipline=state.discipline if shown else "",
        lobby=state.lobby,
        timer=anchor,
    )


def room_listing(ad: RoomAd) -> Listing | None:
    """The room as the internet lobby lists it, from its LAN advert: ``None`` for a private
    room (its code is a password) and the LAN lobby room."""
    if ad.code is None or ad.lobby:
        return None
    return Listing(
        title=ad.title,
        session_type=ad.session_type,
        host_name=ad.host_name,
        count=ad.count,
        lifecycle=ad.lifecycle,
        discipline=ad.discipline,
        timer=ad.timer,
    )


class LanAdvert:
    """One advertiser, updated when the room's advert changes (one update at a time; the
    last change always goes out)."""

    def __init__(self, advertiser: Advertising) -> None:
        self._advertiser = advertiser
        self._advertised: RoomAd | None = None
        self._task: asyncio.Task[None] | None = None
        self._wanted: RoomAd | None = None
        self._closed = False

    async def start(self, ad: RoomAd, *, probe: bool) -> None:
        """Announce ``ad``. Raises :class:`~jamdesk.net.discovery.DiscoveryError` (the
        advertiser is closed then)."""
        self._advertised = ad
        try:
            await self._advertiser.start(ad, probe=probe)
        except BaseException:
            await self._advertiser.close()
            raise

    def show(self, ad: RoomAd) -> None:
        """Announce ``ad`` from now on (in the background, if it differs)."""
        self._wanted = ad
        if self._closed or ad == self._advertised or (self._task and not self._task.done()):
            return
        self._task = asyncio.create_task(self._update(), name="jamdesk-advert")

    async def _update(self) -> None:
        while not self._closed and self._wanted is not None and self._wanted != self._advertised:
            self._advertised = self._wanted
            try:
                await self._advertiser.update(self._advertised)
            except Exception:
                log.exception("updating the LAN advert failed")
                return

    async def close(self) -> None:
        """Withdraw the advert."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
        await self._advertiser.close()
