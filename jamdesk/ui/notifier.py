"""Desktop notifications: the freedesktop Notifications service over D-Bus where the desktop
has one (Linux), else the tray icon's balloon, else nothing (logged).

The D-Bus call is ``org.freedesktop.Notifications.Notify(susssasa{sv}i) -> u`` of the
Desktop Notifications Specification 1.2, sent with dbus-fast on the asyncio loop (PySide6's
QtDBus cannot marshal the ``u`` and ``as`` arguments), so the UI never waits on the desktop.
Each alert replaces the previous one (its id is kept): a student back from a long walk sees
one notification, not a pile. A desktop with no such service, or no session bus, falls
back to the tray once and stays there.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
EXPIRE_MS = 8_000
"""How long a notification stays up, when the desktop lets the sender choose."""
CALL_TIMEOUT_S = 3.0
"""A desktop that does not answer in this time is given up on (the tray is used)."""


class Via(StrEnum):
    """How a notification reached the desktop."""

    DBUS = "dbus"
    TRAY = "tray"
    NONE = "none"


class Notifier(QObject):
    """Sends alerts to the desktop. :attr:`sent` carries ``(title, body, via)`` for each,
    once it has been handed over.

    Args:
        tray: the tray icon to fall back on (``None``: no tray on this desktop).
        bus_address: the D-Bus bus to use (``None``: the session bus of
            ``$DBUS_SESSION_BUS_ADDRESS``; tests give a private bus with its own service).
        use_dbus: ``False`` skips D-Bus (not Linux, or turned off).
    """

    sent = Signal(str, str, str)

    def __init__(
        self,
        tray: QSystemTrayIcon | None = None,
        *,
        bus_address: str | None = None,
        use_dbus: bool = sys.platform.startswith("linux"),
    ) -> None:
        super().__init__()
        self._tray = tray
        self._address = bus_address
        self._use_dbus = use_dbus
        self._bus: Any = None
        self._replaces = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        """The tray icon to fall back on from now on."""
        self._tray = tray

    def notify(self, title: str, body: str) -> None:
        """Show ``title`` and ``body`` on the desktop (in the background; never raises)."""
        task = asyncio.ensure_future(self._send(title, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, title: str, body: str) -> None:
        via = Via.NONE
        if self._use_dbus and await self._dbus_notify(title, body):
            via = Via.DBUS
        elif self._tray is not None and self._tray.isVisible() and self._tray.supportsMessages():
            self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, EXPIRE_MS)
            via = Via.TRAY
        log.info("notification via %s: %s: %s", via.value, title, body)
        self.sent.emit(title, body, via.value)

    async def _connect(self) -> Any:
        from dbus_fast.aio import MessageBus  # noqa: PLC0415 - Linux only, on first alert

        bus = MessageBus(bus_address=self._address) if self._address else MessageBus()
        return await bus.connect()

    async def _dbus_notify(self, title: str, body: str) -> bool:
        try:
            from dbus_fast import Message, MessageType  # noqa: PLC0415
        except ImportError:
            self._use_dbus = False
            return False
        try:
            if self._bus is None:
                self._bus = await asyncio.wait_for(self._connect(), CALL_TIMEOUT_S)
            call = Message(
                destination=SERVICE,
                path=PATH,
                interface=SERVICE,
                member="Notify",
                signature="susssasa{sv}i",
                body=["Jamdesk", self._replaces, "jamdesk", title, body, [], {}, EXPIRE_MS],
            )
            reply = await asyncio.wait_for(self._bus.call(call), CALL_TIMEOUT_S)
        except Exception as exc:
            return self._give_up(f"no desktop notification service ({exc})")
        if reply is None or reply.message_type is not MessageType.METHOD_RETURN:
            error = getattr(reply, "error_name", None)
            return self._give_up(f"the desktop refused the notification ({error})")
        if reply.body and isinstance(reply.body[0], int):
            self._replaces = reply.body[0]
        return True

    def _give_up(self, why: str) -> bool:
        """D-Bus does not work here: say why once, and use the tray from now on."""
        log.info("%s; using the tray", why)
        self._use_dbus = False
        self._close_bus()
        return False

    def _close_bus(self) -> None:
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None

    def close(self) -> None:
        """Let go of the bus."""
        self._close_bus()
