"""A real freedesktop notification service for the tests, on a private D-Bus bus.

``python -m tests.ui.notification_daemon ADDRESS`` owns ``org.freedesktop.Notifications``
on the bus at ``ADDRESS`` (started by the test with ``dbus-daemon --session``), prints
``ready`` once it does, then one JSON line per ``Notify`` call it is sent:
``{"app": ..., "replaces": ..., "summary": ..., "body": ..., "timeout": ...}``. It answers
with a notification id as the Desktop Notifications Specification says (1, 2, ...).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from dbus_fast import BusType  # noqa: F401 - documents the library used
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method


class Notifications(ServiceInterface):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.count = 0

    @method()  # type: ignore[misc]
    def Notify(  # noqa: N802 - the specification's name and arguments
        self,
        app_name: "s",  # noqa: F821, UP037
        replaces_id: "u",  # noqa: F821, UP037
        app_icon: "s",  # noqa: F821, UP037
        summary: "s",  # noqa: F821, UP037
        body: "s",  # noqa: F821, UP037
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",  # noqa: F821, UP037
    ) -> "u":  # noqa: F821, UP037
        self.count += 1
        line = {
            "app": app_name,
            "replaces": replaces_id,
            "icon": app_icon,
            "summary": summary,
            "body": body,
            "timeout": expire_timeout,
        }
        print(json.dumps(line), flush=True)
        return self.count

    @method()  # type: ignore[misc]
    def GetCapabilities(self) -> "as":  # noqa: N802
        return ["body"]

    @method()  # type: ignore[misc]
    def GetServerInformation(self) -> "ssss":  # noqa: F821, UP037, N802
        return ["jamdesk-tests", "Jamdesk", "1", "1.2"]


async def main(address: str) -> None:
    bus = await MessageBus(bus_address=address).connect()
    bus.export("/org/freedesktop/Notifications", Notifications())
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    args: list[Any] = sys.argv[1:]
    asyncio.run(main(args[0]))
