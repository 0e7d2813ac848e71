"""A real freedesktop notification service for the tests, on a private D-Bus bus.

``python -m tests.ui.notification_daemon ADDRESS`` owns ``org.freedesktop.Notifications``
on the bus at ``ADDRESS`` (started by the test with ``dbus-daemon --session``), prints
``ready`` once it does, then one JSON line per ``Notify`` call it is sent:
``{"app": ..., "replaces": ..., "summary": ..., "body": ..., "timeout": ...}``. It answers
with a notification id as the Desktop Notifications Specification says (1, 2, ...).

dbus-fast reads each method's D-Bus signature from its annotations, so they are the
signature strings themselves (named below), evaluated at definition time.
"""

import asyncio
import json
import sys

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

STR = "s"
U32 = "u"
I32 = "i"
STRS = "as"
HINTS = "a{sv}"
INFO = "ssss"


class Notifications(ServiceInterface):  # type: ignore[misc]
    """The three methods a sender uses."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.count = 0

    @method()  # type: ignore[misc]
    def Notify(  # noqa: N802, PLR0917 - the specification's name and arguments
        self,
        app_name: STR,
        replaces_id: U32,
        app_icon: STR,
        summary: STR,
        body: STR,
        actions: STRS,
        hints: HINTS,
        expire_timeout: I32,
    ) -> U32:
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
    def GetCapabilities(self) -> STRS:  # noqa: N802
        return ["body"]

    @method()  # type: ignore[misc]
    def GetServerInformation(self) -> INFO:  # noqa: N802
        return ["jamdesk-tests", "Jamdesk", "1", "1.2"]


async def main(address: str) -> None:
    """Serve until killed."""
    bus = await MessageBus(bus_address=address).connect()
    bus.export("/org/freedesktop/Notifications", Notifications())
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
